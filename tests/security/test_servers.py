"""Attacks on the servers and channels, performed against the real servers (issue 14, docs/security.md).

The dev profile is started the way users start it (`make run`, tests/support/make_run.py); the
production profile as tests/production starts it (supervisord, nginx with TLS, PostgreSQL and Redis
of the test's own). Each attack is shown refused by what an attacker would notice: the HTTP status,
the reply, the rows stored.
"""

import json
import os
import re
import stat
import subprocess
import threading
import uuid

import pytest
import requests
import socketio
import sqlalchemy as sa

from clinic import local_secrets
from clinic.sms.store import sender_id_for
from production.profile import REQUIRED_FILES, REQUIRED_SECRETS
from staff import accounts
from tests.support.make_run import ROOT
from tests.support.ports import listening_addresses
from tests.support.processes import wait_until
from tests.support.production import RunningProfile, throwaway_services

CRISIS = "I want to kill myself tonight"
FORGED_ACTION_CALL = {
    "next_action": "action_escalate_crisis", "sender_id": "forged-caller", "version": "3.6.2", "domain": {},
    "tracker": {"sender_id": "forged-caller", "slots": {}, "latest_message": {"text": CRISIS}, "events": []},
}


def user_events(database_url: str, sender: str) -> list:
    """The user messages stored for a conversation (Rasa's `events` table), oldest first."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :sender "
                                              "AND type_name = 'user' ORDER BY id"), {"sender": sender}).fetchall()
    finally:
        engine.dispose()
    return [json.loads(data) for (data,) in rows]


def handoff_senders(database_url: str, urgent: bool) -> set:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT sender_id FROM handoffs WHERE urgent = :urgent"),
                                      {"urgent": urgent}).fetchall()
    finally:
        engine.dispose()
    return {sender for (sender,) in rows}


# --- The dev profile: `make run` ---------------------------------------------------------------------

@pytest.fixture
def dev(readme_run):
    """`make run` with its defaults for the secrets and hosts (tests/conftest.py), shared with the browser
    tests: each test here talks in conversations of its own."""
    return readme_run


def rest(run, sender, message, **extra):
    return requests.post(f"{run.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra},
                         timeout=60)


def test_make_run_listens_on_this_machine_only(dev):
    for name, port in dev.ports.items():
        assert listening_addresses(port) == {"127.0.0.1"}, name


def test_rasa_http_api_refuses_callers_without_the_token(dev):
    sender = "visitor-" + uuid.uuid4().hex[:8]
    assert rest(dev, sender, "how long does one infusion take").status_code == 200
    tracker = f"{dev.rasa_url}/conversations/{sender}/tracker"
    assert requests.get(tracker, timeout=10).status_code == 401
    assert requests.get(tracker, params={"token": "guessed"}, timeout=10).status_code == 401
    forged = requests.post(f"{tracker}/events", json={"event": "user", "text": CRISIS}, timeout=10)
    assert forged.status_code == 401
    swapped = requests.put(f"{dev.rasa_url}/model", json={"model_file": "/tmp/other.tar.gz"}, timeout=10)
    assert swapped.status_code == 401
    assert requests.post(f"{dev.rasa_url}/model/parse", json={"text": "hi"}, timeout=10).status_code == 401
    # The project's own tools read the token make run created, kept in var/ for the owner only.
    token_file = ROOT / "var" / "rasa-api-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert local_secrets.rasa_api_token() == token_file.read_text().strip()
    events = requests.get(tracker, params={"token": local_secrets.rasa_api_token()}, timeout=10).json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["how long does one infusion take"]


def test_action_server_refuses_callers_without_the_shared_secret(dev):
    webhook = f"http://127.0.0.1:{dev.ports['ACTIONS_PORT']}/webhook"
    assert requests.post(webhook, json=FORGED_ACTION_CALL, timeout=10).status_code == 401
    wrong = requests.post(webhook, json=FORGED_ACTION_CALL, headers={"Authorization": "Bearer guessed"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(f"http://127.0.0.1:{dev.ports['ACTIONS_PORT']}/actions", timeout=10).status_code == 401
    assert "forged-caller" not in handoff_senders(dev.database, urgent=True)
    token_file = ROOT / "var" / "action-server-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_the_real_bot_still_reaches_its_action_server(dev):
    """Rasa sends the shared secret: a crisis still makes its urgent handoff, a booking its row."""
    crisis = "visitor-" + uuid.uuid4().hex[:8]
    assert "988" in " ".join(m.get("text", "") for m in rest(dev, crisis, CRISIS).json())
    assert crisis in handoff_senders(dev.database, urgent=True)
    booking = "visitor-" + uuid.uuid4().hex[:8]
    replies = [rest(dev, booking, text).json() for text in
               ["I'd like to book a consultation", "Sarah Jones", "415 555 2671", "weekday mornings", "yes", "yes"]]
    assert "your reference is" in " ".join(m.get("text", "") for m in replies[-1])
    assert booking in handoff_senders(dev.database, urgent=False)


def test_rest_cannot_write_into_an_sms_conversation(dev):
    texter = sender_id_for("+14155550142")
    refused = rest(dev, texter, CRISIS)
    assert refused.status_code == 400 and "another channel" in refused.text
    assert rest(dev, texter.upper(), CRISIS).status_code == 400
    assert user_events(dev.database, texter) == []
    assert texter not in handoff_senders(dev.database, urgent=True)


def test_rest_records_its_own_channel_whatever_the_client_says(dev):
    sender = "visitor-" + uuid.uuid4().hex[:8]
    for forged in ("twilio", ["twilio", "x" * 500], {"name": "socketio"}):
        assert rest(dev, sender, "how long does one infusion take", input_channel=forged).status_code == 200
    assert [event["input_channel"] for event in user_events(dev.database, sender)] == ["rest"] * 3


class Widget:
    """A socket.io client speaking the widget's protocol, collecting what the server sends it."""

    def __init__(self, run):
        self.confirmed, self.replies, self.refused = [], [], []
        self.got = threading.Event()
        self.client = socketio.Client(reconnection=False)
        for event, into in (("session_confirm", self.confirmed), ("bot_uttered", self.replies),
                            ("session_refused", self.refused)):
            self.client.on(event, lambda data, into=into: (into.append(data), self.got.set()))
        self.client.connect(run.rasa_url, headers={"Origin": run.origin}, socketio_path="socket.io",
                            wait_timeout=30)

    def wait(self, events: list, timeout: float = 60) -> None:
        while not events and self.got.wait(timeout):
            self.got.clear()
        assert events, "no answer from the server"

    def request_session(self, session_id) -> str:
        self.client.emit("session_request", {"session_id": session_id})
        self.wait(self.confirmed)
        return self.confirmed.pop()

    def say(self, session_id, text: str) -> None:
        self.client.emit("user_uttered", {"session_id": session_id, "message": text})

    def close(self) -> None:
        """Says goodbye (socket.io's and engine.io's disconnect packets go at once) without waiting for the
        end: over long-polling, python-socketio's disconnect() then waits for the poll under way to come
        back, up to the server's 25 s ping interval, which was half a minute after each test here."""
        threading.Thread(target=self.client.disconnect, daemon=True).start()


