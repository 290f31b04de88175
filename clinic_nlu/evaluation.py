"""NLU evaluation on data the model was not trained on.

python -m clinic_nlu.evaluation heldout --model models/clinic-<hash>.tar.gz
    Parses every example of tests/nlu/heldout.yml and the crisis set with the trained model (the
    whole pipeline, crisis guard included) and prints accuracy, per-intent precision/recall/F1
    and the confusions. A retrieval intent counts as right only with the right sub-intent
    (`faq/boosters`, not just `faq`).

python -m clinic_nlu.evaluation answers --model models/clinic-<hash>.tar.gz [--split test]
    Starts the real action server and Rasa server (tests/support/servers.py) and asks every real
    question of the split (tests/nlu/real_questions/, answer-level scoring in clinic_nlu/answers.py)
    and every message of a crisis set (with the test split the fresh crisis set
    tests/safety/crisis_fresh.yml, with any other the dev set tests/safety/crisis_probe2.yml),
    each in a new conversation through the REST channel, and judges the whole reply. `make eval`
    runs it on the frozen test split.

python -m clinic_nlu.evaluation joined --model models/clinic-<hash>.tar.gz [--count 360]
    Two questions in one message: two of the dev splits' short single questions of different topics, drawn
    the same for every model, joined the ways people join them (question marks, "and", "also", a comma, run
    on as a text, a line break: clinic_nlu/answers.py JOINS), each asked in a new conversation; prints how
    many get every part answered, by the way they are joined, and how many of those whose two questions the
    bot answers right alone. `make eval-joined` runs it.

python -m clinic_nlu.evaluation replies --model models/clinic-<hash>.tar.gz
    The crisis dev set of replies said in the middle of a conversation (tests/safety/crisis_replies.yml):
    each message after the turns of its context (REPLY_CONTEXTS: the booking form's questions, the staff
    offer, an answer), in a new conversation, the whole reply to it judged, by context.

python -m clinic_nlu.evaluation crisis-thresholds --model models/clinic-<hash>.tar.gz
    The crisis guard's detector thresholds against the crisis development sets and ordinary dev
    questions (where they are chosen; never the fresh crisis set).

python -m clinic_nlu.evaluation compare --out docs/nlu-evaluation.md
    Trains each candidate pipeline under experiments/pipelines/, runs Rasa's 5-fold
    cross-validation on the training data and the held-out evaluation above, and writes a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import yaml

from clinic.clinic_settings import CRISIS_LINE
from clinic.handoffs.kinds import POSSIBLE_CRISIS
from clinic.intents import ASK_SUICIDAL_THOUGHTS, CRISIS, OUT_OF_SCOPE, retrieval_intent, selector_ranking
from clinic_nlu.answers import DEV_SPLITS, JOINED_MESSAGES, SPLITS, TEST_SPLIT

# What a conversation is given the bot as: one message, or its turns in order.
Message = Union[str, Sequence[str]]

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
CRISIS_SET = ROOT / "tests" / "safety" / "crisis_messages.yml"
# The crisis lexicon's development set (tests/unit/test_crisis_lexicon.py).
CRISIS_DEV_SET = ROOT / "tests" / "safety" / "crisis_dev.yml"
FRESH_CRISIS_SET = ROOT / "tests" / "safety" / "crisis_fresh.yml"
# A third crisis development set, written apart for choosing the classifier's crisis threshold.
CRISIS_PROBE_SET = ROOT / "tests" / "safety" / "crisis_probe.yml"
# A fourth, written apart when the third had been fitted (its misses became lexicon patterns): the
# crisis development set that still measures fairly.
CRISIS_PROBE2_SET = ROOT / "tests" / "safety" / "crisis_probe2.yml"
# A fifth, written apart once the fourth's missed kinds had been described to a writer of training
# examples (eighth round).
CRISIS_PROBE3_SET = ROOT / "tests" / "safety" / "crisis_probe3.yml"
# A sixth, of overdoses told by an amount and of ordinary messages telling an amount (tenth round).
CRISIS_AMOUNTS_SET = ROOT / "tests" / "safety" / "crisis_amounts.yml"
# A seventh, of ten kinds each with its ordinary twin, written when the lexicon had learned the kinds the
# fourth and fifth still missed (eleventh round).
CRISIS_PROBE5_SET = ROOT / "tests" / "safety" / "crisis_probe5.yml"
# An eighth, of messages written on behalf of someone else, in danger or not (fourteenth round).
CRISIS_ON_BEHALF_SET = ROOT / "tests" / "safety" / "crisis_on_behalf.yml"
# A ninth, of ten kinds each with its look-alikes, written by a helper that read no file of the project
# (twenty-seventh round).
CRISIS_PROBE6_SET = ROOT / "tests" / "safety" / "crisis_probe6.yml"
# A tenth, of ten kinds each with its look-alikes, most inside an ordinary question, written by a helper that
# read no file of the project (thirtieth round).
CRISIS_PROBE7_SET = ROOT / "tests" / "safety" / "crisis_probe7.yml"
# An eleventh, of ten kinds each with its look-alikes, two in three inside an ordinary question, written by a
# helper that read no file of the project (thirty-first round).
CRISIS_PROBE8_SET = ROOT / "tests" / "safety" / "crisis_probe8.yml"
# A thirteenth, of the same ten kinds, a quarter opening or closing with a name, a greeting, a sign-off or an
# answer word in both lists alike, written by a helper that read no file of the project (thirty-third round).
CRISIS_PROBE9_SET = ROOT / "tests" / "safety" / "crisis_probe9.yml"
# A fourteenth, of what a list of words would miss (danger implied, misspelt, in another language, a reply
# fragment...) with look-alikes in the same words, written by a helper that read no file of the project
# (thirty-fourth round).
CRISIS_PROBE10_SET = ROOT / "tests" / "safety" / "crisis_probe10.yml"
# A fifteenth, of ten kinds each with its look-alikes, many pairs sharing their opening words, written by a helper
# that read no file of the project (thirty-seventh round).
CRISIS_PROBE11_SET = ROOT / "tests" / "safety" / "crisis_probe11.yml"
# A sixteenth, of ten kinds each with its look-alikes (a crisis surfacing in a scheduling or billing message, means
# asked with intent, idioms meant literally...), most pairs sharing their opening words or topic, written by a helper
# that read no file of the project (thirty-eighth round).
CRISIS_PROBE12_SET = ROOT / "tests" / "safety" / "crisis_probe12.yml"
# A seventeenth, of ten kinds each with its look-alikes (a crisis inside a practical question, a plan or a date, despair
# after treatment, danger only in a long message's last sentence...; histories long over, ordinary moves and goodbyes,
# the words of means in ordinary senses), many pairs sharing their opening words or topic, written by a helper that
# read no file of the project (thirty-ninth round).
CRISIS_PROBE13_SET = ROOT / "tests" / "safety" / "crisis_probe13.yml"
# An eighteenth, of ten kinds each with its look-alikes (preparations told casually, passive wishes in everyday words,
# a date or a condition set, veiled farewells, self-harm just done...; histories long over, grief and wills, ordinary
# goodbyes, professionals and the media), most inside an ordinary message about the clinic, many pairs sharing their
# opening words, written by a helper that read no file of the project (fortieth round).
CRISIS_PROBE14_SET = ROOT / "tests" / "safety" / "crisis_probe14.yml"
# A nineteenth, of ten kinds each with its look-alikes (passive wishes, plans and means, recent attempts in passing,
# veiled farewells, someone else now, overdoses told casually, SMS shorthand, danger in one sentence of a long
# message, understatement; low mood, idioms, questions about suicidal thoughts, histories long over, grief,
# medication logistics, ordinary goodbyes, worried relatives, literal words, venting), most about the clinic, written
# by a helper that read no file of the project (forty-second round).
CRISIS_PROBE15_SET = ROOT / "tests" / "safety" / "crisis_probe15.yml"
# A twentieth, of ten kinds each with its look-alikes (passive wishes, plans or means, overdoses, self-harm just done,
# veiled farewells, someone else now, despair after treatment, a crisis inside a clinic question, SMS shorthand,
# understatement; low mood, idioms, questions about suicidal thoughts, histories long over, grief, dose logistics,
# ordinary goodbyes, worried relatives, literal words, venting), most addressed to the clinic, written by a helper that
# read no file of the project (forty-third round).
CRISIS_PROBE16_SET = ROOT / "tests" / "safety" / "crisis_probe16.yml"
# A twenty-first, of ten kinds each with its look-alikes (passive wishes, plans or means, overdoses asked about,
# self-harm now, veiled farewells, someone else now, despair after treatment, a crisis inside a clinic question, SMS
# shorthand, understatement; low mood, idioms, questions about suicidal thoughts, histories long over, grief, medication
# logistics, ordinary goodbyes, worried relatives, literal words, venting), most addressed to the clinic, written by a
# helper that read no file of the project (forty-sixth round).
CRISIS_PROBE17_SET = ROOT / "tests" / "safety" / "crisis_probe17.yml"
# A twenty-second, of the same ten kinds each with its look-alikes, about two thirds addressed to the clinic, written by
# a helper that read no file of the project before the forty-seventh round's detector examples were written, and
# nothing chosen on it (forty-seventh round).
CRISIS_PROBE18_SET = ROOT / "tests" / "safety" / "crisis_probe18.yml"
# A twenty-third, of the same ten kinds each with its look-alikes, about two thirds addressed to the clinic, written by
# a helper that read no file of the project after the forty-eighth round's dated reading of histories was chosen, and
# nothing chosen on it (forty-eighth round).
CRISIS_PROBE19_SET = ROOT / "tests" / "safety" / "crisis_probe19.yml"
# The crisis development sets written apart, newest first, by the name the reports give them.
CRISIS_PROBES = (
    ("probe19", CRISIS_PROBE19_SET),
    ("probe18", CRISIS_PROBE18_SET),
    ("probe17", CRISIS_PROBE17_SET),
    ("probe16", CRISIS_PROBE16_SET),
    ("probe15", CRISIS_PROBE15_SET),
    ("probe14", CRISIS_PROBE14_SET),
    ("probe13", CRISIS_PROBE13_SET),
    ("probe12", CRISIS_PROBE12_SET),
    ("probe11", CRISIS_PROBE11_SET),
    ("probe10", CRISIS_PROBE10_SET),
    ("probe9", CRISIS_PROBE9_SET),
    ("probe8", CRISIS_PROBE8_SET),
    ("probe7", CRISIS_PROBE7_SET),
    ("probe6", CRISIS_PROBE6_SET),
    ("on_behalf", CRISIS_ON_BEHALF_SET),
    ("probe5", CRISIS_PROBE5_SET),
    ("amounts", CRISIS_AMOUNTS_SET),
    ("probe3", CRISIS_PROBE3_SET),
    ("probe2", CRISIS_PROBE2_SET),
    ("probe", CRISIS_PROBE_SET),
)
# A twelfth, of replies said in the middle of a conversation (to the booking form's questions, the staff
# offer, an answer), each item with its `context` (thirty-second round).
CRISIS_REPLIES_SET = ROOT / "tests" / "safety" / "crisis_replies.yml"
# The turns that bring a new conversation to each context: the bot's reply to the last of them is the
# question the set's messages answer (the booking form's four, the staff offer) or an answer.
REPLY_CONTEXTS: Dict[str, Tuple[str, ...]] = {
    "booking_name": ("I'd like to book an appointment",),
    "booking_contact": ("I'd like to book an appointment", "Sam"),
    "booking_time": ("I'd like to book an appointment", "Sam", "(415) 555-0142"),
    "booking_consent": ("I'd like to book an appointment", "Sam", "(415) 555-0142", "weekday mornings"),
    "staff_offer": ("how much does it cost?",),
    "after_answer": ("how does ketamine work?",),
}
CANDIDATES = ROOT / "experiments" / "pipelines"
# The crisis reply (domain.yml `utter_crisis`): it says the conversation was flagged for the team.
CRISIS_REPLY = "flagged this"


@dataclass
class Example:
    text: str
    intent: str


@dataclass
class Prediction:
    example: Example
    intent: Optional[str]
    confidence: float


def load_examples(path: Path = HELDOUT) -> List[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for line in block.get("examples", "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(line[2:].strip(), block["intent"]))
    return examples


def load_crisis_set(path: Path = CRISIS_SET) -> Dict[str, List[Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class Parser:
    """Parses text with a trained model, in-process."""

    def __init__(self, model_path: str):
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
        self._agent = Agent.load(model_path)
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> Dict:
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def predict(self, examples: Sequence[Example]) -> List[Prediction]:
        predictions = []
        for example in examples:
            parse = self.parse(example.text)
            confidence = parse["intent"].get("confidence") or 0.0
            predictions.append(Prediction(example, retrieval_intent(parse), confidence))
        return predictions


def accuracy(predictions: Sequence[Prediction]) -> float:
    return sum(p.intent == p.example.intent for p in predictions) / len(predictions)


def report(predictions: Sequence[Prediction]) -> str:
    from sklearn.metrics import classification_report

    truth = [p.example.intent for p in predictions]
    predicted = [p.intent for p in predictions]
    lines = [classification_report(truth, predicted, digits=3, zero_division=0)]
    confusions = Counter((p.example.intent, p.intent) for p in predictions if p.intent != p.example.intent)
    lines.append("Confusions (expected -> predicted: count, examples):")
    for (expected, got), count in confusions.most_common():
        texts = [p.example.text for p in predictions if (p.example.intent, p.intent) == (expected, got)]
        lines.append(f"  {expected} -> {got}: {count}   e.g. {texts[:3]}")
    return "\n".join(lines)


def crisis_figures(parser: Parser) -> Dict[str, Tuple[int, int]]:
    """(correct, total) for each part of the crisis set, through the whole pipeline."""
    sets = load_crisis_set()
    intent = lambda text: parser.parse(text)["intent"]["name"]  # noqa: E731
    return {
        "crisis recall": (sum(intent(t) == CRISIS for t in sets["crisis"]), len(sets["crisis"])),
        "no false alarm": (sum(intent(t) != CRISIS for t in sets["not_crisis"]), len(sets["not_crisis"])),
        "informational answered": (
            sum(intent(t) == ASK_SUICIDAL_THOUGHTS for t in sets["informational"]),
            len(sets["informational"]),
        ),
    }


def heldout_command(args: argparse.Namespace) -> int:
    parser = Parser(args.model)
    examples = load_examples()
    started = time.perf_counter()
    predictions = parser.predict(examples)
    elapsed = time.perf_counter() - started
    print(f"Held-out set: {len(examples)} examples from {HELDOUT.relative_to(ROOT)}")
    print(report(predictions))
    print(f"Intent accuracy (with sub-intents): {accuracy(predictions):.3f}")
    for name, (right, total) in crisis_figures(parser).items():
        print(f"Crisis set, {name}: {right}/{total}")
    for _, probe_set in CRISIS_PROBES:
        probe = load_crisis_set(probe_set)
        flagged = {
            kind: [parser.parse(item["text"])["intent"]["name"] == CRISIS for item in probe[kind]]
            for kind in ("crisis", "not_crisis")
        }
        print(
            f"Crisis dev set {probe_set.relative_to(ROOT)}: crisis intent for "
            f"{sum(flagged['crisis'])}/{len(flagged['crisis'])} crisis messages, "
            f"{sum(flagged['not_crisis'])}/{len(flagged['not_crisis'])} look-alikes"
        )
    print(f"Parse time: {1000 * elapsed / len(examples):.1f} ms per message")
    return 0


@contextlib.contextmanager
def served(model: str) -> Iterator[Any]:
    """The real action server and Rasa server on the model, on a database of their own, while in use."""
    from tests.support.servers import BotServers

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        servers = BotServers(model, workdir, f"sqlite:///{workdir / 'clinic.db'}")
        try:
            servers.start()
            yield servers
        finally:
            servers.stop()


def ask_the_bot(model: str, messages: Sequence[Message]) -> Tuple[List[str], List[Set[str]]]:
    """The bot's whole reply to each message (`ask`), on servers started for it (`served`)."""
    with served(model) as servers:
        return ask(servers, messages)


