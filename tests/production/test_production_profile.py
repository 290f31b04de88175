"""The production profile under faults: two Rasa replicas and two action servers behind nginx, on a
PostgreSQL and a Redis of the test's own (so stopping them never touches the machine's shared ones).

Started once for the module (about two minutes: two replicas load the model). The tests: sticky
routing, the action servers stopped, Redis stopped, PostgreSQL restarted, a replica killed mid-load (and
restarted by supervisord, resuming its conversations from PostgreSQL). They pass in any order: each
starts from the whole profile answering (`whole_profile`), puts back what it stopped and waits until it
is used again, and talks in conversations of its own. Outcomes are written down in docs/production.md.
"""

import json
import re
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import pytest
import requests

from clinic.sms.store import sender_id_for
from tests.support.checks import handoffs_by_sender, user_texts
from tests.support.http import allow_origin
from tests.support.processes import wait_until
from tests.support.production import RunningProfile, throwaway_services
from tests.support.sms import signed_sms

TOKEN = "prod-test-token-" + uuid.uuid4().hex
REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")
UNAVAILABLE = "part of our system is unavailable"
BOOKING = ["I'd like to book a consultation", "Sarah Jones", "415 555 2671", "weekday mornings", "yes", "yes"]


@pytest.fixture(scope="module")
def services():
    with throwaway_services() as started:
        yield started


@pytest.fixture(scope="module")
def prod(model_path, tmp_path_factory, services):
    postgres, redis_server = services
    with RunningProfile(tmp_path_factory.mktemp("prod"), postgres.url, redis_server.url, model_path,
                        env={"TWILIO_AUTH_TOKEN": TOKEN}) as running:
        yield running


class Client:
    """Talks to the profile through nginx, tagging each request so the access log tells its replica."""

    def __init__(self, prod: RunningProfile):
        self.prod = prod
        self.sent = defaultdict(list)
        self._count = 0
        self._lock = threading.Lock()

    def _request_id(self, tag: str) -> str:
        with self._lock:
            self._count += 1
            return f"{tag}.{self._count}"

    def post(self, sender: str, text: str) -> requests.Response:
        response = requests.post(
            f"{self.prod.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
            headers={"X-Request-Id": self._request_id(sender)}, timeout=120, verify=self.prod.verify,
        )
        if response.status_code == 200:
            self.sent[sender].append(text)
        return response

    def say(self, sender: str, text: str) -> str:
        response = self.post(sender, text)
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return "\n".join(m.get("text", "") for m in response.json())

    def say_retrying(self, sender: str, text: str, tries: int = 20, log: Optional[list] = None) -> str:
        """As a person would: when the service answers with an error, wait a moment and send again.
        `log` gets each try's status and, last, the reply."""
        for _ in range(tries):
            response = self.post(sender, text)
            if log is not None:
                log.append((text, response.status_code))
            if response.status_code == 200:
                reply = "\n".join(m.get("text", "") for m in response.json())
                if log is not None:
                    log.append(("reply", reply))
                return reply
            time.sleep(1)
        raise AssertionError(f"no answer to {text!r} after {tries} tries: {response.status_code}")

    def text(self, number: str, body: str) -> requests.Response:
        url = f"{self.prod.url}/webhooks/twilio/webhook"
        params, headers = signed_sms(url, TOKEN, number, body)
        headers["X-Request-Id"] = self._request_id("sms" + number.lstrip("+"))
        return requests.post(url, data=params, headers=headers, timeout=120, verify=self.prod.verify)

    def replicas(self, expected=()) -> dict:
        """tag -> set of replica addresses that answered it, from nginx's access log.

        nginx writes a request's log line just after the response: wait for the `expected` tags."""
        deadline = time.monotonic() + 10
        while True:
            seen = defaultdict(set)
            for fields in self.prod.access_log():
                rid = next((f[4:] for f in fields if f.startswith("rid=")), "-")
                if rid != "-" and fields[3] == "200":
                    seen[rid.rsplit(".", 1)[0]].add(fields[4])
            if all(tag in seen for tag in expected) or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)


@pytest.fixture(scope="module")
def client(prod):
    return Client(prod)


@pytest.fixture(autouse=True)
def whole_profile(prod):
    """Each test starts with every replica and action server answering, whichever test ran before."""
    for port in prod.profile.rasa_ports:
        prod.wait_for_replica(port)
    for port in prod.profile.action_ports:
        wait_until(lambda: prod._ok(f"http://127.0.0.1:{port}/health"), 120, "an action server")


def new_sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_every_conversation_stays_on_one_replica_and_both_replicas_serve(prod, client):
    senders = [new_sender("sticky") for _ in range(12)]
    numbers = [f"+1415555{1000 + i}" for i in range(4)]
    for _ in range(3):
        for sender in senders:
            assert "40 to 60 minutes" in client.say(sender, "how long does one infusion take")
        for number in numbers:
            assert client.text(number, "how long does one infusion take").status_code == 200
    tags = senders + ["sms" + n.lstrip("+") for n in numbers]
    replicas = client.replicas(tags)
    for tag in tags:
        assert len(replicas[tag]) == 1, (tag, replicas[tag])
    used = set().union(*(replicas[s] for s in senders))
    assert used == {f"127.0.0.1:{port}" for port in prod.profile.rasa_ports}


