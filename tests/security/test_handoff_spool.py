"""One bad handoff record must not pass for "database down", nor hold up the others, nor break a staff
page: the handoff service against a real database (SQLite and PostgreSQL), the staff console through
its app factory."""

import json
import logging
import os

from clinic.db import session_scope
from clinic.handoffs import service, spool
from clinic.handoffs.models import Handoff
from clinic.handoffs.service import HandoffRequest, flush_spool, record_handoff
from tests.support.database import add_handoff, save_conversation
from tests.support.staff_console import csrf_token

LONG_SESSION_ID = "s" * 300  # an over-long socket.io session id


def crisis(sender_id="visitor-1", channel="socketio", key=None, kind="crisis") -> HandoffRequest:
    return HandoffRequest(idempotency_key=key or f"crisis:{sender_id}:1764650000.0", channel=channel,
                          sender_id=sender_id, reason="Crisis message: follow up urgently.", urgent=True,
                          kind=kind, name="Sam Lee", phone="+14155552671")


def rows(url):
    with session_scope(url) as session:
        return {h.reference: (h.channel, h.sender_id, h.idempotency_key, h.urgent, h.name, h.kind)
                for h in session.query(Handoff)}


def test_a_bad_field_is_cut_or_replaced_logged_as_an_error_and_the_handoff_lands(console, spool_dir, caplog):
    with caplog.at_level(logging.ERROR, logger="clinic.handoffs.service"):
        listed = record_handoff(crisis(channel=["rest", "socketio"]), console.url)
        long_id = record_handoff(crisis(sender_id=LONG_SESSION_ID, channel="c" * 100), console.url)
        nul = record_handoff(HandoffRequest(idempotency_key="booking:visitor-3:m1", channel="rest",
                                            sender_id="visitor-3", reason="Asked to book", name="Sam\x00Lee",
                                            consent=True), console.url)
        unknown_kind = record_handoff(crisis(sender_id="visitor-4", kind="vip"), console.url)
    assert listed.stored and long_id.stored and nul.stored and unknown_kind.stored  # in the database, not "spooled"
    stored = rows(console.url)
    assert stored[listed.reference][0] == "unknown"
    channel, sender, key, urgent, _, _ = stored[long_id.reference]
    assert channel == "c" * 32 and sender == LONG_SESSION_ID[:255] and urgent
    assert key.startswith("sha256:") and len(key) <= 200
    assert stored[nul.reference][4] == "SamLee"
    assert stored[unknown_kind.reference][5] == "crisis"  # read from urgent
    assert list(spool.pending()) == [] and spool.dead_letters() == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 4
    assert "channel was a list, not text: replaced" in errors[0]
    assert "sender_id longer than 255 characters: cut" in errors[1] and "idempotency_key too long" in errors[1]
    assert "kind was not one of request, crisis, possible_crisis: read from urgent" in errors[3]
    assert all("+14155552671" not in e and "Sam" not in e for e in errors)  # never contact details
    # Retried (Rasa retries an action): the same row, not a second one.
    assert record_handoff(crisis(sender_id=LONG_SESSION_ID, channel="c" * 100), console.url).reference == \
        long_id.reference
    assert len(rows(console.url)) == 4


def test_a_record_the_database_refuses_is_dead_lettered_and_shown_to_staff(console, caplog, monkeypatch):
    add_handoff(console.url, "KX7-4F2", 0, "new")
    monkeypatch.setattr(service, "new_reference", lambda: "KX7-4F2")  # drawn twice: the database refuses
    with caplog.at_level(logging.ERROR, logger="clinic.handoffs.service"):
        refused = record_handoff(crisis(sender_id="visitor-9"), console.url)
    assert not refused.stored and list(spool.pending()) == []  # not taken for an outage
    [letter] = spool.dead_letters()
    assert letter.record["sender_id"] == "visitor-9" and "IntegrityError" in letter.reason
    assert any("dead-letter" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    # The same action retried finds it there: still one record, the same reference.
    assert record_handoff(crisis(sender_id="visitor-9"), console.url).reference == "KX7-4F2"
    console.account("sam.staff")
    page = console.browser("sam.staff").get("/staff/queue").get_data(as_text=True)
    assert "Handoffs the database refused (1)" in page
    section = page[page.index("Handoffs the database refused"):page.index("</section>")]
    assert "KX7-4F2" in section and "URGENT: crisis" in section and "Sam Lee" in section
    assert "IntegrityError" in section and "visitor-9" in section


def test_the_spool_flush_goes_past_a_bad_record_to_the_urgent_one_behind_it(console, spool_dir):
    """Spooled during an outage by an older version: a list-valued channel, a file cut short by a full
    disk, a reference that clashes; behind them an urgent crisis handoff."""
    add_handoff(console.url, "CLA-SH1", 0, "new")
    base = {"reason": "Asked to book", "topics": [], "urgent": False, "consent": True, "name": "Sam Lee",
            "phone": None, "email": None, "preferred_time": None, "created_at": "2026-12-01T10:00:00"}
    records = [
        {**base, "idempotency_key": "booking:a:1", "reference": "AAA-AAA", "channel": ["rest"], "sender_id": "a"},
        None,  # half a file
        {**base, "idempotency_key": "booking:b:1", "reference": "CLA-SH1", "channel": "rest", "sender_id": "b"},
        {**base, "idempotency_key": "crisis:c:1", "reference": "URG-ENT", "channel": "twilio", "sender_id": "c",
         "urgent": True, "reason": "Crisis message"},
    ]
    spool_dir.mkdir(parents=True, exist_ok=True)
    for number, record in enumerate(records):
        path = spool_dir / f"{number:032d}.json"
        path.write_text(json.dumps(record) if record else '{"idempotency_key": "booking:d:1", "refer')
        os.utime(path, (1764650000 + number,) * 2)  # spooled in this order
    assert flush_spool(console.url) == 2
    stored = rows(console.url)
    assert stored["AAA-AAA"][0] == "unknown" and stored["URG-ENT"][3] is True
    # Spooled before handoffs had kinds: the urgent one was the crisis reply's.
    assert (stored["AAA-AAA"][5], stored["URG-ENT"][5]) == ("request", "crisis")
    assert list(spool.pending()) == []
    letters = spool.dead_letters()
    assert len(letters) == 2
    assert {"CLA-SH1" if l.record.get("reference") else "unreadable" for l in letters} == {"CLA-SH1", "unreadable"}
    assert flush_spool(console.url) == 0  # nothing left to block anything


def test_a_list_valued_input_channel_does_not_break_the_conversation_pages(console):
    save_conversation(console.url, "forged-channel", [(0, "how long is an infusion?")],
                      input_channel=["rest", "twilio"])
    save_conversation(console.url, "long-channel", [(0, "how many infusions?")], input_channel="x" * 5000)
    console.account("ann.admin", "admin")
    admin = console.browser("ann.admin")
    for path in ("/staff/conversations", "/staff/conversations?channel=web", "/staff/conversations/forged-channel",
                 "/staff/conversations/long-channel", "/staff/search?q=infusion", "/staff/unanswered"):
        response = admin.get(path)
        assert response.status_code == 200, path
    listing = admin.get("/staff/conversations").get_data(as_text=True)
    assert "forged-channel" in listing and "x" * 33 not in listing
    assert "unknown" in admin.get("/staff/conversations/forged-channel").get_data(as_text=True)
    exported = admin.post("/staff/export/transcripts.csv", data={"csrf_token": csrf_token(admin, "/staff/queue")})
    assert exported.status_code == 200 and "forged-channel" in exported.get_data(as_text=True)