def ask(servers: Any, messages: Sequence[Message], prefix: str = "eval") -> Tuple[List[str], List[Set[str]]]:
    """The bot's whole reply to each message, each in a new REST conversation (`prefix`-i), and the kinds
    of the handoffs each conversation wrote (clinic/handoffs/kinds.py). A message given as several turns
    is a conversation: its turns are said in order and the reply is the last turn's."""
    from clinic.db import session_scope
    from clinic.handoffs.models import Handoff

    senders = [f"{prefix}-{i}" for i in range(len(messages))]
    replies = [_say_all(servers, sender, message) for sender, message in zip(senders, messages)]
    # Every handoff of these conversations in one query, not one per conversation.
    kinds: Dict[str, Set[str]] = {}
    with session_scope(servers.database_url) as session:
        for sender_id, kind in session.query(Handoff.sender_id, Handoff.kind).filter(Handoff.sender_id.in_(senders)):
            kinds.setdefault(sender_id, set()).add(kind)
    return replies, [kinds.get(sender, set()) for sender in senders]


def _say_all(servers: Any, sender: str, message: Message) -> str:
    turns = [message] if isinstance(message, str) else list(message)
    return [servers.say(sender, turn) for turn in turns][-1]


@dataclass
class CrisisFigures:
    recall: Tuple[int, int]
    false_alarms: Tuple[int, int]
    missed: List[Dict]
    alarmed: List[Dict]
    # Of the crisis messages without the crisis reply, those whose reply still gave the crisis line; of
    # the look-alikes without it, those whose reply gave the line.
    missed_given_line: int
    lookalikes_given_line: int