@pytest.fixture
def widgets(dev):
    opened = []

    def open_widget() -> Widget:
        opened.append(Widget(dev))
        return opened[-1]

    yield open_widget
    for widget in opened:
        widget.close()


@pytest.mark.parametrize("session_id", ["a" * 65, "../../etc", "sms-" + "0" * 24, "visitor-1", "ABCDEF" + "0" * 26,
                                        "é" * 32])
def test_socketio_refuses_odd_session_ids(dev, widgets, session_id):
    widget = widgets()
    given = widget.request_session(session_id)
    assert given != session_id and len(given) == 32
    widget.say(session_id, CRISIS)
    widget.wait(widget.refused)
    assert widget.replies == []
    assert user_events(dev.database, session_id) == []


def test_socketio_session_ids_belong_to_the_connection_that_asked_for_them(dev, widgets):
    owner, intruder = widgets(), widgets()
    session_id = owner.request_session(uuid.uuid4().hex)
    owner.say(session_id, "how long does one infusion take")
    owner.wait(owner.replies)
    intruder.request_session(None)
    intruder.say(session_id, CRISIS)
    intruder.wait(intruder.refused)
    assert [event["text"] for event in user_events(dev.database, session_id)] == ["how long does one infusion take"]
    assert session_id not in handoff_senders(dev.database, urgent=True)
    # A page reload is a new connection that asks for its stored session id again: it carries on.
    reloaded = widgets()
    assert reloaded.request_session(session_id) == session_id
    reloaded.say(session_id, "will I need booster treatments?")
    reloaded.wait(reloaded.replies)
    # The replies go out while the message is handled; the conversation is saved right after.
    wait_until(lambda: len(user_events(dev.database, session_id)) == 2, 10, "the second message to be stored")


# --- The production profile: nginx with TLS in front of the replicas --------------------------------

