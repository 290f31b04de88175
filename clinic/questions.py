"""Which parts of a message ask something: "I've been struggling for years. How long does each infusion
take?" is a story and a question. Read by the NLU (clinic_nlu.question_parts: which parts get answers of
their own) and by the action server (actions/clarify.py: whether an unclear message asks at all;
actions/booking.py: whether a message during the booking form is a question or the answer asked for)."""

import re
from typing import List, Tuple

_QUESTION_WORDS = r"(?:how|what|whats|what's|does|do|is|are|can|could|will|would|when|why|who|should|and is|and do)"
# The parts of a message: at question marks, sentence ends, and "and" (or a texter's "n", "&", "+",
# "plus")/commas before a question word or an "if"; a comma also before "also", "but", "so" or "plus" and
# a question word ("I want to speak to someone, also do you take insurance").
_SPLIT = re.compile(
    rf"[?!.;]+\s*|,\s*(?=(?:(?:also|but|so|plus)\s+)?{_QUESTION_WORDS}\b)"
    rf"|\s+(?:and|n|&|\+|plus)\s+(?=(?:{_QUESTION_WORDS}|if|whether)\b)",
    re.IGNORECASE,
)
# A part that asks: it ends with a question mark, or opens (after "and", "also", "hi"...) with a question
# word, a texter's one ("r", "wat"), or a request to be told. "where", "which", "did" and "am" open a
# question but are not split at: after a comma they mostly start a clause ("my doctor, where I live").
_ASKING = re.compile(
    rf"^(?:(?:and|also|so|but|or|ok|okay|hi|hey|then|just|plus|n|&|\+)\W+)*"
    rf"(?:{_QUESTION_WORDS}|where|which|did|am|r|wat|if|whether|tell me|explain"
    rf"|(?:i(?:'m| am) )?(?:wondering|curious)|i wonder"
    rf"|(?:i |i'd |i'm )?(?:want|wanted|need|like|would like|trying) to (?:know|ask|understand))\b",
    re.IGNORECASE,
)


def segments(text: str, min_words: int = 3) -> List[Tuple[str, bool]]:
    """The message's parts of `min_words` words or more, each with whether it asks something."""
    found, start = [], 0
    for separator in [*_SPLIT.finditer(text), None]:
        end = separator.start() if separator else len(text)
        part = text[start:end].strip(" ,;:")
        if len(part.split()) >= min_words:
            found.append((part, bool(separator and "?" in separator.group()) or bool(_ASKING.match(part))))
        start = separator.end() if separator else end
    return found


def asked_parts(text: str) -> List[str]:
    """The parts of a message of several that ask something; "I've been struggling for years." before
    "How long does each infusion take?" is the asker's story, not a question of its own. All the parts
    when none reads as a question; none for a message of one part (its reading is the whole message's)."""
    found = segments(text)
    if len(found) < 2:
        return []
    return [part for part, asking in found if asking] or [part for part, _ in found]


def asks(text: str) -> bool:
    """Whether any part of the message asks something ("I'm not suicidal, just exhausted by this
    depression" does not; "can ketamine help with fibromyalgia" does)."""
    return any(asking for _, asking in segments(text, min_words=1))
