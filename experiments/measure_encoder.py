"""Measures one candidate pipeline for the sentence-encoder comparison (docs/nlu-evaluation.md).

    python -m experiments.measure_encoder train   CONFIG OUT_DIR    # rasa train nlu, timed
    python -m experiments.measure_encoder measure MODEL  OUT.json   # fresh process: load, accuracy, latency, RSS
    python -m experiments.measure_encoder cv      CONFIG OUT_DIR    # rasa test nlu --cross-validation --folds 3

Each training uses its own empty Rasa cache (RASA_CACHE_DIRECTORY), so no candidate reuses another's
featurized data and the training times compare. Run them one after another: two cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clinic.settings import QUIET_ENV

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = Path(os.environ.get("REAL_QUESTIONS_DEV", "/work/main/tests/nlu/real_questions/dev.yml"))
NO_INTENT_YET = {"what_to_expect", "effectiveness"}


def _env(cache: str) -> dict:
    return {**os.environ, **QUIET_ENV, "RASA_CACHE_DIRECTORY": cache, "PYTHONPATH": str(ROOT)}


def train(config: Path, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "nlu", "-c", str(config), "--nlu", "data",
             "--out", str(out_dir), "--fixed-model-name", config.stem],
            cwd=ROOT, env=_env(cache), check=True, stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
    (out_dir / f"{config.stem}.train.json").write_text(json.dumps({"train_s": seconds}))
    print(f"{config.stem}: trained in {seconds:.1f} s", flush=True)


def topic_right(predicted: str, topic: str) -> bool:
    if topic == "out_of_scope":
        return predicted.startswith("out_of_scope/")
    if topic == "booking":
        return predicted in ("book_appointment", "request_staff")
    return predicted in (f"faq/{topic}", f"out_of_scope/{topic}", topic)


def dev_set_figures(parser) -> dict:
    """Topic accuracy on the real-questions dev split, questions with a not-yet-existing topic apart."""
    import yaml

    from clinic.intents import retrieval_intent

    if not DEV_SET.is_file():
        return {"dev_set": "absent"}
    questions = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["questions"]
    counts = {"covered": [0, 0], "no_intent_yet": [0, 0]}
    for question in questions:
        topics = [part["topic"] for part in question.get("parts", [])]
        predicted = retrieval_intent(parser.parse(question["text"]))
        group = "no_intent_yet" if topics and all(t in NO_INTENT_YET for t in topics) else "covered"
        right = any(topic_right(predicted, t) for t in topics)
        counts[group][1] += 1
        counts[group][0] += right
        if group == "covered":  # split: questions with an out-of-scope part vs FAQ/booking only
            kind = "covered_with_oos_part" if "out_of_scope" in topics else "covered_faq_only"
            counts.setdefault(kind, [0, 0])
            counts[kind][1] += 1
            counts[kind][0] += right
    return {"dev_set": str(DEV_SET), "dev_topic": counts}


def measure(model: Path, out: Path) -> None:
    import psutil

    started = time.perf_counter()
    from clinic_nlu.evaluation import Parser, accuracy, crisis_figures, load_examples

    imported = time.perf_counter()
    parser = Parser(str(model))
    loaded = time.perf_counter()
    rss_loaded = psutil.Process().memory_info().rss
    examples = load_examples()
    for example in examples[:10]:  # warm-up (first calls trace tf.functions)
        parser.parse(example.text)
    latencies = []
    for example in examples[:200]:
        t0 = time.perf_counter()
        parser.parse(example.text)
        latencies.append(1000 * (time.perf_counter() - t0))
    latencies.sort()
    predictions = parser.predict(examples)
    figures = {
        "model": str(model),
        "import_s": imported - started,
        "load_s": loaded - imported,
        "rss_loaded_mb": rss_loaded / 2**20,
        "parse_p50_ms": latencies[len(latencies) // 2],
        "parse_p95_ms": latencies[int(0.95 * len(latencies)) - 1],
        "heldout_accuracy": accuracy(predictions),
        "heldout_n": len(predictions),
        "crisis": {k: list(v) for k, v in crisis_figures(parser).items()},
        "rss_after_mb": psutil.Process().memory_info().rss / 2**20,
    }
    figures.update(dev_set_figures(parser))
    out.write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures), flush=True)


def cross_validate(config: Path, out_dir: Path) -> None:
    results = out_dir / f"cv-{config.stem}"
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "test", "nlu", "--cross-validation", "--folds", "3",
             "-c", str(config), "--nlu", "data", "--out", str(results), "--no-plot"],
            cwd=ROOT, env=_env(cache), check=True, stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
    figures = {"cv_s": seconds}
    intent = json.loads((results / "intent_report.json").read_text())
    figures["cv_intent_f1"] = intent["weighted avg"]["f1-score"]
    figures["cv_intent_accuracy"] = intent.get("accuracy")
    selection = results / "response_selection_report.json"
    if selection.exists():
        report = json.loads(selection.read_text())
        figures["cv_subintent_f1"] = report["weighted avg"]["f1-score"]
        figures["cv_subintent_accuracy"] = report.get("accuracy")
    (out_dir / f"{config.stem}.cv.json").write_text(json.dumps(figures, indent=1))
    print(f"{config.stem}: {figures}", flush=True)


if __name__ == "__main__":
    command, first, second = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"train": train, "measure": measure, "cv": cross_validate}[command](first, second)