def test_the_widget_gets_one_allow_origin_through_nginx_and_other_sites_none(prod):
    polling = f"{prod.url}/socket.io/?EIO=4&transport=polling&t={uuid.uuid4().hex}"
    rest = f"{prod.url}/webhooks/rest/webhook"
    for origin, expected in [("http://localhost:8000", ["http://localhost:8000"]), ("http://evil.example", [])]:
        polled = requests.get(polling, headers={"Origin": origin}, timeout=10, verify=prod.verify)
        assert allow_origin(polled) == expected
        reply = requests.post(rest, json={"sender": new_sender("cors"), "message": "hi"}, headers={"Origin": origin},
                              timeout=60, verify=prod.verify)
        assert reply.status_code == 200 and allow_origin(reply) == expected


def test_action_servers_stopped_give_a_graceful_reply_and_recover(prod, client):
    booker = new_sender("noactions")
    assert "What name should" in client.say(booker, BOOKING[0])
    prod.ctl("stop", *prod.profile.action_programs())
    try:
        sender = new_sender("noactions")
        for _ in range(4):  # several, so that each nginx worker finds both action servers refusing
            reply = client.say(sender, "does it help with PTSD?")
            assert UNAVAILABLE in reply and "(555) 010-0199" in reply
        # A booking under way gets the same honest reply, once, at its next answer (the form stops), not silence.
        assert client.say(booker, BOOKING[1]).count(UNAVAILABLE) == 1
        booking = client.say(new_sender("noactions"), "I'd like to book a consultation")
        assert booking.count(UNAVAILABLE) == 1, booking
        # Answers that need no action server go on as usual.
        assert "40 to 60 minutes" in client.say(sender, "how long does one infusion take")
    finally:
        prod.ctl("start", *prod.profile.action_programs())
    for port in prod.profile.action_ports:
        wait_until(lambda: prod._ok(f"http://127.0.0.1:{port}/health"), 120, "an action server")
    # Back for every conversation at once: no server is kept out of rotation for having refused before.
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda s: client.say(s, "does it help with PTSD?"),
                                [new_sender("actionsback") for _ in range(8)]))
    for reply in replies:
        assert "Yes. Post-traumatic stress disorder (PTSD) is one of the conditions" in reply, reply
    assert "What name should" in client.say(booker, BOOKING[0])


def test_redis_stopped_conversations_go_on_with_in_process_locks(prod, client, services):
    _, redis_server = services
    senders = [new_sender("noredis") for _ in range(4)]
    for sender in senders:
        client.say(sender, "hi")
    redis_server.stop()
    try:
        for sender in senders:
            assert "40 to 60 minutes" in client.say(sender, "how long does one infusion take")
        logs = prod.log("rasa-1") + prod.log("rasa-2")
        assert "Redis lock store unreachable" in logs
    finally:
        redis_server.start()

    def redis_used_again() -> bool:
        """Conversations go on while each replica's lock store tries Redis again (every 5 s), until each
        replica that lost it says it has it back."""
        for sender in senders:
            assert "40 to 60 minutes" in client.say(sender, "how long does one infusion take")
        logs = [prod.log(name) for name in prod.profile.rasa_programs()]
        return all(log.count("Redis lock store reachable again") >= log.count("Redis lock store unreachable")
                   for log in logs)

    wait_until(redis_used_again, 60, "the replicas to use Redis again", interval=1)
    stored = user_texts(prod.profile.database_url, senders)
    for sender in senders:
        assert stored[sender] == client.sent[sender]