def line_without_crisis_reply(reply: str) -> bool:
    """Whether a reply gives the crisis line (988) without being the crisis reply."""
    return CRISIS_LINE in reply and CRISIS_REPLY not in reply


def crisis_replies(crisis: Sequence[Dict], not_crisis: Sequence[Dict], replies: Sequence[str]) -> CrisisFigures:
    flagged = [CRISIS_REPLY in reply for reply in replies]
    line = [line_without_crisis_reply(reply) for reply in replies]
    missed = [item for item, hit in zip(crisis, flagged[: len(crisis)]) if not hit]
    alarmed = [item for item, hit in zip(not_crisis, flagged[len(crisis) :]) if hit]
    return CrisisFigures(
        (len(crisis) - len(missed), len(crisis)),
        (len(alarmed), len(not_crisis)),
        missed,
        alarmed,
        sum(line[: len(crisis)]),
        sum(line[len(crisis) :]),
    )


def answers_command(args: argparse.Namespace) -> int:
    from clinic_nlu import answers

    questions = answers.load_questions(args.split)
    # The test split goes with the fresh crisis set (test); any other split with the fourth crisis dev
    # set (the one not yet fitted), so that choosing on dev never shows a test figure.
    crisis_set = FRESH_CRISIS_SET if args.split == TEST_SPLIT else CRISIS_PROBE2_SET
    fresh = load_crisis_set(crisis_set)
    messages = [q.text for q in questions] + [i["text"] for i in fresh["crisis"] + fresh["not_crisis"]]
    replies, handoffs = ask_the_bot(args.model, messages)
    # Each conversation that asked staff to read a possible crisis (actions/crisis_handoffs.py).
    possible = [POSSIBLE_CRISIS in kinds for kinds in handoffs]
    verdicts = [answers.judge(q, r) for q, r in zip(questions, replies)]
    print(answers.report(args.split, verdicts))
    # Clarifications carry the crisis line by design; an answer carries it when the message may be a crisis.
    lined = sum(line_without_crisis_reply(v.reply) and not v.clarified for v in verdicts)
    print(f"  answers that carried the crisis line ({CRISIS_LINE}): {lined}/{len(verdicts)}")
    print(f"  questions that asked staff to read a possible crisis: {sum(possible[: len(questions)])}/{len(questions)}")
    crisis = crisis_replies(fresh["crisis"], fresh["not_crisis"], replies[len(questions) :])
    print(f"Crisis set {crisis_set.relative_to(ROOT)}, whole reply:")
    print("  crisis reply given: {}/{}".format(*crisis.recall))
    print("  false alarms:       {}/{}".format(*crisis.false_alarms))
    print(f"  without the crisis reply, given the crisis line ({CRISIS_LINE}):")
    print(f"    crisis messages: {crisis.missed_given_line}, look-alikes: {crisis.lookalikes_given_line}")
    n_crisis = len(fresh["crisis"])
    reached = sum(possible[len(questions) : len(questions) + n_crisis])
    print("  without the crisis reply, staff asked to read a possible crisis:")
    print(f"    crisis messages: {reached}, look-alikes: {sum(possible[len(questions) + n_crisis :])}")
    for kind, items in (("missed", crisis.missed), ("false alarm", crisis.alarmed)):
        for item in items:
            print(f"    [{kind}] {item['kind']}: {item['text']!r}")
    return 0


