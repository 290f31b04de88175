"""REST load on a bot: the message scripts, sequential turns and concurrent conversations.

Every loop is bounded twice, by a message count and by a deadline, and only talks to 127.0.0.1.
A turn is one `POST /webhooks/rest/webhook` answered in full (status and body read); its latency is
measured on the client. A conversation is a script of turns under one sender id; when a client
finishes a script it starts the next one under a new sender id.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Dict, List, Sequence
from urllib.parse import urlparse

import aiohttp

# This bot: FAQ questions in several phrasings (typos, SMS shorthand), a named condition (answered by
# the action server), out-of-scope questions with the staff offer, and a booking exchange.
THIS_CONVERSATIONS: List[List[str]] = [
    ["hello", "what is ketamine infusion therapy?", "how long does one infusion take?",
     "how many infusions will i need", "thanks", "bye"],
    # The booking exchange: asking to book, then the answers the booking form asks for.
    ["hi", "i want to book an appointment", "Sarah Jones", "(212) 555-0142", "weekday mornings", "yes",
     "yes", "thank you"],
    ["what are your opening hours?", "yes", "Sam Lee", "sam.lee@example.com", "evenings after 6", "yes",
     "yes", "bye"],
    ["how does ketamine work in the brain", "r boosters needed", "does it help with ptsd?",
     "how fast does it work", "ok thanks"],
    ["is this treatment for me", "what dose do you give", "how is it different from my ssri",
     "how much does it cost", "no", "goodbye"],
    ["hey", "can i book online", "do i need an evaluation before starting", "wanna book a consult",
     "yes please"],
    ["isn't ketamine an anesthetic?", "how long is an infusion", "how often do i come in",
     "what does the expert say about it", "can ketamine help with suicidal thoughts?", "bye"],
]

# The stock `rasa init` bot: its own kind of messages (greet, mood, affirm/deny, bot challenge, bye).
STOCK_CONVERSATIONS: List[List[str]] = [
    ["hello", "I am sad", "yes", "bye"],
    ["hi there", "great", "are you a bot?", "goodbye"],
    ["hey", "I am feeling very unhappy", "no", "bye"],
    ["good morning", "I am feeling very good", "am I talking to a human?", "see you later"],
    ["hello there", "not good", "of course", "great", "bye"],
    ["hey dude", "sad", "nope", "have a nice day"],
]

CONVERSATIONS: Dict[str, List[List[str]]] = {"this": THIS_CONVERSATIONS, "stock": STOCK_CONVERSATIONS}


@dataclass
class LoadResult:
    concurrency: int
    latencies_ms: List[float] = field(default_factory=list)  # successful turns only
    errors: int = 0  # non-200, timeouts, connection errors
    empty: int = 0  # 200 with no bot message at all
    elapsed_s: float = 0.0
    timed_out: bool = False  # the deadline ended the phase before the count did

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only sends traffic to the loopback interface, not {host!r}")


async def _run(
    url: str,
    conversations: List[List[str]],
    total: int,
    concurrency: int,
    max_seconds: float,
    request_timeout: float,
    tag: str,
) -> LoadResult:
    _check_loopback(url)
    endpoint = f"{url}/webhooks/rest/webhook"
    result = LoadResult(concurrency=concurrency)
    issued = itertools.count()  # shared: at most `total` turns are sent, whatever the concurrency
    started = time.perf_counter()
    deadline = started + max_seconds
    last_done = [started]

    timeout = aiohttp.ClientTimeout(total=request_timeout)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def client(index: int) -> None:
            for conversation_number in itertools.count():
                script = conversations[(index + conversation_number * concurrency) % len(conversations)]
                sender = f"bench-{tag}-c{index}-n{conversation_number}"
                for message in script:
                    if time.perf_counter() >= deadline:
                        result.timed_out = True
                        return
                    if next(issued) >= total:
                        return
                    t0 = time.perf_counter()
                    try:
                        async with session.post(endpoint, json={"sender": sender, "message": message}) as response:
                            body = await response.json(content_type=None) if response.status == 200 else None
                            ok = response.status == 200
                    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                        ok, body = False, None
                    t1 = time.perf_counter()
                    last_done[0] = max(last_done[0], t1)
                    if ok:
                        result.latencies_ms.append((t1 - t0) * 1000.0)
                        if not body:
                            result.empty += 1
                    else:
                        result.errors += 1

        await asyncio.gather(*(client(i) for i in range(concurrency)))
    result.elapsed_s = last_done[0] - started
    return result


def run_load(
    url: str,
    conversations: List[List[str]],
    total: int,
    concurrency: int = 1,
    max_seconds: float = 120.0,
    request_timeout: float = 60.0,
    tag: str = "load",
) -> LoadResult:
    """`concurrency` clients (1 = sequential turns), each its own conversations, `total` turns at most."""
    if total < 1 or concurrency < 1:
        raise ValueError("total and concurrency must be at least 1")
    return asyncio.run(_run(url, conversations, total, concurrency, max_seconds, request_timeout, tag))