def test_run_prod_refuses_to_start_without_its_secrets(tmp_path):
    env = {name: value for name, value in os.environ.items()
           if name not in REQUIRED_SECRETS + REQUIRED_FILES and not name.startswith("MAKE")}
    env.update(SMS_SENDER_KEY="clinic-sms-sender", STAFF_SECRET_KEY="short", PROD_STATE_DIR=str(tmp_path / "prod"))
    refused = subprocess.run(["make", "run-prod"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                             stdin=subprocess.DEVNULL)
    assert refused.returncode != 0
    for name in REQUIRED_SECRETS + REQUIRED_FILES:
        assert re.search(rf"- {name}\b", refused.stderr), (name, refused.stderr)
    assert "Production profile:" not in refused.stdout and not (tmp_path / "prod").exists()


@pytest.fixture(scope="module")
def prod(model_path, tmp_path_factory):
    with throwaway_services() as (postgres, redis_server):
        with RunningProfile(tmp_path_factory.mktemp("security-prod"), postgres.url, redis_server.url, model_path,
                            replicas=1, action_replicas=1, web=True) as running:
            yield running


def test_nginx_serves_https_with_hsts_only(prod):
    for url in (f"{prod.url}/version", f"{prod.web_url}/staff/login"):
        answer = requests.get(url, verify=prod.verify, timeout=30)
        assert answer.status_code == 200, url
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000"), url
    reply = requests.post(f"{prod.url}/webhooks/rest/webhook", json={"sender": "tls-" + uuid.uuid4().hex[:8],
                                                                      "message": "how long does one infusion take"},
                          verify=prod.verify, timeout=60)
    assert "40 to 60 minutes" in reply.text and "Strict-Transport-Security" in reply.headers
    # Plain HTTP on the public ports gets no conversation, and the website is not reachable around nginx.
    assert requests.get(prod.url.replace("https:", "http:") + "/version", timeout=10).status_code == 400
    assert listening_addresses(prod.profile.web_backend_port) == {prod.profile.backend_host}


def test_rasa_http_api_is_not_published(prod):
    sender = "api-" + uuid.uuid4().hex[:8]
    for method, path in (("GET", f"/conversations/{sender}/tracker"), ("PUT", "/model"), ("POST", "/model/parse"),
                         ("POST", f"/conversations/{sender}/tracker/events"), ("GET", "/status")):
        answer = requests.request(method, f"{prod.url}{path}", params={"token": prod.api_token}, json={},
                                  verify=prod.verify, timeout=10)
        assert answer.status_code == 404, (method, path)
    # Behind nginx each replica still requires the token.
    replica = f"http://127.0.0.1:{prod.profile.rasa_ports[0]}"
    assert requests.get(f"{replica}/conversations/{sender}/tracker", timeout=10).status_code == 401
    assert requests.get(f"{replica}/conversations/{sender}/tracker", params={"token": prod.api_token},
                        timeout=10).status_code == 200


def test_action_servers_refuse_callers_without_the_shared_secret(prod):
    for url in [f"http://127.0.0.1:{port}/webhook" for port in prod.profile.action_ports] + [
            prod.profile.action_endpoint_url]:
        assert requests.post(url, json=FORGED_ACTION_CALL, timeout=10).status_code == 401, url
    assert "forged-caller" not in handoff_senders(prod.profile.database_url, urgent=True)
    # The replicas send it: a crisis through nginx makes its urgent handoff.
    sender = "crisis-" + uuid.uuid4().hex[:8]
    reply = requests.post(f"{prod.url}/webhooks/rest/webhook", json={"sender": sender, "message": CRISIS},
                          verify=prod.verify, timeout=60)
    assert "988" in reply.text
    assert sender in handoff_senders(prod.profile.database_url, urgent=True)


def test_a_forged_x_forwarded_for_is_not_believed(prod):
    """The login throttle and the audit trail record the address nginx saw, not one the client claims."""
    login = f"{prod.web_url}/staff/login"
    browser = requests.Session()  # (verify per request: a REQUESTS_CA_BUNDLE would override the session's)
    form = browser.get(login, timeout=30, verify=prod.verify).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    username = "nobody-" + uuid.uuid4().hex[:8]
    refused = browser.post(login, data={"csrf_token": csrf, "username": username, "password": "wrong-password-1"},
                           headers={"X-Forwarded-For": "203.0.113.7", "Referer": login}, timeout=30,
                           verify=prod.verify)
    assert refused.status_code == 401
    engine = sa.create_engine(prod.profile.database_url)
    try:
        with engine.connect() as connection:
            # A name no account has is counted under a hash of it (it may be a mistyped password).
            addresses = connection.execute(sa.text("SELECT ip FROM staff_login_failures WHERE username = :name"),
                                           {"name": accounts.failure_name(username, None)}).scalars().all()
    finally:
        engine.dispose()
    assert addresses == ["127.0.0.1"]
