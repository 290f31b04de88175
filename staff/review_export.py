"""From the review inbox to training data: `make export-reviewed` (python -m staff.cli export-reviewed).

Writes the reviewers' decisions (staff/review.py, table `review_decisions`) to `data/nlu/reviewed.yml`,
Rasa NLU training data that `make train` reads with the rest of `data/`:
- `confirm` and `relabel`: each wording of the group is an example of the topic (a `faq/*` or
  `out_of_scope/*` name of the training data);
- `new_topic`: an example of `out_of_scope/other` (the general "I don't have information about that"),
  with the reviewer's note as a comment;
- `ignore`: nothing.
Personal details are masked: email addresses (`<email>`), phone numbers (`<phone>`), names given as
"my name is ..." / "I'm ..." / "this is ..." and any name a handoff recorded (`<name>`). A message that is
in an evaluation set (the real questions' dev and frozen test splits, the dev set heldout.yml, the crisis
sets) is never exported, nor one the training data already has. It prints what changed.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import phonenumbers
import yaml
from sqlalchemy.orm import Session

from clinic import settings
from clinic.handoffs.contact import EMAIL_CANDIDATE
from clinic.handoffs.models import Handoff
from clinic.intents import GENERAL_OUT_OF_SCOPE, RETRIEVAL_INTENTS
from staff.conversations import normalise_question
from staff.models import ReviewDecision

ROOT = settings.PROJECT_ROOT
NLU_DIR = ROOT / "data" / "nlu"
OUTPUT = NLU_DIR / "reviewed.yml"
EVALUATION_SETS = (
    ROOT / "tests" / "nlu" / "real_questions" / "test.yml",
    ROOT / "tests" / "nlu" / "real_questions" / "dev.yml",
    ROOT / "tests" / "nlu" / "heldout.yml",
    *sorted((ROOT / "tests" / "safety").glob("*.yml")),
)
TOPIC_LINE = re.compile(r"^- intent: ((?:%s)/\w+)\s*$" % "|".join(RETRIEVAL_INTENTS), re.MULTILINE)
NAME_INTRO = re.compile(
    r"\b((?:my name is|my name's|name is|i am|i'm|im|this is|call me|it's)\s+)"
    r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})",
    re.IGNORECASE,
)
PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def training_files(nlu_dir: Path = NLU_DIR, output: Path = OUTPUT) -> List[Path]:
    return [path for path in sorted(nlu_dir.glob("*.yml")) if path.resolve() != output.resolve()]


def training_topics(nlu_dir: Path = NLU_DIR) -> List[str]:
    """The `faq/*` and `out_of_scope/*` topic names of the training data (reviewed.yml aside)."""
    topics: Set[str] = set()
    for path in training_files(nlu_dir):
        topics.update(TOPIC_LINE.findall(path.read_text(encoding="utf-8")))
    return sorted(topics)


def _texts(node) -> Iterable[str]:
    """Every question text in an evaluation or training file, whatever its layout."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            elif key == "examples" and isinstance(value, str):
                for line in value.splitlines():
                    if line.strip().startswith("- "):
                        yield re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:])
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
    elif isinstance(node, str):
        yield node


def known_questions(paths: Iterable[Path]) -> Set[str]:
    found: Set[str] = set()
    for path in paths:
        if path.exists():
            found.update(normalise_question(t) for t in _texts(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return found


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """The text with email addresses, phone numbers and names replaced."""
    text = EMAIL_CANDIDATE.sub("<email>", text)
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, settings.phone_region())]
    for start, end in reversed(spans):
        text = text[:start] + "<phone>" + text[end:]
    text = PHONE_LIKE.sub(lambda m: "<phone>" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        for part in [name, *name.split()]:
            if len(part) >= 3:
                text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "<name>", text, flags=re.IGNORECASE)
    text = NAME_INTRO.sub(lambda m: m.group(1) + "<name>" if m.group(2)[0].isupper() else m.group(), text)
    # Rasa reads [text](entity) in an example as an annotation, and a line break as a new example.
    return " ".join(re.sub(r"[\[\]{}]", "", text).split())


@dataclass
class Export:
    examples: Dict[str, List[str]] = field(default_factory=dict)
    notes: List[Tuple[str, str]] = field(default_factory=list)
    held_out: int = 0
    already_trained: int = 0


def reviewed_examples(session: Session, nlu_dir: Path = NLU_DIR) -> Export:
    export = Export()
    evaluation = known_questions(EVALUATION_SETS)
    trained = known_questions(training_files(nlu_dir))
    topics = set(training_topics(nlu_dir))
    names = [name for (name,) in session.query(Handoff.name).filter(Handoff.name.isnot(None)).distinct()]
    for decision in session.query(ReviewDecision).order_by(ReviewDecision.group_key):
        if decision.decision == "ignore":
            continue
        intent = GENERAL_OUT_OF_SCOPE if decision.decision == "new_topic" else decision.topic
        if intent not in topics and intent != GENERAL_OUT_OF_SCOPE:
            continue
        examples = []
        for text in decision.example.splitlines():
            if decision.group_key in evaluation or normalise_question(text) in evaluation:
                export.held_out += 1
                continue
            example = mask_personal(text, names)
            if not normalise_question(example):
                continue
            if normalise_question(example) in trained:
                export.already_trained += 1
                continue
            examples.append(example)
            if example not in export.examples.setdefault(intent, []):
                export.examples[intent].append(example)
        if not examples:
            continue
        example = examples[0]
        if decision.decision == "new_topic" and decision.note:
            export.notes.append((example, mask_personal(decision.note, names)))
    return export


def _quoted(text: str) -> str:
    return text.replace("\n", " ")


def render(export: Export) -> str:
    lines = [
        'version: "3.1"',
        "",
        "# Written by `make export-reviewed` from the staff console's review inbox (/staff/review):",
        "# do not edit by hand, decide in the inbox and export again. Personal details are masked.",
    ]
    if export.notes:
        lines.append("# New topics the article does not cover (reviewers' notes):")
        lines += [f"#   {_quoted(example)}: {_quoted(note)}" for example, note in export.notes]
    lines += ["", "nlu:"] if export.examples else ["", "nlu: []"]
    for intent in sorted(export.examples):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in sorted(export.examples[intent])]
    return "\n".join(lines) + "\n"


def read_examples(path: Path) -> Set[Tuple[str, str]]:
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = set()
    for block in data.get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                pairs.add((block.get("intent", ""), line.strip()[2:]))
    return pairs


def export_reviewed(session: Session, output: Path = OUTPUT, nlu_dir: Path = NLU_DIR) -> List[str]:
    """Writes the file and returns the lines saying what changed."""
    export = reviewed_examples(session, nlu_dir)
    before = read_examples(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(export), encoding="utf-8")
    after = read_examples(output)
    report = [f"+ {intent}: {text}" for intent, text in sorted(after - before)]
    report += [f"- {intent}: {text}" for intent, text in sorted(before - after)]
    summary = (
        f"{output}: {len(after)} examples in {len(export.examples)} topics; "
        f"{len(after - before)} added, {len(before - after)} removed"
    )
    if export.held_out:
        summary += f"; {export.held_out} left out (in an evaluation set)"
    if export.already_trained:
        summary += f"; {export.already_trained} left out (already in the training data)"
    return [*report, summary if report else summary + " (no change)"]
