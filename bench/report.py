"""The machine's description, medians over rounds, the table (text and markdown) and docs/benchmarks.md."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

BOTS = ("this", "stock")
BOT_LABELS = {"this": "this bot", "stock": "stock `rasa init`"}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    better: str  # "lower" or "higher"
    digits: int = 1
    # Target from issue 18, as a ratio this/stock.
    target: Optional[float] = None


def metrics(levels: Sequence[int]) -> List[Metric]:
    rows = [
        Metric("startup_s", "start-up: `rasa run` to /status 200", "s", "lower", 1, 0.5),
        Metric("seq_p50_ms", "REST full turn p50 (sequential)", "ms", "lower", 1, 0.5),
        Metric("seq_p95_ms", "REST full turn p95 (sequential)", "ms", "lower", 1, 0.8),
        Metric("seq_p99_ms", "REST full turn p99 (sequential)", "ms", "lower", 1),
    ]
    for level in levels:
        rows += [
            Metric(f"c{level}_throughput", f"throughput, {level} concurrent conversations", "msg/s", "higher", 1, 2.0),
            Metric(f"c{level}_p95_ms", f"p95 latency, {level} concurrent conversations", "ms", "lower", 0),
        ]
    rows += [
        Metric("rss_mb", "resident memory of the Rasa server after the run", "MB", "lower", 0, 0.9),
        Metric("train_s", "training from scratch (`rasa train --force`)", "s", "lower", 0),
    ]
    return rows


EXTRA_METRICS = [
    Metric("action_startup_s", "action server start to /health (before the Rasa server)", "s", "lower", 1),
    Metric("action_rss_mb", "resident memory of the action server", "MB", "lower", 0),
]


# --------------------------------------------------------------------------------------------------
# Machine description.


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return math.nan


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_description(root: Path, rasa_version: str) -> Dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    load1, load5, load15 = os.getloadavg()
    commit = _git(root, "rev-parse", "--short", "HEAD")
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(usable),
        "CPU": _cpu_model(),
        "memory": f"{_mem_total_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Rasa": rasa_version,
        "load average at start (1/5/15 min)": f"{load1:.2f} / {load5:.2f} / {load15:.2f}",
        "git commit": (commit + (" (with uncommitted changes)" if dirty else "")) or "unknown",
    }


# --------------------------------------------------------------------------------------------------
# Figures.


def median(values: Sequence[float]) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def summarise(rounds: List[Dict[str, Dict[str, float]]], once: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """Median over rounds of every figure, per bot; `once` holds figures measured once per run (training)."""
    summary: Dict[str, Dict[str, float]] = {bot: {} for bot in BOTS}
    for bot in BOTS:
        keys = {key for r in rounds for key in r.get(bot, {})}
        for key in keys:
            summary[bot][key] = median([r[bot].get(key, math.nan) for r in rounds if bot in r])
        summary[bot].update(once.get(bot, {}))
    return summary


def _fmt(value: Optional[float], digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(this: Optional[float], stock: Optional[float]) -> Optional[float]:
    if this is None or stock is None or math.isnan(this) or math.isnan(stock) or stock == 0:
        return None
    return this / stock


def _target(metric: Metric, ratio: Optional[float]) -> Tuple[str, str]:
    if metric.target is None:
        return "", ""
    sign = "≤" if metric.better == "lower" else "≥"
    text = f"{sign} {metric.target:g}×"
    if ratio is None or math.isnan(ratio):
        return text, "n/a"
    met = ratio <= metric.target if metric.better == "lower" else ratio >= metric.target
    return text, "yes" if met else "no"


def table_rows(summary: Dict[str, Dict[str, float]], levels: Sequence[int]) -> List[List[str]]:
    rows = []
    for metric in metrics(levels) + EXTRA_METRICS:
        this, stock = summary["this"].get(metric.key), summary["stock"].get(metric.key)
        if this is None and stock is None:
            continue
        ratio = _ratio(this, stock)
        target, met = _target(metric, ratio)
        rows.append([
            f"{metric.label} ({metric.unit}, {metric.better} is better)",
            _fmt(this, metric.digits),
            _fmt(stock, metric.digits),
            f"{ratio:.2f}×" if ratio is not None else "n/a",
            target,
            met,
        ])
    return rows


HEADER = ["figure", "this bot", "stock `rasa init`", "ratio this/stock", "target (issue 18)", "met"]


def text_table(rows: List[List[str]]) -> str:
    header = [h.replace("`", "") for h in HEADER]
    body = [[c.replace("`", "") for c in row] for row in rows]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    for row in body:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


def markdown_table(header: Sequence[str], rows: List[List[str]], numeric: bool = True) -> str:
    """A markdown table; with `numeric`, every column but the first is right-aligned."""
    align = ["---" if i == 0 or not numeric else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def per_round_rows(rounds: List[Dict[str, Dict[str, float]]], levels: Sequence[int]) -> Tuple[List[str], List[List[str]]]:
    keys = [("startup_s", "start-up s", 1), ("seq_p50_ms", "p50 ms", 1), ("seq_p95_ms", "p95 ms", 1),
            ("seq_p99_ms", "p99 ms", 1)]
    for level in levels:
        keys += [(f"c{level}_throughput", f"{level}-conc. msg/s", 1), (f"c{level}_p95_ms", f"{level}-conc. p95 ms", 0)]
    keys += [("rss_mb", "RSS MB", 0), ("errors", "errors", 0), ("empty", "empty replies", 0)]
    header = ["round", "bot"] + [label for _, label, _ in keys]
    rows = []
    for number, r in enumerate(rounds, 1):
        for bot in BOTS:
            if bot in r:
                rows.append([str(number), BOT_LABELS[bot]] + [_fmt(r[bot].get(k), d) for k, _, d in keys])
    return header, rows


def markdown_report(
    summary: Dict[str, Dict[str, float]],
    rounds: List[Dict[str, Dict[str, float]]],
    machine: Dict[str, str],
    command: str,
    settings: Dict[str, str],
    levels: Sequence[int],
    notes: Sequence[str],
    small_scale: bool,
) -> str:
    parts = [
        "# Speed benchmarks: this bot against the stock `rasa init` bot",
        "",
        f"Produced by `{command}` on {machine['date']}. Regenerate with `make bench` "
        "(the figures depend on the machine and on whatever else runs on it; compare ratios, "
        "which are measured in the same run, rather than absolute figures across machines).",
        "",
    ]
    if small_scale:
        parts += ["> **Small-scale run** (fewer rounds or requests than the defaults): indicative only.", ""]
    parts += [
        "## Results",
        "",
        f"Median of {len(rounds)} round(s); training time measured once per run.",
        "",
        markdown_table(HEADER, table_rows(summary, levels)),
        "",
        "## Machine",
        "",
        markdown_table(["", ""], [[k, v] for k, v in machine.items()], numeric=False),
        "",
        "## Settings",
        "",
        markdown_table(["", ""], [[k, v] for k, v in settings.items()], numeric=False),
        "",
        "## Every round",
        "",
        markdown_table(*per_round_rows(rounds, levels)),
        "",
        "## Method",
        "",
        "- Both bots run from the project's venv. The stock bot is `rasa init --no-prompt` unchanged "
        "(its own config.yml, domain and data, trained by `rasa init`; cached in var/bench/stock/ per Rasa "
        "version), served with its own credentials.yml and endpoints.yml (in-memory tracker store, no "
        "action server: its actions are responses) and Rasa's default settings. This bot runs as in "
        "production: its action server, then `python -m clinic.server run --enable-api --credentials credentials.yml "
        "--endpoints <endpoints.yml with the action server's port> -m <model>`, with `DATABASE_URL` "
        "pointing at a fresh SQLite file (migrated with `alembic upgrade head` first, as `make run` does, "
        "when the project has Alembic) and its own handoff spool folder. `clinic.server` is Rasa's own "
        "command line with the fixes in clinic/rasa_fixes.py applied (docs/performance.md).",
        "- Every round starts both bots afresh on free 127.0.0.1 ports, one after the other (the order "
        "alternates between rounds), then measures them in alternation, phase by phase (sequential, then "
        "each concurrency level), swapping which bot goes first each round so that drift on the machine "
        "falls on both. Figures are medians over rounds.",
        "- Start-up: from starting `rasa run` to `GET /status` answering 200 with a loaded model (polled "
        "every 0.1 s). For this bot the action server is started and ready first, and timed separately.",
        "- A turn is `POST /webhooks/rest/webhook` answered in full, timed on the client (aiohttp, "
        "keep-alive). Each bot gets the same number of turns of its own kind of conversation (this bot: "
        "FAQ questions in several phrasings, a named condition, out-of-scope questions with the staff "
        "offer, a booking exchange; the stock bot: greetings, moods, yes/no, bot challenge, goodbye). "
        "A few warm-up turns per bot after start-up are not counted.",
        "- Concurrency: N clients at once, each its own conversation (its own sender id, a new one per "
        "script), closed loop; throughput is completed turns over the phase's wall time; each phase "
        "is bounded by a turn count and a time limit.",
        "- Memory: resident set size (RSS) of the `rasa run` process plus its children, after the "
        "round's load (shared pages count once per process).",
        "- Training: `rasa train --force` from scratch (empty cache directory, output in a temporary "
        "directory); the stock bot on a copy of its project.",
    ]
    for note in notes:
        parts.append(f"- {note}")
    return "\n".join(parts) + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
