"""`make loadtest`: the production profile under 100 concurrent conversations, then the checks.

1. Starts the production profile (nginx, RASA_REPLICAS Rasa replicas, action servers) on free loopback
   ports, on a PostgreSQL and a Redis of its own (so nothing of the machine's is touched).
2. Runs Locust headless (loadtest/locustfile.py): --users conversations for --duration.
3. Reports throughput and latency percentiles (Locust's figures) and checks, from PostgreSQL:
   every answered user message is in its conversation's tracker, in the order sent; every completed
   booking has exactly one handoff row, the one whose reference the person was given; no 5xx
   (Locust's failures and nginx's access log).
Writes var/loadtest/report.md (and Locust's CSV files); exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from production.profile import ROOT
from tests.support.checks import handoffs_by_sender, user_texts
from tests.support.processes import newest_model
from tests.support.production import RunningProfile, ThrowawayPostgres, ThrowawayRedis


def latest_model() -> str:
    model = newest_model()
    if model is None:
        raise SystemExit("No trained model: run `make train` first (make loadtest does).")
    return str(model)


def upstream_status(fields: List[str]) -> str:
    """The statuses the replicas answered with (the access log's last field, us=...)."""
    start = next((i for i, field in enumerate(fields) if field.startswith("us=")), len(fields))
    return " ".join(fields[start:])[3:]


def read_sent(path: Path):
    messages: Dict[str, List[str]] = defaultdict(list)
    bookings: Dict[str, List[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] == "message":
            messages[entry["conversation"]].append(entry["text"])
        else:
            bookings[entry["conversation"]].append(entry["reference"])
    return messages, bookings


def locust_rows(prefix: Path) -> List[Dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report(rows: List[Dict[str, str]], checks: List[str], args, seconds: float) -> str:
    lines = [
        f"Load test: {args.users} concurrent conversations for {args.duration} "
        f"(spawn rate {args.spawn_rate}/s), {args.replicas} Rasa replicas, {args.action_replicas} action servers, "
        f"on {os.cpu_count()} cores; {seconds:.0f} s in all.",
        "",
        "| requests | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} |"
        )
    lines += ["", "Checks:"] + [f"- {check}" for check in checks]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default="60s")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("RASA_REPLICAS", 2)))
    parser.add_argument("--action-replicas", type=int, default=int(os.environ.get("ACTIONS_REPLICAS", 2)))
    parser.add_argument("--out", default=str(ROOT / "var" / "loadtest"))
    args = parser.parse_args(argv)

    out = Path(args.out)
    shutil.rmtree(out / "profile", ignore_errors=True)  # logs of an earlier run
    out.mkdir(parents=True, exist_ok=True)
    sent_log = out / "sent.jsonl"
    sent_log.unlink(missing_ok=True)
    token = "loadtest-" + uuid.uuid4().hex
    started = time.monotonic()

    print("==> Starting PostgreSQL and Redis of the load test's own, then the production profile")
    postgres = ThrowawayPostgres().init()
    redis_server = ThrowawayRedis().start()
    profile = RunningProfile(out / "profile", postgres.url, redis_server.url, latest_model(),
                             replicas=args.replicas, action_replicas=args.action_replicas,
                             env={"TWILIO_AUTH_TOKEN": token})
    # The socket.io clients send the server's own address as their Origin.
    profile.profile.allowed_origins.append(profile.url)
    try:
        profile.start()
        print(f"==> Profile up at {profile.url} ({time.monotonic() - started:.0f} s); "
              f"Locust: {args.users} users for {args.duration}")
        # The profile serves HTTPS with a throwaway certificate: Locust's clients trust it (locustfile.py).
        env = {**os.environ, "TWILIO_AUTH_TOKEN": token, "LOADTEST_SENT_LOG": str(sent_log),
               "PYTHONPATH": str(ROOT), "REQUESTS_CA_BUNDLE": profile.verify,
               "SMS_SENDER_KEY": profile.secrets["SMS_SENDER_KEY"]}  # locustfile.py records SMS conversations by it
        prefix = out / "locust"
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration,
             "--host", profile.url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30"],
            cwd=ROOT, env=env, check=False,
        )
        time.sleep(2)  # the spool flusher, if anything was spooled
        messages, bookings = read_sent(sent_log)
        stored = user_texts(postgres.url, messages)
        out_of_order = [c for c in messages if stored[c] != messages[c]]
        rows = handoffs_by_sender(postgres.url, bookings)
        wrong_bookings = [c for c in bookings if sorted(rows[c]) != sorted(bookings[c])]
        access = [f for f in profile.access_log() if len(f) > 4]
        # Also a 5xx that nginx turned into an honest reply (the SMS one has status 200).
        server_errors = [f for f in access if f[3].startswith("5") or re.search(r"\b5\d\d\b", upstream_status(f))]
        replicas = {f"127.0.0.1:{port}" for port in profile.profile.rasa_ports}
        per_replica = defaultdict(int)
        for fields in access:
            if fields[4] in replicas and fields[2] != "/socket.io/":
                per_replica[fields[4]] += 1
        # Calls from the replicas to the action servers (through nginx): all must succeed.
        action_calls = [f for f in access if f[2] == "/webhook"]
        failed_actions = [f for f in action_calls
                          if f[3] != "200" or f[4] == "-" or re.search(r"\b5\d\d\b", upstream_status(f))]
        stats = locust_rows(prefix)
        failures = sum(int(r["Failure Count"]) for r in stats if r["Name"] == "Aggregated")
        checks = [
            f"{sum(map(len, messages.values()))} answered messages in {len(messages)} conversations: "
            f"{len(messages) - len(out_of_order)} stored complete and in order, {len(out_of_order)} not",
            f"{sum(map(len, bookings.values()))} completed bookings: "
            f"{len(bookings) - len(wrong_bookings)} with exactly their one handoff row, {len(wrong_bookings)} not",
            f"{len(server_errors)} responses with a 5xx status in nginx's access log; "
            f"{failures} failed requests as Locust counts them",
            f"{len(action_calls)} action server calls, {len(failed_actions)} not answered by an action server",
            "REST and SMS requests per replica: "
            + ", ".join(f"{replica} {count}" for replica, count in sorted(per_replica.items())),
        ]
        text = report(stats, checks, args, time.monotonic() - started)
        (out / "report.md").write_text(text, encoding="utf-8")
        print("\n" + text)
        for conversation in out_of_order[:5]:
            print(f"  not in order: {conversation}: sent {messages[conversation]} stored {stored[conversation]}")
        return 1 if (out_of_order or wrong_bookings or server_errors or failures or failed_actions) else 0
    finally:
        profile.stop()
        redis_server.stop()
        postgres.destroy()


if __name__ == "__main__":
    sys.exit(main())