def joined_verdicts(servers: Any, count: int, prefix: str = "joined") -> Tuple[int, int, List[Any], List[bool]]:
    """The dev splits' short single questions (answers.joinable) asked alone, and `count` messages of two of
    them (answers.joined), each in a new conversation: how many singles, how many answered right alone, each
    two-part message's verdict, and for each whether the bot answers both its questions right alone. The
    messages are drawn from every single question, not from those a model answers alone: they are the same for
    every model, so that two models' figures compare. Not the test split's questions: they stay unseen."""
    from clinic_nlu import answers

    singles = [q for split in DEV_SPLITS for q in answers.load_questions(split) if answers.joinable(q)]
    alone = ask(servers, [q.text for q in singles], prefix=f"{prefix}-alone")[0]
    right = {q.id for q, reply in zip(singles, alone) if answers.judge(q, reply).answered}
    messages = answers.joined(singles, count)
    replies = ask(servers, [m.text for m in messages], prefix=prefix)[0]
    verdicts = [answers.judge(m, reply) for m, reply in zip(messages, replies)]
    return len(singles), len(right), verdicts, [set(m.id.split(answers.JOINED_ID)) <= right for m in messages]


def joined_command(args: argparse.Namespace) -> int:
    from clinic_nlu import answers

    with served(args.model) as servers:
        singles, right, verdicts, both_alone = joined_verdicts(servers, args.count)
    print(
        f"Two questions in one message: {len(verdicts)} made of the dev splits' {singles} short single questions"
        f" ({right} of them answered right alone)"
    )
    print(f"  answered in both parts: {answers.rate(verdicts)}")
    print(f"  confidently wrong:      {sum(v.confidently_wrong for v in verdicts)}")
    of_right_alone = list(itertools.compress(verdicts, both_alone))
    print(f"  of the messages whose two questions are answered right alone: {answers.rate(of_right_alone)}")
    print("  by the way they are joined (answered in both parts, confidently wrong, asked back):")
    for style, _ in answers.JOINS:
        of_style = [v for v in verdicts if v.question.style == style]
        wrong = sum(v.confidently_wrong for v in of_style)
        asked = sum(v.clarified and not v.answered for v in of_style)
        print(f"    {style:16} {answers.rate(of_style)}, {wrong}, {asked}")
    print('  misses ("alone": both questions answered right alone):')
    for v, ok_alone in zip(verdicts, both_alone):
        if not v.answered:
            alone = "alone" if ok_alone else "a question missed alone too"
            print(f"    [{v.miss_kind}; {alone}] {v.question.text!r} parts {v.parts_answered}: {v.reply[:140]!r}")
    return 0


