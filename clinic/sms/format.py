"""Bot replies shaped for SMS: plain text, numbered options, at most 320 characters a message."""

import re
import unicodedata
from typing import Any, Dict, List, Sequence, Tuple

MAX_SMS_CHARS = 320
_MARKDOWN = re.compile(r"[*_`#>~]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

Option = Tuple[str, str]  # (title, payload)


def plain(text: str) -> str:
    """No markdown, no emoji or other pictographs, single spaces."""
    text = _MARKDOWN.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co") and ch != "\ufe0f")
    return re.sub(r"[ \t]+", " ", text).strip()


def options_sentence(options: Sequence[Option]) -> str:
    choices = ", ".join(f"{number} for {title}" for number, (title, _) in enumerate(options, start=1))
    return f"Reply {choices}."


def _sentences(text: str) -> List[str]:
    """The text's sentences, a one-word one ("Yes.") kept with the sentence after it, which it answers."""
    sentences: List[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if sentences and " " not in sentences[-1]:
            sentences[-1] = f"{sentences[-1]} {sentence}"
        else:
            sentences.append(sentence)
    return sentences


def split(text: str, limit: int = MAX_SMS_CHARS) -> List[str]:
    """Packs whole sentences into messages of at most `limit` characters."""
    pieces: List[str] = []
    for sentence in _sentences(text):
        while len(sentence) > limit:  # a sentence longer than one SMS: cut at a space
            cut = sentence.rfind(" ", 0, limit) if " " in sentence[:limit] else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    messages: List[str] = []
    for piece in pieces:
        if messages and len(messages[-1]) + 1 + len(piece) <= limit:
            messages[-1] = f"{messages[-1]} {piece}"
        else:
            messages.append(piece)
    return messages


def to_sms(bot_messages: Sequence[Dict[str, Any]]) -> Tuple[List[str], List[Option]]:
    """The SMS messages for a list of Rasa bot messages, and the numbered options they offer."""
    texts: List[str] = []
    options: List[Option] = []
    for message in bot_messages:
        if message.get("text"):
            texts.append(plain(message["text"]))
        for button in message.get("buttons") or []:
            options.append((plain(button["title"]), button["payload"]))
    if options:
        texts.append(options_sentence(options))
    # One SMS can carry several short replies: fewer messages for the person to read and pay for.
    return split(" ".join(texts)), options
