"""`python -m bench.profile`: where this bot's Rasa server spends its time during REST turns.

    python -m bench.profile                      # 200 sequential turns of the benchmark's conversations
    python -m bench.profile --turns 50 --rate 100

Starts this bot as the benchmark does (action server, then the Rasa server on a fresh SQLite database),
samples the Rasa server with py-spy while the turns run, and prints the CPU time per turn (from /proc)
and the functions that were on the stack in the largest share of samples (inclusive time). The
collapsed stacks stay in var/bench/profile/stacks.txt. docs/performance.md records what it showed.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Counter, List, Optional, Sequence, Tuple

from bench import load, servers
from bench.servers import ROOT, log
from tests.support.processes import newest_model

OUT_DIR = servers.BENCH_VAR / "profile"


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the newest models/clinic-*.tar.gz")
    parser.add_argument("--turns", type=int, default=200, help="sequential turns sampled (default %(default)s)")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second (default %(default)s)")
    parser.add_argument("--top", type=int, default=40, help="functions listed (default %(default)s)")
    args = parser.parse_args(argv)
    if args.turns < 1 or args.rate < 1 or args.top < 1:
        parser.error("--turns, --rate and --top must be at least 1")
    return args


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_LOCATION = re.compile(r" \((?P<path>[^()]*?):\d+\)$")


def frame_name(frame: str) -> str:
    """`function (path/to/module.py:123)` -> `function (package/module.py)`, site-packages stripped."""
    match = _LOCATION.search(frame)
    if not match:
        return frame
    path = match.group("path").split("site-packages/")[-1].replace(str(ROOT) + "/", "")
    return f"{frame[:match.start()]} ({path})"


def inclusive_shares(collapsed: Path) -> Tuple[int, List[Tuple[float, str]]]:
    """From py-spy's collapsed stacks: total samples, and each function's share of samples it was in."""
    total = 0
    counts: Counter[str] = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        samples = int(number)
        total += samples
        for name in {frame_name(frame) for frame in stack.split(";")}:
            counts[name] += samples
    return total, [(count / total, name) for name, count in counts.most_common()] if total else []


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    py_spy = servers.venv_bin() / "py-spy"
    if not py_spy.exists():
        raise SystemExit(f"{py_spy} not found: run `make install`")
    model = args.model or newest_model(ROOT / "models", "clinic-*.tar.gz")
    if model is None or not Path(model).exists():
        raise SystemExit("no trained model: run `make train` first")
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    OUT_DIR.mkdir(parents=True)
    bot = servers.this_bot(Path(model).resolve(), OUT_DIR / "bot", OUT_DIR)
    try:
        log("starting this bot (action server, then Rasa)")
        bot.start(OUT_DIR, "profile", 600)
        load.run_load(bot.url, load.CONVERSATIONS["this"], 20, 1, tag="warmup")
        collapsed = OUT_DIR / "stacks.txt"
        sampler = subprocess.Popen(
            [str(py_spy), "record", "--pid", str(bot.rasa_process.pid), "--rate", str(args.rate),
             "--nonblocking", "--format", "raw", "--output", str(collapsed)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        rasa_cpu, action_cpu = cpu_seconds(bot.rasa_process.pid), cpu_seconds(bot.action_process.pid)
        log(f"sampling the Rasa server (pid {bot.rasa_process.pid}) over {args.turns} sequential turns")
        result = load.run_load(bot.url, load.CONVERSATIONS["this"], args.turns, 1, tag="profile")
        rasa_cpu = cpu_seconds(bot.rasa_process.pid) - rasa_cpu
        action_cpu = cpu_seconds(bot.action_process.pid) - action_cpu
        sampler.send_signal(signal.SIGINT)
        sampler.wait(timeout=60)
    finally:
        bot.stop()
    total, shares = inclusive_shares(collapsed)
    print(f"{result.completed} turns, p50 {result.percentile(50):.1f} ms, p95 {result.percentile(95):.1f} ms; "
          f"CPU per turn: Rasa server {rasa_cpu / args.turns * 1000:.1f} ms, "
          f"action server {action_cpu / args.turns * 1000:.1f} ms; {total} samples")
    print("share of samples  function (inclusive)")
    for share, name in shares[:args.top]:
        print(f"{share * 100:15.1f}%  {name}")
    log(f"collapsed stacks (open them in speedscope.app or flamegraph.pl) in {collapsed.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