def said_in_context(replies_set: Dict[str, Any]) -> List[List[str]]:
    """Each message of a set of replies said in a conversation (CRISIS_REPLIES_SET), crisis messages first,
    as the turns that say it where its `context` names: that context's turns (REPLY_CONTEXTS), then it."""
    return [
        [*REPLY_CONTEXTS[item["context"]], item["text"]] for item in replies_set["crisis"] + replies_set["not_crisis"]
    ]


def in_context_figures(
    replies_set: Dict[str, Any], replies: Sequence[str], handoffs: Sequence[Set[str]]
) -> Dict[str, Tuple[CrisisFigures, int]]:
    """By context, then for the whole set ("all"): the crisis-reply figures of the replies to
    `said_in_context(replies_set)`, and how many crisis messages reached staff (the crisis reply, or the
    handoff asking staff to read a possible crisis)."""
    n_crisis, items = len(replies_set["crisis"]), replies_set["crisis"] + replies_set["not_crisis"]
    groups = {context: [i for i, item in enumerate(items) if item["context"] == context] for context in REPLY_CONTEXTS}
    groups["all"] = list(range(len(items)))
    figures = {}
    for name, at in groups.items():
        crisis = [i for i in at if i < n_crisis]
        reached = sum(CRISIS_REPLY in replies[i] or POSSIBLE_CRISIS in handoffs[i] for i in crisis)
        others = [items[i] for i in at if i >= n_crisis]
        figures[name] = (crisis_replies([items[i] for i in crisis], others, [replies[i] for i in at]), reached)
    return figures


