"""Retention: `make purge-conversations DAYS=N` deletes old conversation events, keeps recent ones, and
keeps handoffs (redacting the contact details of finished old ones, never touching open ones)."""

from datetime import timedelta

from clinic.db import session_scope, utc_now
from clinic.handoffs.models import Handoff
from clinic.sms.models import SmsMessage
from staff.conversations import EVENTS
from staff.models import AuditEntry
from tests.support.database import add_handoff, save_conversation
from tests.support.database import user_texts as texts
from tests.support.make_run import make_target


def purge(url, *args):
    return make_target("purge-conversations", *args, env={"DATABASE_URL": url})


def test_purge_deletes_old_events_keeps_recent_ones_and_redacts_only_finished_old_handoffs(migrated_database):
    save_conversation(migrated_database, "old-only", [(100, "an old question")])
    save_conversation(migrated_database, "mixed", [(45, "a question last month"), (2, "a question this week")])
    save_conversation(migrated_database, "recent", [(1, "a question yesterday")])
    add_handoff(migrated_database, "OLD-CLO", 100, "closed")
    add_handoff(migrated_database, "OLD-BKD", 60, "booked")
    add_handoff(migrated_database, "OLD-NEW", 100, "new")
    add_handoff(migrated_database, "NEW-CLO", 3, "closed")
    with session_scope(migrated_database) as session:
        session.add(SmsMessage(message_sid="SMold", sender_id="sms-x", received_at=utc_now() - timedelta(days=90),
                               reply="<Response/>"))
        session.add(SmsMessage(message_sid="SMnew", sender_id="sms-x", reply="<Response/>"))

    result = purge(migrated_database, "DAYS=30")
    assert result.returncode == 0, result.stderr
    assert "events deleted from 2 conversation(s)" in result.stdout
    assert "1 processed SMS message id(s) deleted" in result.stdout
    assert "2 finished handoff(s) redacted" in result.stdout

    assert texts(migrated_database, "old-only") == []
    assert texts(migrated_database, "mixed") == ["a question this week"]
    assert texts(migrated_database, "recent") == ["a question yesterday"]
    with session_scope(migrated_database) as session:
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

    again = purge(migrated_database, "DAYS=30")
    assert "0 events deleted" in again.stdout and "0 finished handoff(s) redacted" in again.stdout


def test_the_default_retention_comes_from_the_environment(migrated_database, monkeypatch):
    save_conversation(migrated_database, "ten-days", [(10, "ten days ago")])
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    result = purge(migrated_database)
    assert result.returncode == 0 and "older than 7 days" in result.stdout
    assert texts(migrated_database, "ten-days") == []


def test_a_retention_of_zero_days_is_refused(migrated_database):
    save_conversation(migrated_database, "today", [(0, "today")])
    result = purge(migrated_database, "DAYS=0")
    assert result.returncode != 0 and "at least 1" in result.stderr
    assert texts(migrated_database, "today") == ["today"]


def test_the_events_table_is_described_as_rasa_creates_it():
    from rasa.core.tracker_store import SQLTrackerStore

    def columns(table):
        return [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]

    assert columns(EVENTS) == columns(SQLTrackerStore.SQLEvent.__table__)

