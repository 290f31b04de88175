"""Recognise the conditions a person names, using the lexicon in `lexicons/conditions.yml`."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Pattern, Tuple

import yaml

LEXICON_PATH = Path(__file__).parent / "lexicons" / "conditions.yml"


@dataclass(frozen=True)
class Condition:
    key: str
    display: str
    listed: bool

    @property
    def sentence_start(self) -> str:
        """The display name where it begins a sentence ("Post-traumatic stress disorder (PTSD) is ...");
        `display` keeps the lexicon's case for the middle of one ("... are major depressive disorder")."""
        return self.display[:1].upper() + self.display[1:]


@dataclass(frozen=True)
class Mention:
    condition: Condition
    start: int
    end: int
    text: str


class ConditionLexicon:
    def __init__(self, conditions: Dict[str, Condition], names: List[Tuple[str, str]]):
        self.conditions = conditions
        # Longest names first so "postpartum depression" wins over "depression".
        ordered = sorted(names, key=lambda item: len(item[0]), reverse=True)
        alternatives = "|".join(re.escape(name) for name, _ in ordered)
        self._pattern: Pattern = re.compile(rf"\b(?:{alternatives})\b")
        self._key_by_name = dict(names)

    @classmethod
    def from_file(cls, path: Path = LEXICON_PATH) -> "ConditionLexicon":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        conditions = {
            key: Condition(key=key, display=entry["display"], listed=bool(entry["listed"]))
            for key, entry in raw.items()
        }
        names = [(name, key) for key, entry in raw.items() for name in entry["names"]]
        return cls(conditions, names)

    def find(self, text: str) -> List[Mention]:
        """The conditions named in `text`, in order, each once, with character offsets in `text`."""
        mentions: List[Mention] = []
        seen = set()
        for word_span, name in self._word_matches(text):
            key = self._key_by_name[name]
            if key in seen:
                continue
            seen.add(key)
            start, end = word_span
            mentions.append(Mention(self.conditions[key], start, end, text[start:end]))
        return mentions

    def _word_matches(self, text: str):
        """Matches in normalised text, mapped back to character offsets of the original text."""
        words = list(re.finditer(r"[A-Za-z0-9]+", text))
        lowered = [w.group(0).lower() for w in words]
        normalised = " ".join(lowered)
        offsets = []
        position = 0
        for word in lowered:
            offsets.append(position)
            position += len(word) + 1
        for match in self._pattern.finditer(normalised):
            first = offsets.index(match.start())
            last = first + match.group(0).count(" ")
            yield (words[first].start(), words[last].end()), match.group(0)

    def get(self, key: str) -> Condition:
        return self.conditions[key]

    def listed_names(self) -> str:
        """The conditions the article lists, as the lexicon displays them, in its order: "a, b and c"."""
        names = [condition.display for condition in self.conditions.values() if condition.listed]
        return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


@lru_cache(maxsize=1)
def default_lexicon() -> ConditionLexicon:
    return ConditionLexicon.from_file()