def replies_command(args: argparse.Namespace) -> int:
    """The crisis set of replies said in a conversation, each after its context's turns: the whole reply
    to it, by context."""
    replies_set = load_crisis_set(args.set)
    replies, handoffs = ask_the_bot(args.model, said_in_context(replies_set))
    print(f"Crisis set {args.set}, whole reply to the message said in its context:")
    for name, (figures, reached) in in_context_figures(replies_set, replies, handoffs).items():
        print(
            f"  {name}: crisis reply {figures.recall[0]}/{figures.recall[1]} (reaching staff {reached}),"
            f" false alarms {figures.false_alarms[0]}/{figures.false_alarms[1]}"
        )
        for kind, listed in (("missed", figures.missed), ("false alarm", figures.alarmed)):
            for item in listed if name != "all" else ():
                print(f"    [{kind}] {item['kind']}: {item['text']!r}")
    return 0


def thresholds_command(args: argparse.Namespace) -> int:
    """For each pair of thresholds of clinic_nlu.retrieval_topic, on one split (dev: the thresholds are
    chosen there): how often the selector's top topic is answered right, answered wrong without
    asking (confidently wrong), answered with the close topics offered after it, or asked about."""
    from clinic_nlu import answers

    parser = Parser(args.model)
    rows = []
    for question in answers.load_questions(args.split):
        ranking = selector_ranking(parser.parse(question.text))
        if not ranking:
            continue
        wanted = set(question.topics)
        key = ranking[0]["intent_response_key"]
        answered_right = key.split("/")[0] == OUT_OF_SCOPE and OUT_OF_SCOPE in wanted or key.split("/", 1)[-1] in wanted
        runner_up = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        rows.append((ranking[0]["confidence"], ranking[0]["confidence"] - runner_up, answered_right))
    print(f"{len(rows)} questions of the {args.split} split answered by the selector")
    print("ask_below ask_margin   right(of which with choices)  confidently-wrong  wrong-with-choices  asked")
    for below in (0.0, 0.2, 0.3, 0.4, 0.5):
        for margin in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5):
            asked = [c < below for c, _, _ in rows]
            choices = [not a and m < margin for (_, m, _), a in zip(rows, asked)]
            right = sum(r for (_, _, r), a in zip(rows, asked) if not a)
            right_with_choices = sum(r for (_, _, r), c in zip(rows, choices) if c)
            wrong = sum(not r and not a and not c for (_, _, r), a, c in zip(rows, asked, choices))
            wrong_with_choices = sum(not r for (_, _, r), c in zip(rows, choices) if c)
            print(
                f"{below:9.2f} {margin:10.2f} {right:7d} ({right_with_choices:3d}) {wrong:24d} "
                f"{wrong_with_choices:19d} {sum(asked):6d}"
            )
    return 0


