"""The console's takeover pages (the real app factory, CSRF on, logged in through the form): claim,
reply, return, the live JSON, the audit trail. What the Rasa server does with a relayed message is
tested through the real servers (test_takeover_servers.py); here the relay is recorded."""

import json
import time

import pytest

from clinic.db import engine_for, session_scope
from clinic.handoffs.service import HandoffRequest, record_handoff
from clinic.takeover import claims
from clinic.takeover import client as relay
from clinic.takeover.client import JOINED_NOTE, RETURNED_NOTE
from staff.conversations import EVENTS
from staff.models import AuditEntry
from tests.support.staff_console import Console, csrf_token

SENDER = "0123456789abcdef0123456789abcdef"


def add_event(url, type_name, text, metadata=None):
    data = {"event": type_name, "text": text, "timestamp": time.time(), "metadata": metadata or {},
            "input_channel": "socketio", "parse_data": {"intent": {"name": "faq", "confidence": 0.9}}}
    with engine_for(url).begin() as connection:
        connection.execute(EVENTS.insert().values(sender_id=SENDER, type_name=type_name, timestamp=time.time(),
                                                  data=json.dumps(data)))


@pytest.fixture
def console(migrated_database, monkeypatch):
    EVENTS.create(engine_for(migrated_database))
    add_event(migrated_database, "user", "can I talk to a person?")
    sent = []

    def record(sender_id, staff, text, note=None):
        sent.append((sender_id, staff, text, note))
        return "widget"

    monkeypatch.setattr(relay, "send", record)
    console = Console(migrated_database)
    console.sent = sent
    console.account("alice")
    console.account("bob")
    return console


def post(client, path, **fields):
    # The token asked for once per browser: each page shown takes the messages flashed before it.
    if not hasattr(client, "csrf"):
        client.csrf = csrf_token(client, f"/staff/conversations/{SENDER}")
    return client.post(path, data={"csrf_token": client.csrf, "sender_id": SENDER, **fields})


def audit_actions(url):
    with session_scope(url) as session:
        return [(e.username, e.action, e.detail) for e in session.query(AuditEntry).order_by(AuditEntry.id)
                if e.action.startswith("takeover")]


def test_claim_reply_and_return(console):
    alice = console.browser("alice")
    page = alice.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    assert "Take over this conversation" in page
    assert alice.post("/staff/takeover/claim", data={"sender_id": SENDER}).status_code == 400  # no CSRF token
    assert post(alice, "/staff/takeover/claim").status_code == 303
    page = alice.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    assert "You have taken over" in page and "Your reply to the patient" in page
    assert "Return to the assistant" in page

    assert post(alice, "/staff/takeover/reply", text="Hi, Alice here.").status_code == 303
    assert post(alice, "/staff/takeover/return").status_code == 303
    assert console.sent == [(SENDER, "alice", JOINED_NOTE, "joined"), (SENDER, "alice", "Hi, Alice here.", None),
                            (SENDER, "alice", RETURNED_NOTE, "returned")]
    assert audit_actions(console.url) == [("alice", "takeover_claim", ""),
                                          ("alice", "takeover_message", "15 characters, widget"),
                                          ("alice", "takeover_return", "")]
    with session_scope(console.url) as session:
        assert claims.holder(session, SENDER) is None


def test_the_queue_shows_who_has_taken_a_handoffs_conversation_over(console):
    reference = record_handoff(HandoffRequest(
        idempotency_key="crisis:queue", channel="socketio", sender_id=SENDER, topics=[], reason="crisis",
        urgent=True, consent=False), console.url).reference
    alice = console.browser("alice")
    assert "taken over by" not in alice.get("/staff/queue").get_data(as_text=True)
    post(alice, "/staff/takeover/claim")
    row = alice.get("/staff/queue").get_data(as_text=True).split(f'id="handoff-{reference}"')[1]
    assert "taken over by alice" in row.split("</tr>")[0]


def test_a_second_staff_member_is_told_who_holds_it_and_cannot_write(console):
    alice, bob = console.browser("alice"), console.browser("bob")
    post(alice, "/staff/takeover/claim")
    post(bob, "/staff/takeover/claim")
    page = bob.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    assert "alice has already taken over this conversation" in page
    assert "Your reply to the patient" not in page
    post(bob, "/staff/takeover/reply", text="sneaky")
    post(bob, "/staff/takeover/return")
    assert "no longer hold this conversation" in bob.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    assert [text for _, _, text, _ in console.sent] == [JOINED_NOTE]
    with session_scope(console.url) as session:
        assert claims.holder(session, SENDER) == "alice"


def test_a_claim_the_patient_cannot_be_told_of_is_undone(console, monkeypatch):
    def unreachable(*args, **kwargs):
        raise relay.RelayFailed("The assistant's server could not be reached (ConnectionError).")

    monkeypatch.setattr(relay, "send", unreachable)
    alice = console.browser("alice")
    post(alice, "/staff/takeover/claim")
    assert "Not taken over" in alice.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    with session_scope(console.url) as session:
        assert claims.holder(session, SENDER) is None


def test_staff_messages_show_as_the_staff_members_and_arrive_live(console):
    alice = console.browser("alice")
    add_event(console.url, "bot", "Hello from Alice", {"staff": "alice"})
    page = alice.get(f"/staff/conversations/{SENDER}").get_data(as_text=True)
    assert "Staff: alice" in page and 'data-count="2"' in page
    add_event(console.url, "user", "thanks <b>Alice</b>")
    live = alice.get(f"/staff/takeover/live?sender_id={SENDER}&after=2").get_json()
    assert live["count"] == 3 and live["holder"] is None
    assert [(e["kind"], e["text"], e["staff"]) for e in live["entries"]] == [("user", "thanks <b>Alice</b>", None)]
    assert console.browser().get(f"/staff/takeover/live?sender_id={SENDER}").status_code == 302  # logged out
    exported = alice.post("/staff/export/transcripts.csv", data={"csrf_token": csrf_token(alice, "/staff/queue"),
                                                                 "sender_id": SENDER}).get_data(as_text=True)
    assert ",staff: alice,,Hello from Alice," in exported
    found = alice.get("/staff/search?q=hello+from+alice").get_data(as_text=True)
    assert "staff: alice" in found and "Hello from Alice" in found
