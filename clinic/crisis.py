"""Deterministic crisis detection over the maintained lexicon in `lexicons/crisis.yml`.

The intent classifier also knows a `crisis` intent, but safety must not rest on its confidence: the
`CrisisGuard` NLU component runs this check on every message and overrides the classifier.
"""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Pattern, Tuple

import yaml

from clinic import crisis_time
from clinic.text import TypoCorrector, normalise, normalised_words

LEXICON_PATH = Path(__file__).parent / "lexicons" / "crisis.yml"

# How many words either side of a despair phrase are searched for what is being vented about.
VENTING_REACH = 6


class Assessment(str, Enum):
    CRISIS = "crisis"
    INFORMATIONAL = "informational"
    NONE = "none"


@dataclass(frozen=True)
class CrisisCheck:
    assessment: Assessment
    matched: List[str] = field(default_factory=list)
    # Only words about suicide or self-harm, no danger, despair or history pattern: the one kind of
    # crisis match the learned detector may reconsider (clinic_nlu.crisis_guard).
    topic_only: bool = False
    # Not a crisis by the lexicon, and the message names an everyday thing being vented about (the
    # insurance, a bill, being on hold): the learned detector alone needs to be surer to call it one.
    vents: bool = False
    # The message denies suicidal thoughts, self-harm or attempts (the lexicon's `denied`), or uses a crisis
    # word in another sense (`other_senses`: "I'd kill for a coffee"): a classifier that reads those words as
    # a crisis is not to be trusted on it (clinic_nlu.crisis_guard).
    set_aside: bool = False
    # Informational because what it tells is long past and over (the lexicon's `resolved`, nothing `recurring`):
    # the learned detector, which reads the attempt and not the years since, does not make it a crisis
    # (clinic_nlu.crisis_guard).
    resolved: bool = False

    @property
    def is_crisis(self) -> bool:
        return self.assessment is Assessment.CRISIS


def _answer_patterns(answered: Dict[str, List[str]]) -> List[Pattern]:
    """The lexicon's `answered` words as patterns of a message's opening: one to three of them, then a stop
    ("no.", "nah,", "wow ok.", "sure -"); or one of its `without_stop` words ("no thanks i just want ...")."""
    words = "|".join(re.escape(word) for word in answered.get("words") or ())
    bare = "|".join(re.escape(word) for word in answered.get("without_stop") or ())
    patterns = [rf"^\s*(?:(?:{words})[\s,]+){{0,2}}(?:{words})\s*[,.!;:\u2013\u2014-]+\s*"] if words else []
    patterns += [rf"^\s*(?:{bare})\s+"] if bare else []
    return [re.compile(pattern, re.IGNORECASE) for pattern in patterns]


