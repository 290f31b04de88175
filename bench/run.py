"""`python -m bench.run`: this bot against the stock `rasa init` bot, in the same run.

    python -m bench.run                          # 3 rounds, 200 turns per phase, training included
    python -m bench.run --rounds 1 --requests 30 --skip-train --out /tmp/bench.md   # quick check

Progress goes to stderr, the table to stdout, and the report (with the machine's description) to
--out (docs/benchmarks.md). Every server it starts is stopped on exit, error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bench import load, report, servers
from bench.servers import ROOT, log
from tests.support.processes import newest_model

DEFAULT_ROUNDS = 3
DEFAULT_REQUESTS = 200
DEFAULT_LEVELS = (8, 32)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Speed benchmark of this bot against the stock `rasa init` bot (same run, alternating).",
    )
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help="rounds; each restarts both bots and measures every phase (default %(default)s)")
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS,
                        help="turns per bot in the sequential phase of each round (default %(default)s)")
    parser.add_argument("--concurrency", default=",".join(map(str, DEFAULT_LEVELS)),
                        help="concurrent conversation levels, comma-separated (default %(default)s)")
    parser.add_argument("--concurrent-requests", type=int, default=None,
                        help="turns per bot per concurrency phase (default: max(--requests, 4 x level))")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="time limit of one load phase for one bot (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="uncounted turns per bot after start-up (default %(default)s)")
    parser.add_argument("--skip-train", action="store_true", help="do not measure training time")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="markdown report (default docs/benchmarks.md)")
    parser.add_argument("--model", type=Path, default=None,
                        help="this bot's model (default: the newest models/clinic-*.tar.gz)")
    parser.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for this bot's servers only, e.g. SANIC_WORKERS=2 (repeatable)")
    parser.add_argument("--start-timeout", type=float, default=600.0,
                        help="seconds a server may take to answer /status (default %(default)s)")
    parser.add_argument("--train-timeout", type=float, default=1800.0,
                        help="seconds a training may take (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    except ValueError:
        parser.error("--concurrency takes integers, e.g. 8,32")
    if args.rounds < 1 or args.requests < 1 or any(level < 1 for level in args.levels):
        parser.error("--rounds, --requests and the concurrency levels must be at least 1")
    if args.concurrent_requests is not None and args.concurrent_requests < 1:
        parser.error("--concurrent-requests must be at least 1")
    args.extra_env = {}
    for item in args.bot_env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--bot-env takes NAME=VALUE, not {item!r}")
        args.extra_env[name] = value
    return args


def resolve_model(model: Optional[Path]) -> Path:
    if model is not None:
        path = model if model.is_absolute() else ROOT / model
    else:
        path = newest_model(ROOT / "models", "clinic-*.tar.gz")
        if path is None:
            raise SystemExit("no models/clinic-*.tar.gz: run `make train` first")
    if not path.exists():
        raise SystemExit(f"model {path} not found")
    return path.resolve()


def _raise_interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(f"signal {signum}")


def describe(result: load.LoadResult) -> str:
    text = (f"{result.completed} turns in {result.elapsed_s:.1f}s, {result.throughput:.1f} msg/s, "
            f"p50 {result.percentile(50):.0f} ms, p95 {result.percentile(95):.0f} ms")
    if result.errors or result.empty:
        text += f", {result.errors} errors, {result.empty} empty replies"
    if result.timed_out:
        text += " (stopped by the time limit)"
    return text


def measure_round(number: int, args: argparse.Namespace, model: Path, stock_dir: Path,
                  run_dir: Path) -> Dict[str, Dict[str, float]]:
    figures: Dict[str, Dict[str, float]] = {"this": {"errors": 0, "empty": 0}, "stock": {"errors": 0, "empty": 0}}
    bots = {
        "this": servers.this_bot(model, run_dir / f"this-round{number}", run_dir, args.extra_env),
        "stock": servers.stock_bot(stock_dir, run_dir),
    }
    # Alternate which bot goes first, round by round, so drift on the machine falls on both.
    order = ["stock", "this"] if number % 2 else ["this", "stock"]
    tag = f"r{number}"
    try:
        for key in order:
            bot = bots[key]
            log(f"round {number}: starting {bot.label}")
            timings = bot.start(run_dir, tag, args.start_timeout)
            figures[key].update(timings)
            extra = f" (action server {timings['action_startup_s']:.1f}s before it)" if "action_startup_s" in timings else ""
            log(f"round {number}: {bot.label} answered /status after {timings['startup_s']:.1f}s{extra}")

        for key in order:
            if args.warmup:
                load.run_load(bots[key].url, load.CONVERSATIONS[key], args.warmup, 1,
                              args.max_seconds, tag=f"{tag}-warmup")

        phases = [("seq", 1, args.requests)] + [
            (f"c{level}", level, args.concurrent_requests or max(args.requests, 4 * level)) for level in args.levels
        ]
        for phase, concurrency, total in phases:
            for key in order:
                bot = bots[key]
                bot.check_alive()
                result = load.run_load(bot.url, load.CONVERSATIONS[key], total, concurrency,
                                       args.max_seconds, tag=f"{tag}-{phase}")
                log(f"round {number}: {bot.label}, {'sequential' if concurrency == 1 else f'{concurrency} concurrent'}: "
                    f"{describe(result)}")
                if phase == "seq":
                    figures[key].update(seq_p50_ms=result.percentile(50), seq_p95_ms=result.percentile(95),
                                        seq_p99_ms=result.percentile(99), seq_throughput=result.throughput)
                else:
                    figures[key].update({f"{phase}_throughput": result.throughput,
                                         f"{phase}_p50_ms": result.percentile(50),
                                         f"{phase}_p95_ms": result.percentile(95)})
                figures[key]["errors"] += result.errors
                figures[key]["empty"] += result.empty

        for key in order:
            bots[key].check_alive()
            figures[key].update(bots[key].memory())
            log(f"round {number}: {bots[key].label} resident memory {figures[key].get('rss_mb', math.nan):.0f} MB"
                + (f" (action server {figures[key]['action_rss_mb']:.0f} MB)" if "action_rss_mb" in figures[key] else ""))
    finally:
        for key in order:
            bots[key].stop()
    return figures


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    argv_list = list(sys.argv[1:] if argv is None else argv)
    command_line = "python -m bench.run" + (" " + shlex.join(argv_list) if argv_list else "")
    command = "make bench" if os.environ.get("MAKELEVEL") else command_line

    model = resolve_model(args.model)
    run_dir = servers.BENCH_VAR / "last-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    started = time.monotonic()
    try:
        rasa_version = servers.rasa_version()
        machine = report.machine_description(ROOT, rasa_version)
        log(f"{machine['nproc']} CPUs ({machine['CPU']}), {machine['memory']}, rasa {rasa_version}, "
            f"load {machine['load average at start (1/5/15 min)']}; logs in {run_dir.relative_to(ROOT)}/")
        log(f"this bot's model: {model.relative_to(ROOT) if model.is_relative_to(ROOT) else model}")
        stock_dir = servers.build_stock(timeout=args.train_timeout)

        once: Dict[str, Dict[str, float]] = {"this": {}, "stock": {}}
        if not args.skip_train:
            probe = {"this": servers.this_bot(model, run_dir / "this-train", run_dir, args.extra_env),
                     "stock": servers.stock_bot(stock_dir, run_dir)}
            for key in ("stock", "this"):
                log(f"training {probe[key].label} from scratch (rasa train --force)")
                seconds = servers.train_seconds(probe[key], run_dir / f"train-{key}", args.train_timeout)
                once[key]["train_s"] = seconds
                log(f"training {probe[key].label}: {seconds:.0f}s")

        rounds: List[Dict[str, Dict[str, float]]] = []
        for number in range(1, args.rounds + 1):
            rounds.append(measure_round(number, args, model, stock_dir, run_dir))

        summary = report.summarise(rounds, once)
        settings = {
            "command line": f"`{command_line}`",
            "rounds": str(args.rounds),
            "sequential turns per bot per round": str(args.requests),
            "concurrency levels": ", ".join(map(str, args.levels)),
            "turns per bot per concurrency phase": ", ".join(
                f"{level}: {args.concurrent_requests or max(args.requests, 4 * level)}" for level in args.levels),
            "time limit per phase": f"{args.max_seconds:g} s",
            "warm-up turns per bot": str(args.warmup),
            "training measured": "no (--skip-train)" if args.skip_train else "yes, once per run",
            "this bot's model": model.name,
            "this bot's extra environment": ", ".join(f"{k}={v}" for k, v in args.extra_env.items()) or "none",
            "errors / empty replies (all rounds)": " ; ".join(
                f"{report.BOT_LABELS[b]}: {sum(r[b]['errors'] for r in rounds):.0f} / {sum(r[b]['empty'] for r in rounds):.0f}"
                for b in report.BOTS),
        }
        small = args.rounds < DEFAULT_ROUNDS or args.requests < DEFAULT_REQUESTS or args.skip_train
        notes = [f"Whole run: {(time.monotonic() - started) / 60:.1f} min."]
        markdown = report.markdown_report(summary, rounds, machine, command, settings, args.levels, notes, small)
        report.write(args.out, markdown)

        for bot in report.BOTS:
            errors = sum(r[bot]["errors"] for r in rounds)
            empty = sum(r[bot]["empty"] for r in rounds)
            if errors or empty:
                log(f"warning: {report.BOT_LABELS[bot]} had {errors:.0f} failed turns and {empty:.0f} empty "
                    f"replies; its logs are in {run_dir.relative_to(ROOT)}/")
        print(report.text_table(report.table_rows(summary, args.levels)))
        log(f"report written to {args.out}")
        return 0
    except KeyboardInterrupt:
        log("interrupted: stopping every server this run started")
        return 130
    except Exception as error:  # noqa: BLE001 - report and stop servers, then fail
        traceback.print_exc()
        log(f"failed: {error}")
        return 1
    finally:
        servers.stop_all()


if __name__ == "__main__":
    sys.exit(main())