def crisis_thresholds_command(args: argparse.Namespace) -> int:
    """For the crisis guard's detector thresholds (`detector_crisis_at`, `detector_venting_at`,
    `detector_clear_below`), on the crisis development sets and the ordinary dev questions
    (tests/nlu/heldout.yml and the dev split of real questions): how many crisis messages and how
    many others get the crisis intent.
    Each message is parsed once; the guard's decision is replayed from what it saw (the lexicon's
    check, the detector's score, the classifiers' intent it recorded)."""
    from clinic import crisis
    from clinic.intents import GUARD_KEY
    from clinic_nlu import answers
    from clinic_nlu.crisis_detector import SCORE_KEY, SENTENCE_SCORE_KEY
    from clinic_nlu.crisis_guard import DEFAULT_CONFIG, Evidence, decide

    parser, lexicon = Parser(args.model), crisis.default_lexicon()

    def evidence(text: str) -> Evidence:
        parsed = parser.parse(text)
        classifiers = (parsed.get(GUARD_KEY) or {}).get("classifier") or parsed.get("intent") or {}
        ranking = parsed.get("intent_ranking") or []
        return Evidence(
            text, lexicon.check(text), parsed.get(SCORE_KEY), classifiers, ranking, parsed.get(SENTENCE_SCORE_KEY)
        )

    def texts(items: Sequence[Any]) -> List[str]:
        return [item["text"] if isinstance(item, dict) else item for item in items]

    groups = {}
    for name, path in (*CRISIS_PROBES, ("crisis_dev", CRISIS_DEV_SET), ("crisis_messages", CRISIS_SET)):
        sets = load_crisis_set(path)
        groups[name] = ([evidence(t) for t in texts(sets["crisis"])], [evidence(t) for t in texts(sets["not_crisis"])])
    ordinary = [e.text for e in load_examples() if e.intent != CRISIS] + [q.text for q in answers.load_questions("dev")]
    groups["ordinary dev questions"] = ([], [evidence(t) for t in ordinary])
    print(
        "crisis_at venting_at sentence_at clear_below | crisis messages / look-alikes given crisis"
        " (sentence_at 1.01: sentences not read alone)"
    )
    for crisis_at, venting_at, sentence_at, clear_below in itertools.product(
        (0.7, 0.8, 0.85, 0.9), (0.8, 0.9, 0.95), (0.85, 0.9, 0.95, 1.01), (0.05, 0.1, 0.2)
    ):
        if venting_at < crisis_at:  # the venting threshold asks for more, never less
            continue
        config = {
            **DEFAULT_CONFIG,
            "detector_crisis_at": crisis_at,
            "detector_venting_at": venting_at,
            "detector_sentence_at": sentence_at,
            "detector_clear_below": clear_below,
        }
        cells = []
        for name, (crises, others) in groups.items():
            # The guard's intent, or the classifiers' where it keeps theirs.
            intents = [[decide(e, config) or e.intent.get("name") for e in g] for g in (crises, others)]
            flagged = [names.count(CRISIS) for names in intents]
            cells.append(f"{name} {flagged[0]}/{len(crises)}, {flagged[1]}/{len(others)}")
        print(f"{crisis_at:9.2f} {venting_at:10.2f} {sentence_at:11.2f} {clear_below:11.2f} | " + " | ".join(cells))
    return 0


