"""Answer-level scoring of real questions: was the whole reply right, not only the intent?

A question (tests/nlu/real_questions/*.yml) has up to three parts, each a topic with the article's key
facts a right answer must contain (`facts`: each entry `a|b|c`, any alternative, case-insensitive), or
the topic `out_of_scope`, whose right answer offers the clinic's staff. A question is answered when
every part is. A reply that is wrong, asked nothing back and offered no staff is *confidently wrong*:
an answer for another question, the worst outcome for a patient.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from clinic.intents import OUT_OF_SCOPE
from clinic.questions import asks

ROOT = Path(__file__).resolve().parent.parent
REAL_QUESTIONS = ROOT / "tests" / "nlu" / "real_questions"
# The splits of tests/nlu/real_questions/ (README.md there): `test` is frozen, the dev splits are where
# pipelines and thresholds are chosen, `train` may become training examples.
TEST_SPLIT = "test"
DEV_SPLITS = (
    "dev",
    "dev2",
    "dev3",
    "dev4",
    "dev5",
    "dev6",
    "dev7",
    "dev8",
    "dev9",
    "dev10",
    "dev11",
    "dev12",
    "dev13",
    "dev14",
    "dev15",
    "dev16",
    "dev17",
    "dev18",
    "dev19",
    "dev20",
    "dev21",
    "dev22",
    "dev23",
)
SPLITS = ("train", *DEV_SPLITS, TEST_SPLIT)
# The staff offer (domain.yml `utter_offer_staff`) and the clarifying question (`utter_clarify`,
# `action_clarify`): both are honest replies, never confidently wrong.
STAFF_OFFER = re.compile(r"connect you with our clinic staff", re.IGNORECASE)
CLARIFYING = re.compile(r"not sure I understood|did you mean", re.IGNORECASE)


@dataclass
class Part:
    topic: str
    facts: List[str] = field(default_factory=list)

    def answered_by(self, reply: str) -> bool:
        if self.topic == OUT_OF_SCOPE:
            return bool(STAFF_OFFER.search(reply))
        lowered = reply.lower()
        return all(any(option.strip().lower() in lowered for option in fact.split("|")) for fact in self.facts)


@dataclass
class Question:
    id: str
    text: str
    source: str
    style: str
    parts: List[Part]
    condition: Optional[str] = None

    @property
    def topics(self) -> List[str]:
        return [part.topic for part in self.parts]


@dataclass
class Verdict:
    question: Question
    reply: str
    parts_answered: List[bool]

    @property
    def answered(self) -> bool:
        return all(self.parts_answered)

    @property
    def clarified(self) -> bool:
        return bool(CLARIFYING.search(self.reply))

    @property
    def confidently_wrong(self) -> bool:
        return not self.answered and not self.clarified and not STAFF_OFFER.search(self.reply)

    @property
    def miss_kind(self) -> str:
        """How a reply that is not right missed: an answer to another question, a question back, or honest."""
        return "CONFIDENTLY WRONG" if self.confidently_wrong else ("asked" if self.clarified else "honest")


def load_questions(split: str) -> List[Question]:
    data = yaml.safe_load((REAL_QUESTIONS / f"{split}.yml").read_text(encoding="utf-8"))
    return [
        Question(
            id=q["id"],
            text=q["text"],
            source=q["source"],
            style=q.get("style", "faq"),
            parts=[Part(p["topic"], list(p.get("facts") or [])) for p in q["parts"]],
            condition=q.get("condition"),
        )
        for q in data["questions"]
    ]


def judge(question: Question, reply: str) -> Verdict:
    return Verdict(question, reply, [part.answered_by(reply) for part in question.parts])


@dataclass
class Figures:
    questions: int
    answered: float
    confidently_wrong: float
    out_of_scope_with_staff_offer: str
    multi_part_answered: str
    by_topic: Dict[str, str]
    by_style: Dict[str, str]


def rate(verdicts: Sequence[Verdict]) -> str:
    right = sum(v.answered for v in verdicts)
    return f"{right}/{len(verdicts)} ({right / len(verdicts):.2f})" if verdicts else "-"


def figures(verdicts: Sequence[Verdict]) -> Figures:
    by_topic: Dict[str, List[Verdict]] = defaultdict(list)
    by_style: Dict[str, List[Verdict]] = defaultdict(list)
    out_of_scope_parts: Counter[bool] = Counter()
    for verdict in verdicts:
        by_style[verdict.question.style].append(verdict)
        for part, ok in zip(verdict.question.parts, verdict.parts_answered):
            by_topic[part.topic].append(verdict)
            if part.topic == OUT_OF_SCOPE:
                out_of_scope_parts[ok] += 1
    multi = [v for v in verdicts if len(v.question.parts) > 1]
    n = len(verdicts)
    return Figures(
        questions=n,
        answered=sum(v.answered for v in verdicts) / n,
        confidently_wrong=sum(v.confidently_wrong for v in verdicts) / n,
        out_of_scope_with_staff_offer=f"{out_of_scope_parts[True]}/{sum(out_of_scope_parts.values())}",
        multi_part_answered=rate(multi),
        by_topic={topic: rate(vs) for topic, vs in sorted(by_topic.items())},
        by_style={style: rate(vs) for style, vs in sorted(by_style.items())},
    )


def report(split: str, verdicts: Sequence[Verdict]) -> str:
    f = figures(verdicts)
    lines = [
        f"Real questions, {split} split: {f.questions} questions (tests/nlu/real_questions/{split}.yml)",
        f"  answered right (every part): {f.answered:.3f}",
        f"  confidently wrong:           {f.confidently_wrong:.3f}",
        f"  out-of-scope parts offered staff: {f.out_of_scope_with_staff_offer}",
        f"  multi-part questions answered in every part: {f.multi_part_answered}",
        "  by topic (questions with a part of that topic answered in full):",
        *[f"    {topic:22} {rate}" for topic, rate in f.by_topic.items()],
        "  by style:",
        *[f"    {style:22} {rate}" for style, rate in f.by_style.items()],
        "  misses:",
    ]
    for v in verdicts:
        if not v.answered:
            missing = [p.topic for p, ok in zip(v.question.parts, v.parts_answered) if not ok]
            said = f"{v.question.text[:90]!r} missing {missing}: {v.reply[:140]!r}"
            lines.append(f"    [{v.miss_kind}] {v.question.id} {said}")
    return "\n".join(lines)


def _bare(text: str) -> str:
    return text.strip().rstrip("?.! ")


def _lower_first(text: str) -> str:
    return text if text[:2] in ("I ", "I'") else text[:1].lower() + text[1:]


# The ways people put two questions in one message, each a function of the two questions' texts.
JOINS: Tuple[Tuple[str, Callable[[str, str], str]], ...] = (
    ("question marks", lambda a, b: f"{_bare(a)}? {_bare(b)[:1].upper()}{_bare(b)[1:]}?"),
    ("and", lambda a, b: f"{_bare(a)} and {_lower_first(_bare(b))}?"),
    ("also", lambda a, b: f"{_bare(a)}? Also, {_lower_first(_bare(b))}?"),
    ("comma", lambda a, b: f"{_bare(a)}, {_lower_first(_bare(b))}?"),
    ("run on", lambda a, b: f"{_bare(a).lower()} {_bare(b).lower()}"),
    ("line break", lambda a, b: f"{_bare(a)}?\n{_bare(b)}?"),
)
MAX_JOINED_WORDS = 18
# What joins the ids of a joined message's two questions in its id.
JOINED_ID = "+"
# How many messages of two questions the joined measure asks (`make eval-joined` and its gate in `make test`).
JOINED_MESSAGES = 360


def joinable(question: Question) -> bool:
    """A question of one part that a person asks (not an article's heading) in one short sentence: two of
    them joined make a message of two."""
    text = question.text
    one_sentence = "\n" not in text and text.count("?") <= 1 and not re.search(r"[.!?]\s", text)
    asked = question.style != "article" and (text.rstrip().endswith("?") or asks(text))
    return len(question.parts) == 1 and one_sentence and asked and len(text.split()) <= MAX_JOINED_WORDS


def joined(questions: Sequence[Question], count: int, seed: int = 13) -> List[Question]:
    """Up to `count` messages of two questions each, of two different topics, drawn from `questions`
    (seeded), joined each of the JOINS ways in turn; a message's parts are its two questions' parts."""
    pairs = [(a, b) for a in questions for b in questions if a.parts[0].topic != b.parts[0].topic]
    drawn = random.Random(seed).sample(pairs, min(count, len(pairs)))
    return [
        Question(
            id=f"{first.id}{JOINED_ID}{second.id}",
            text=JOINS[n % len(JOINS)][1](first.text, second.text),
            source=f"{first.source} {second.source}",
            style=JOINS[n % len(JOINS)][0],
            parts=first.parts + second.parts,
        )
        for n, (first, second) in enumerate(drawn)
    ]
