"""Retention: `make purge-conversations DAYS=N` deletes old conversation events, keeps recent ones, and
keeps handoffs (redacting the contact details of finished old ones, never touching open ones)."""

import asyncio
import os
import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.handoffs.database import session_scope
from clinic.handoffs.models import Handoff, utc_now
from clinic.sms.models import SmsMessage
from clinic.tracker_store import DatabaseUrlTrackerStore
from staff.conversations import EVENTS
from staff.models import AuditEntry
from tests.handoff_db import ROOT, fresh_postgres_database, migrate

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
DAY = 86400


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
        migrate(url)
        yield url
    else:
        with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
            migrate(url)
            yield url


def save_conversation(url, sender, days_ago_by_message):
    """A conversation through Rasa's own tracker store, one message per (age in days, text)."""
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for days_ago, text in days_ago_by_message:
        at = time.time() - days_ago * DAY
        for event in [SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at),
                      UserUttered(text, intent={"name": "faq", "confidence": 0.9}, timestamp=at),
                      BotUttered("an answer", timestamp=at + 1)]:
            tracker.update(event)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def add_handoff(url, reference, days_ago, status):
    with session_scope(url) as session:
        session.add(Handoff(reference=reference, idempotency_key=f"test:{reference}", channel="rest",
                            sender_id=f"sender-{reference}", name="Sam Patient", phone="+14155550000",
                            email="sam@example.com", preferred_time="mornings",
                            reason="Accepted the staff offer after: is it safe with my meds?", topics="faq/dose",
                            urgent=False, consent=True, status=status,
                            created_at=utc_now() - timedelta(days=days_ago)))


def purge(url, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env["DATABASE_URL"] = url
    return subprocess.run(["make", "--no-print-directory", "purge-conversations", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def texts(url, sender):
    import json

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender)
                                      .where(EVENTS.c.type_name == "user").order_by(EVENTS.c.id))
            return [json.loads(data)["text"] for (data,) in rows]
    finally:
        engine.dispose()


def test_purge_deletes_old_events_keeps_recent_ones_and_redacts_only_finished_old_handoffs(database):
    save_conversation(database, "old-only", [(100, "an old question")])
    save_conversation(database, "mixed", [(45, "a question last month"), (2, "a question this week")])
    save_conversation(database, "recent", [(1, "a question yesterday")])
    add_handoff(database, "OLD-CLO", 100, "closed")
    add_handoff(database, "OLD-BKD", 60, "booked")
    add_handoff(database, "OLD-NEW", 100, "new")
    add_handoff(database, "NEW-CLO", 3, "closed")
    with session_scope(database) as session:
        session.add(SmsMessage(message_sid="SMold", sender_id="sms-x", received_at=utc_now() - timedelta(days=90),
                               reply="<Response/>"))
        session.add(SmsMessage(message_sid="SMnew", sender_id="sms-x", reply="<Response/>"))

    result = purge(database, "DAYS=30")
    assert result.returncode == 0, result.stderr
    assert "events deleted from 2 conversation(s)" in result.stdout
    assert "1 processed SMS message id(s) deleted" in result.stdout
    assert "2 finished handoff(s) redacted" in result.stdout

    assert texts(database, "old-only") == []
    assert texts(database, "mixed") == ["a question this week"]
    assert texts(database, "recent") == ["a question yesterday"]
    with session_scope(database) as session:
        handoffs = {h.reference: h for h in session.query(Handoff)}
        assert set(handoffs) == {"OLD-CLO", "OLD-BKD", "OLD-NEW", "NEW-CLO"}  # none deleted
        for reference in ("OLD-CLO", "OLD-BKD"):
            redacted = handoffs[reference]
            assert (redacted.name, redacted.phone, redacted.email, redacted.preferred_time) == (None,) * 4
            assert "meds" not in redacted.reason and redacted.redacted_at is not None
            assert redacted.topics == "faq/dose" and redacted.status in ("closed", "booked")
        for reference in ("OLD-NEW", "NEW-CLO"):  # open, or finished but recent: untouched
            kept = handoffs[reference]
            assert kept.phone == "+14155550000" and "meds" in kept.reason and kept.redacted_at is None
        assert [m.message_sid for m in session.query(SmsMessage)] == ["SMnew"]
        audit = session.query(AuditEntry).filter(AuditEntry.action == "purge_conversations").one()
        assert audit.target == "older than 30 days" and "2 finished handoffs redacted" in audit.detail

    again = purge(database, "DAYS=30")
    assert "0 events deleted" in again.stdout and "0 finished handoff(s) redacted" in again.stdout


def test_the_default_retention_comes_from_the_environment(database, monkeypatch):
    save_conversation(database, "ten-days", [(10, "ten days ago")])
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    result = purge(database)
    assert result.returncode == 0 and "older than 7 days" in result.stdout
    assert texts(database, "ten-days") == []


def test_a_retention_of_zero_days_is_refused(database):
    save_conversation(database, "today", [(0, "today")])
    result = purge(database, "DAYS=0")
    assert result.returncode != 0 and "at least 1" in result.stderr
    assert texts(database, "today") == ["today"]


def test_the_events_table_is_described_as_rasa_creates_it():
    from rasa.core.tracker_store import SQLTrackerStore

    def columns(table):
        return [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]

    assert columns(EVENTS) == columns(SQLTrackerStore.SQLEvent.__table__)