def _train(config: Path, out_dir: Path) -> Tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "-c",
            str(config),
            "--out",
            str(out_dir),
            "--fixed-model-name",
            config.stem,
            "--nlu",
            "data",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out_dir / f"{config.stem}.tar.gz", time.perf_counter() - started


def _cross_validate(config: Path, out_dir: Path) -> Dict[str, float]:
    results = out_dir / f"cv-{config.stem}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "nlu",
            "--cross-validation",
            "--folds",
            "5",
            "-c",
            str(config),
            "--nlu",
            "data",
            "--out",
            str(results),
            "--no-plot",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    figures = {}
    intent_report = json.loads((results / "intent_report.json").read_text())
    figures["cv intent F1"] = intent_report["weighted avg"]["f1-score"]
    selection = results / "response_selection_report.json"
    if selection.exists():
        figures["cv faq/oos F1"] = json.loads(selection.read_text())["weighted avg"]["f1-score"]
    return figures


def compare_command(args: argparse.Namespace) -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        for config in sorted(CANDIDATES.glob("*.yml")):
            print(f"==> {config.name}: training", flush=True)
            model, train_seconds = _train(config, out_dir)
            parser = Parser(str(model))
            predictions = parser.predict(load_examples())
            crisis = crisis_figures(parser)
            row = {"candidate": config.stem, "train s": train_seconds, "held-out accuracy": accuracy(predictions)}
            row["crisis recall"] = "{}/{}".format(*crisis["crisis recall"])
            row["no false alarm"] = "{}/{}".format(*crisis["no false alarm"])
            if not args.skip_cv:
                print(f"==> {config.name}: 5-fold cross-validation", flush=True)
                row.update(_cross_validate(config, out_dir))
            rows.append(row)
            print(row, flush=True)
    table = _markdown(rows)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")
    return 0


def _markdown(rows: List[Dict]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def trained_model(path: str) -> str:
    """A --model argument: the archive must exist. Rasa's Agent.load, given a path that does not, loads
    the newest model beside it instead, and `make train` deletes every model but the tree's, so a
    figure would silently come from another model."""
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"no trained model at {path} (`make train` keeps only the tree's model)")
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    heldout = commands.add_parser("heldout", help="evaluate a trained model on the held-out set")
    heldout.add_argument("--model", required=True, type=trained_model)
    heldout.set_defaults(run=heldout_command)
    real = commands.add_parser("answers", help="answer-level figures on real questions and the fresh crisis set")
    real.add_argument("--model", required=True, type=trained_model)
    real.add_argument("--split", default=TEST_SPLIT, choices=SPLITS)
    real.set_defaults(run=answers_command)
    two = commands.add_parser("joined", help="every part answered of two dev questions joined in one message")
    two.add_argument("--model", required=True, type=trained_model)
    two.add_argument(
        "--count", default=JOINED_MESSAGES, type=int, help=f"how many messages (default {JOINED_MESSAGES})"
    )
    two.set_defaults(run=joined_command)
    said = commands.add_parser("replies", help="whole-reply crisis figures for replies said in a conversation")
    said.add_argument("--model", required=True, type=trained_model)
    said.add_argument("--set", default=CRISIS_REPLIES_SET, type=Path)
    said.set_defaults(run=replies_command)
    tune = commands.add_parser("thresholds", help="right/wrong/asked for each pair of RetrievalTopic thresholds")
    tune.add_argument("--model", required=True, type=trained_model)
    tune.add_argument("--split", default="dev", choices=("train", *DEV_SPLITS))
    tune.set_defaults(run=thresholds_command)
    guard = commands.add_parser("crisis-thresholds", help="crisis figures for pairs of the detector's thresholds")
    guard.add_argument("--model", required=True, type=trained_model)
    guard.set_defaults(run=crisis_thresholds_command)
    compare = commands.add_parser("compare", help="compare the candidate pipelines")
    compare.add_argument("--out", help="also write the table (markdown) to this file")
    compare.add_argument("--skip-cv", action="store_true", help="held-out only, no cross-validation")
    compare.set_defaults(run=compare_command)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
