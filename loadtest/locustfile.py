"""Mixed traffic on the production profile: each Locust user is one conversation at a time.

- RestFaqUser: FAQ questions over REST (several phrasings, a named condition answered by an action).
- RestBookingUser: a whole booking over REST (the booking form, ending in a handoff and a reference).
- SmsUser: FAQ questions by SMS, each webhook request signed as Twilio signs it.
- SocketIOUser: the website widget's channel, a socket.io client with session persistence.

People pause between messages (LOADTEST_THINK_MIN/MAX seconds, default 2 to 6). Every message that
was answered is recorded with its conversation id (LOADTEST_SENT_LOG, JSON lines); loadtest/run.py
reads those back from PostgreSQL afterwards. Only ever talks to the --host given (loopback).
"""

import itertools
import json
import os
import random
import re
import threading
import time
import uuid

import requests
import socketio
from locust import HttpUser, User, between, events, task

from clinic.sms.store import sender_id_for
from tests.support.sms import signed_sms

THINK = between(float(os.environ.get("LOADTEST_THINK_MIN", "2")), float(os.environ.get("LOADTEST_THINK_MAX", "6")))
TWILIO_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
SENT_LOG = os.environ.get("LOADTEST_SENT_LOG", "var/loadtest/sent.jsonl")
REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")

FAQ = [
    "how long does one infusion take?", "how many infusions will i need", "what is ketamine infusion therapy?",
    "r boosters needed", "how fast does it work", "how much does it cost", "what are your opening hours?",
    "is it safe", "do i need an evaluation before starting", "how is it different from my ssri",
    "does it help with ptsd?", "can i drive home after", "what dose do you give", "hello", "thanks",
]
BOOKING = ["hi", "i want to book an appointment", "Sarah Jones", "(212) 555-0142", "weekday mornings", "yes", "yes"]

_numbers = itertools.count(1000)
_log_lock = threading.Lock()
_log_handle = None


def record(kind: str, conversation: str, text: str, **extra) -> None:
    """One answered message (or a finished booking), for the checks after the run."""
    global _log_handle
    with _log_lock:
        if _log_handle is None:
            os.makedirs(os.path.dirname(SENT_LOG) or ".", exist_ok=True)
            _log_handle = open(SENT_LOG, "a", encoding="utf-8")
        _log_handle.write(json.dumps({"kind": kind, "conversation": conversation, "text": text, **extra}) + "\n")
        _log_handle.flush()


def reply_text(response) -> str:
    return "\n".join(m.get("text", "") for m in response.json())


# The profile serves HTTPS with a throwaway certificate, passed by run.py in REQUESTS_CA_BUNDLE (Locust's
# HTTP client ignores the environment, so it is set on each client).
PROFILE_CA = os.environ.get("REQUESTS_CA_BUNDLE") or True


class ProfileHttpUser(HttpUser):
    abstract = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client.verify = PROFILE_CA


class RestFaqUser(ProfileHttpUser):
    weight = 4
    wait_time = THINK

    def on_start(self) -> None:
        self.sender = f"load-faq-{uuid.uuid4().hex[:12]}"
        self.turns = 0

    @task
    def ask(self) -> None:
        if self.turns >= 8:  # a conversation of 8 questions, then a new visitor
            self.on_start()
        text = random.choice(FAQ)
        with self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                              name="REST faq", catch_response=True) as response:
            if response.status_code == 200 and response.json():
                record("message", self.sender, text)
                response.success()
            elif response.status_code == 200:
                response.failure("empty reply")
        self.turns += 1


class RestBookingUser(ProfileHttpUser):
    weight = 2
    wait_time = THINK

    def on_start(self) -> None:
        self.sender = f"load-book-{uuid.uuid4().hex[:12]}"
        self.step = 0

    @task
    def next_step(self) -> None:
        text = BOOKING[self.step]
        with self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                              name="REST booking", catch_response=True) as response:
            if response.status_code != 200:
                return
            record("message", self.sender, text)
            self.step += 1
            if self.step == len(BOOKING):
                found = REFERENCE.search(reply_text(response))
                if found:
                    record("booking", self.sender, text, reference=found.group(1))
                    response.success()
                else:
                    response.failure("booking ended without a reference")
                self.on_start()


class SmsUser(ProfileHttpUser):
    weight = 2
    wait_time = THINK

    def on_start(self) -> None:
        self.number = f"+1415{random.randint(200, 999)}{next(_numbers) % 10000:04d}"
        self.conversation = sender_id_for(self.number)

    @task
    def text(self) -> None:
        body = random.choice([q for q in FAQ if q not in ("hello", "thanks")])
        url = f"{self.host}/webhooks/twilio/webhook"
        params, headers = signed_sms(url, TWILIO_TOKEN, self.number, body)
        with self.client.post("/webhooks/twilio/webhook", data=params, headers=headers, name="SMS webhook",
                              catch_response=True) as response:
            if response.status_code == 200 and "<Message>" in response.text:
                record("message", self.conversation, body)
                response.success()
            elif response.status_code == 200:
                response.failure("no <Message> in the TwiML reply")


class SocketIOUser(User):
    """The widget's protocol: session_request, then user_uttered / bot_uttered on one websocket."""

    weight = 2
    wait_time = THINK

    def on_start(self) -> None:
        self.session_id = uuid.uuid4().hex
        self.replies = []
        self.got_reply = threading.Event()
        http = requests.Session()
        http.verify = PROFILE_CA
        self.sio = socketio.Client(reconnection=False, request_timeout=60, http_session=http)
        self.sio.on("bot_uttered", self._on_bot_uttered)
        confirmed = threading.Event()
        self.sio.on("session_confirm", lambda *_: confirmed.set())
        started = time.perf_counter()
        try:
            # The client sends the server's own address as its Origin: run.py allows it.
            self.sio.connect(self.host, transports=["websocket"], socketio_path="socket.io", wait_timeout=30)
            self.sio.emit("session_request", {"session_id": self.session_id})
            ok = confirmed.wait(30)
            error = None if ok else TimeoutError("no session_confirm")
        except Exception as exc:  # reported to Locust as a failed connect
            error = exc
        self._fire("socket.io connect", started, error)

    def _on_bot_uttered(self, data) -> None:
        self.replies.append(data)
        self.got_reply.set()

    def _fire(self, name: str, started: float, error) -> None:
        events.request.fire(request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, exception=error, context={})

    @task
    def say(self) -> None:
        if not self.sio.connected:
            return
        text = random.choice(FAQ)
        self.got_reply.clear()
        started = time.perf_counter()
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        ok = self.got_reply.wait(60)
        self._fire("socket.io message", started, None if ok else TimeoutError("no bot_uttered in 60 s"))
        if ok:
            record("message", self.session_id, text)
            time.sleep(0.3)  # the rest of a multi-message reply

    def on_stop(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