@dataclass(frozen=True)
class CrisisLexicon:
    danger: List[Pattern]
    topic: List[Pattern]
    informational: List[Pattern]
    personal: List[Pattern]
    despair: List[Pattern] = field(default_factory=list)
    venting: List[Pattern] = field(default_factory=list)
    history: List[Pattern] = field(default_factory=list)
    bereavement: List[Pattern] = field(default_factory=list)
    discussed: List[Pattern] = field(default_factory=list)
    denied: List[Pattern] = field(default_factory=list)
    other_senses: List[Pattern] = field(default_factory=list)
    resolved: List[Pattern] = field(default_factory=list)
    recurring: List[Pattern] = field(default_factory=list)
    # Danger in a script the normalisation drops, matched on the text as written (no word boundaries).
    other_scripts: List[Pattern] = field(default_factory=list)
    # An answer to the assistant's question that opens the message, matched at its start as written
    # (`_answer_patterns`).
    answered: List[Pattern] = field(default_factory=list)
    typos: TypoCorrector = field(default_factory=lambda: TypoCorrector(()))

    @classmethod
    def from_file(cls, path: Path = LEXICON_PATH) -> "CrisisLexicon":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))

        def compile_all(key: str) -> List[Pattern]:
            return [re.compile(rf"\b(?:{pattern})\b") for pattern in raw.get(key) or []]

        typos = raw.get("typos") or {}
        return cls(
            danger=compile_all("danger"),
            topic=compile_all("topic"),
            informational=compile_all("informational"),
            personal=compile_all("personal"),
            despair=compile_all("despair"),
            venting=compile_all("venting"),
            history=compile_all("history"),
            bereavement=compile_all("bereavement"),
            discussed=compile_all("discussed"),
            denied=compile_all("denied"),
            other_senses=compile_all("other_senses"),
            resolved=compile_all("resolved"),
            recurring=compile_all("recurring"),
            other_scripts=[re.compile(pattern) for pattern in raw.get("other_scripts") or []],
            answered=_answer_patterns(raw.get("answered") or {}),
            typos=TypoCorrector(typos.get("keywords") or (), typos.get("real_words") or ()),
        )

    def check(self, text: str) -> CrisisCheck:
        written = unicodedata.normalize("NFKC", text or "").lower()
        other_scripts = [p.pattern for p in self.other_scripts if p.search(written)]
        if other_scripts:
            return CrisisCheck(Assessment.CRISIS, other_scripts)
        # A denial ("i am not suicidal", "no history of self harm") and a crisis word in another sense ("i
        # would kill for a coffee") are taken out before anything is matched: what is left still has to say
        # nothing of danger.
        corrected = self.typos.correct(normalise(text))
        words = _without(_without(corrected, self.denied), self.other_senses)
        return replace(self._assess(words), set_aside=words != corrected)

    def _assess(self, words: str) -> CrisisCheck:
        danger = [p.pattern for p in self.danger if p.search(words)]
        danger += [p.pattern for p in self.despair if self._despair(p, words)]
        if danger:
            return CrisisCheck(Assessment.CRISIS, danger)
        history = [p.pattern for p in self.history if p.search(words)]
        # A death already grieved ("lost my brother to suicide") is not a topic match by itself.
        about_topic = _without(words, self.bereavement)
        topic = [p.pattern for p in self.topic if p.search(about_topic)]
        over, dated = self._told_as_past(words) if history or topic else (False, False)
        if history and not (over or dated):
            return CrisisCheck(Assessment.CRISIS, history)
        vents = any(p.search(words) for p in self.venting)
        # A history that got this far is told as long past and over, or dated long ago.
        if not topic:
            if history:
                return CrisisCheck(Assessment.INFORMATIONAL, history, vents=vents, resolved=over)
            return CrisisCheck(Assessment.NONE, vents=vents)
        general_question = any(p.search(words) for p in self.informational)
        personal = any(p.search(words) for p in self.personal)
        if general_question and not personal:
            return CrisisCheck(Assessment.INFORMATIONAL, topic, vents=vents, resolved=over)
        # Long past and over, or dated long ago, nothing back lately: the informational answer (it carries the 988
        # line); only the first whatever the learned detector reads (`resolved`).
        if over or dated:
            return CrisisCheck(Assessment.INFORMATIONAL, topic, vents=vents, resolved=over)
        # Only as the subject of a work, a study or a public effort: the informational answer too.
        if not any(p.search(_without(about_topic, self.discussed)) for p in self.topic):
            return CrisisCheck(Assessment.INFORMATIONAL, topic, vents=vents)
        return CrisisCheck(Assessment.CRISIS, topic, topic_only=True)

    def set_aside_spans(self, text: str) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
        """Where the message denies suicidal thoughts, self-harm or attempts or opens with an answer to the
        assistant's question ("no thanks.", "yes,"), and where it uses a crisis word in another sense ("i'd
        kill for a coffee", "the death of me"), as (start, end) spans of the text as written: what the
        learned detector reads around (clinic_nlu.crisis_detector). The text is read once for all three."""
        answer = next((match.span() for match in (p.match(text) for p in self.answered) if match), None)
        words = [(self.typos.correct(word), start, end) for word, start, end in normalised_words(text)]
        starts, offset = [], 0
        for word, _, _ in words:
            starts.append(offset)
            offset += len(word) + 1
        joined = " ".join(word for word, _, _ in words)

        def spans(patterns: List[Pattern], found: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
            for pattern in patterns:
                for match in pattern.finditer(joined):
                    first, last = bisect_right(starts, match.start()) - 1, bisect_right(starts, match.end() - 1) - 1
                    found.append((words[first][1], words[last][2]))
            merged: List[Tuple[int, int]] = []
            for start, end in sorted(found):  # two patterns may find the same words
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            return merged

        return spans(self.denied, [answer] if answer else []), spans(self.other_senses, [])

    def _despair(self, pattern: Pattern, words: str) -> bool:
        """A despair phrase counts unless what is vented about stands within a few words of it."""
        for match in pattern.finditer(words):
            before = words[: match.start()].split()[-VENTING_REACH:]
            after = words[match.end() :].split()[:VENTING_REACH]
            near = " ".join(before + [match.group(0)] + after)
            if not any(v.search(near) for v in self.venting):
                return True
        return False

    def _told_as_past(self, words: str) -> Tuple[bool, bool]:
        """(over, dated): over in so many words (`resolved`), or else only dated long ago (clinic.crisis_time);
        neither when something says it is back (`recurring`)."""
        if any(p.search(words) for p in self.recurring):
            return False, False
        over = any(p.search(words) for p in self.resolved)
        return over, not over and crisis_time.long_ago(words)


def _without(words: str, phrases: List[Pattern]) -> str:
    """The words with every match of the phrases taken out."""
    for pattern in phrases:
        words = pattern.sub(" ", words)
    return words


@lru_cache(maxsize=1)
def default_lexicon() -> CrisisLexicon:
    return CrisisLexicon.from_file()


def check(text: str) -> CrisisCheck:
    """Assess one message with the project's lexicon."""
    return default_lexicon().check(text)