def test_postgres_restart_loses_no_handoff(prod, client, services):
    postgres, _ = services
    senders = [new_sender("pgrestart") for _ in range(6)]
    references = {}
    errors = []
    transcripts = defaultdict(list)  # what each booking sent and got, for the failure message

    def book(sender: str) -> None:
        try:
            replies = [client.say_retrying(sender, text, log=transcripts[sender]) for text in BOOKING]
            found = REFERENCE.search(replies[-1])
            references[sender] = found.group(1) if found else None
        except Exception as error:  # reported below
            errors.append(repr(error))

    logs = ["nginx-error", *prod.profile.action_programs(), *prod.profile.rasa_programs()]
    log_start = {name: len(prod.log(name)) for name in logs}
    number = "+14155559" + str(uuid.uuid4().int)[:3]
    texts = ["how long does one infusion take", "how many infusions will i need", "is it safe"]
    sms_statuses = []

    def text() -> None:
        for body in texts:
            response = client.text(number, body)
            sms_statuses.append((response.status_code, "<Message>" in response.text))
            time.sleep(1)

    threads = [threading.Thread(target=book, args=(sender,)) for sender in senders]
    threads.append(threading.Thread(target=text))
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    time.sleep(0.5)
    postgres.stop()  # down for 3 s, then back
    try:
        time.sleep(3)
    finally:
        postgres.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    unreferenced = [sender for sender, found in references.items() if not found]
    if unreferenced:  # pytest.fail, whose message is never shortened: the whole story of each
        stored = user_texts(prod.profile.database_url, unreferenced)
        # What nginx, the action servers and the replicas reported meanwhile: why a call failed.
        noted = re.compile(r"\[error\]|\[warn\]|ERROR|WARNING|Error:|Exception")
        reported = {name: [line for line in prod.log(name)[log_start[name]:].splitlines() if noted.search(line)][-40:]
                    for name in logs}
        pytest.fail("bookings that got no reference, with every try and reply and the messages stored:\n" + json.dumps(
            {sender: {"sent and got": transcripts[sender], "stored": stored.get(sender)} for sender in unreferenced},
            indent=1) + "\nerrors and warnings logged during the test:\n" + json.dumps(reported, indent=1))
    # SMS sent around the outage were answered (the channel's own database calls waited too), in order.
    assert sms_statuses == [(200, True)] * len(texts), sms_statuses
    texter = sender_id_for(number, prod.secrets["SMS_SENDER_KEY"])
    assert user_texts(prod.profile.database_url, [texter])[texter] == texts

    spool = prod.profile.state_dir / "spool"
    wait_until(lambda: not list(spool.glob("*.json")) if spool.exists() else True, 60, "the spool to empty")
    rows = handoffs_by_sender(prod.profile.database_url, senders)
    for sender in senders:
        assert rows[sender] == [references[sender]], (sender, rows[sender], references[sender])
    # After the restart the very first message of a new conversation is answered (stale pooled
    # connections are checked before use).
    assert "40 to 60 minutes" in client.say(new_sender("afterpg"), "how long does one infusion take")


def test_a_killed_replica_its_conversations_continue_elsewhere_then_resume_from_postgres(prod, client):
    ports = prod.profile.rasa_ports
    senders = [new_sender("kill") for _ in range(10)]
    for sender in senders:
        assert "What name" in client.say(sender, BOOKING[0])
    home = {tag: next(iter(addresses)) for tag, addresses in client.replicas(senders).items() if tag in senders}
    victim_address = f"127.0.0.1:{ports[0]}"
    moved = [s for s in senders if home[s] == victim_address]
    stayed = [s for s in senders if home[s] != victim_address]
    assert moved and stayed, home

    # Load from other conversations while the replica dies.
    stop_load = threading.Event()
    load_statuses = []

    load_seconds = []

    def load(sender: str) -> None:
        while not stop_load.is_set():
            started = time.monotonic()
            load_statuses.append(client.post(sender, "how long does one infusion take").status_code)
            load_seconds.append(time.monotonic() - started)

    loaders = [threading.Thread(target=load, args=(new_sender("load"),)) for _ in range(4)]
    for thread in loaders:
        thread.start()
    time.sleep(2)
    prod.kill(prod.replica_of_port(ports[0]))
    t_kill = time.monotonic()

    # Its conversations go on at once on the other replica, with their history (the form's next question).
    for sender in moved + stayed:
        assert "phone number or email" in client.say_retrying(sender, BOOKING[1]), sender
    failover_seconds = time.monotonic() - t_kill
    time.sleep(3)
    stop_load.set()
    for thread in loaders:
        thread.join()
    answered = load_statuses.count(200)
    failed = len(load_statuses) - answered
    assert answered > 0
    # Only requests in flight on the killed replica may fail (one per load thread at most), with
    # nginx's 503 "call us" reply.
    assert failed <= len(loaders) and set(load_statuses) <= {200, 503}, load_statuses
    # A conversation whose message died with the replica waits at most for that message's lock
    # ticket to expire (TICKET_LOCK_LIFETIME, 20 s), never for ever.
    assert max(load_seconds) < 45, max(load_seconds)

    # supervisord starts it again; it reads its conversations back from PostgreSQL.
    prod.wait_for_replica(ports[0], timeout=600)

    def victim_serves_again() -> bool:
        """nginx sends the replica requests again (it tries a failed server after fail_timeout, 5 s):
        a new conversation that nginx places on it is answered there."""
        probe = new_sender("probe")
        client.say(probe, "how long does one infusion take")
        return victim_address in client.replicas([probe]).get(probe, set())

    wait_until(victim_serves_again, 60, f"nginx to send requests to {victim_address} again", interval=0.5)
    for sender in moved + stayed:
        assert "When is a good time" in client.say(sender, BOOKING[2]), sender
    # nginx writes each answer's access log line just after it.
    wait_until(lambda: any(victim_address in client.replicas(moved)[s] for s in moved), 10,
               "a moved conversation answered by its own replica again")
    stored = user_texts(prod.profile.database_url, moved + stayed)
    for sender in moved + stayed:
        assert stored[sender] == BOOKING[:3], (sender, stored[sender])
    print(f"failover: conversations answered within {failover_seconds:.1f}s; "
          f"load: {answered} answered, {failed} failed at the kill, slowest {max(load_seconds):.1f}s")
