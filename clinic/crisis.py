"""Deterministic crisis detection over the maintained lexicon in `lexicons/crisis.yml`.

The intent classifier also knows a `crisis` intent, but safety must not rest on its confidence: the
`CrisisGuard` NLU component runs this check on every message and overrides the classifier.
"""

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import List, Pattern

import yaml

from clinic.text import normalise

LEXICON_PATH = Path(__file__).parent / "lexicons" / "crisis.yml"


class Assessment(str, Enum):
    CRISIS = "crisis"
    INFORMATIONAL = "informational"
    NONE = "none"


@dataclass(frozen=True)
class CrisisCheck:
    assessment: Assessment
    matched: List[str] = field(default_factory=list)

    @property
    def is_crisis(self) -> bool:
        return self.assessment is Assessment.CRISIS


@dataclass(frozen=True)
class CrisisLexicon:
    danger: List[Pattern]
    topic: List[Pattern]
    informational: List[Pattern]
    personal: List[Pattern]

    @classmethod
    def from_file(cls, path: Path = LEXICON_PATH) -> "CrisisLexicon":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))

        def compile_all(key: str) -> List[Pattern]:
            return [re.compile(rf"\b(?:{pattern})\b") for pattern in raw[key]]

        return cls(
            danger=compile_all("danger"),
            topic=compile_all("topic"),
            informational=compile_all("informational"),
            personal=compile_all("personal"),
        )

    def check(self, text: str) -> CrisisCheck:
        words = normalise(text)
        danger = [p.pattern for p in self.danger if p.search(words)]
        if danger:
            return CrisisCheck(Assessment.CRISIS, danger)
        topic = [p.pattern for p in self.topic if p.search(words)]
        if not topic:
            return CrisisCheck(Assessment.NONE)
        general_question = any(p.search(words) for p in self.informational)
        personal = any(p.search(words) for p in self.personal)
        if general_question and not personal:
            return CrisisCheck(Assessment.INFORMATIONAL, topic)
        return CrisisCheck(Assessment.CRISIS, topic)


@lru_cache(maxsize=1)
def default_lexicon() -> CrisisLexicon:
    return CrisisLexicon.from_file()


def check(text: str) -> CrisisCheck:
    """Assess one message with the project's lexicon."""
    return default_lexicon().check(text)
