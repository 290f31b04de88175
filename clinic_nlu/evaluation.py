"""NLU evaluation on data the model was not trained on.

    python -m clinic_nlu.evaluation heldout --model models/clinic-<hash>.tar.gz
        Parses every example of tests/nlu/heldout.yml and the crisis set with the trained model (the
        whole pipeline, crisis guard included) and prints accuracy, per-intent precision/recall/F1
        and the confusions. A retrieval intent counts as right only with the right sub-intent
        (`faq/boosters`, not just `faq`).

    python -m clinic_nlu.evaluation compare --out docs/nlu-evaluation.md
        Trains each candidate pipeline under experiments/pipelines/, runs Rasa's 5-fold
        cross-validation on the training data and the held-out evaluation above, and writes a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
CRISIS_SET = ROOT / "tests" / "safety" / "crisis_messages.yml"
CANDIDATES = ROOT / "experiments" / "pipelines"


@dataclass
class Example:
    text: str
    intent: str


@dataclass
class Prediction:
    example: Example
    intent: str
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


def load_crisis_set(path: Path = CRISIS_SET) -> Dict[str, List[str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def full_intent(parse: Dict) -> Tuple[str, float]:
    """The intent including the retrieval sub-intent picked by the ResponseSelector."""
    intent = parse["intent"]["name"]
    confidence = parse["intent"].get("confidence") or 0.0
    selector = parse.get("response_selector", {})
    selected = selector.get(intent) or selector.get("default")
    if intent in ("faq", "out_of_scope") and selected:
        retrieval = selected["response"].get("intent_response_key")
        if retrieval:
            return retrieval, confidence
    return intent, confidence


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
            intent, confidence = full_intent(self.parse(example.text))
            predictions.append(Prediction(example, intent, confidence))
        return predictions


def accuracy(predictions: Sequence[Prediction]) -> float:
    return sum(p.intent == p.example.intent for p in predictions) / len(predictions)


def report(predictions: Sequence[Prediction]) -> str:
    from sklearn.metrics import classification_report

    truth = [p.example.intent for p in predictions]
    predicted = [p.intent for p in predictions]
    lines = [classification_report(truth, predicted, digits=3, zero_division=0)]
    confusions = Counter(
        (p.example.intent, p.intent) for p in predictions if p.intent != p.example.intent
    )
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
        "crisis recall": (sum(intent(t) == "crisis" for t in sets["crisis"]), len(sets["crisis"])),
        "no false alarm": (sum(intent(t) != "crisis" for t in sets["not_crisis"]), len(sets["not_crisis"])),
        "informational answered": (
            sum(intent(t) == "ask_suicidal_thoughts" for t in sets["informational"]),
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
    print(f"Parse time: {1000 * elapsed / len(examples):.1f} ms per message")
    return 0


def _train(config: Path, out_dir: Path) -> Tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "-c", str(config), "--out", str(out_dir),
         "--fixed-model-name", config.stem, "--nlu", "data"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    return out_dir / f"{config.stem}.tar.gz", time.perf_counter() - started


def _cross_validate(config: Path, out_dir: Path) -> Dict[str, float]:
    results = out_dir / f"cv-{config.stem}"
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--cross-validation", "--folds", "5",
         "-c", str(config), "--nlu", "data", "--out", str(results), "--no-plot"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
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
            row = {"candidate": config.stem, "train s": train_seconds,
                   "held-out accuracy": accuracy(predictions)}
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


def main(argv: Sequence[str] = None) -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    heldout = commands.add_parser("heldout", help="evaluate a trained model on the held-out set")
    heldout.add_argument("--model", required=True)
    heldout.set_defaults(run=heldout_command)
    compare = commands.add_parser("compare", help="compare the candidate pipelines")
    compare.add_argument("--out", help="also write the table (markdown) to this file")
    compare.add_argument("--skip-cv", action="store_true", help="held-out only, no cross-validation")
    compare.set_defaults(run=compare_command)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
