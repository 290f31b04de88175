"""Claims on a conversation in the database (SQLite and PostgreSQL): one winner, idle claims end."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.db import engine_for, session_scope, utc_now
from clinic.takeover import claims
from staff.models import AuditEntry


def test_two_staff_claiming_at_once_one_wins(migrated_database):
    start = threading.Barrier(6)
    won, refused = [], []

    def claim(name):
        start.wait()
        try:
            with session_scope(migrated_database) as session:
                claims.claim(session, "conversation-1", name)
            won.append(name)
        except claims.AlreadyClaimed as taken:
            refused.append(taken.staff)

    threads = [threading.Thread(target=claim, args=(f"staff{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == 5
    assert set(refused) == {won[0]}  # the others are told who holds it
    with session_scope(migrated_database) as session:
        assert claims.holder(session, "conversation-1") == won[0]


def test_the_second_claim_gets_a_clear_message(migrated_database):
    with session_scope(migrated_database) as session:
        claims.claim(session, "conversation-1", "alice")
        with pytest.raises(claims.AlreadyClaimed, match="alice has already taken over this conversation"):
            claims.claim(session, "conversation-1", "bob")
        claims.claim(session, "conversation-2", "bob")  # another conversation: free


def test_idle_claim_ends_by_itself_and_activity_keeps_it(migrated_database, monkeypatch):
    monkeypatch.setenv("TAKEOVER_IDLE_MINUTES", "15")
    t0 = utc_now()
    with session_scope(migrated_database) as session:
        claims.claim(session, "c", "alice", now=t0)
        assert claims.touch(session, "c", "alice", now=t0 + timedelta(minutes=10))
        assert claims.holder(session, "c", now=t0 + timedelta(minutes=24)) == "alice"
        assert claims.expire_idle(session, "c", now=t0 + timedelta(minutes=24)) is None
        later = t0 + timedelta(minutes=26)
        assert claims.holder(session, "c", now=later) is None
        assert not claims.touch(session, "c", "alice", now=later)  # too late to write as the holder
        assert claims.expire_idle(session, "c", now=later) == "alice"
        assert claims.expire_idle(session, "c", now=later) is None  # once
        claims.claim(session, "c", "bob", now=later)
        assert claims.holder(session, "c", now=later) == "bob"
        audit = [(e.username, e.action, e.target, e.detail) for e in session.query(AuditEntry)]
        assert audit == [("alice", "takeover_idle_return", "c", "no activity for 15 minutes")]


def test_only_the_holder_returns_the_conversation(migrated_database):
    with session_scope(migrated_database) as session:
        claims.claim(session, "c", "alice")
        assert not claims.release(session, "c", "bob")
        assert claims.release(session, "c", "alice")
        assert claims.holder(session, "c") is None
        assert not claims.release(session, "c", "alice")


def test_a_message_reads_the_claim_in_one_statement_and_ends_an_idle_one(migrated_database, monkeypatch):
    """claims.state, which the Rasa server asks on every patient message (clinic.takeover.silence)."""
    monkeypatch.setenv("TAKEOVER_IDLE_MINUTES", "15")
    statements = []
    engine = engine_for(migrated_database)
    t0 = utc_now()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with session_scope(migrated_database) as session:
        claims.claim(session, "held", "alice", now=t0)
        claims.claim(session, "idle", "bob", now=t0 - timedelta(minutes=20))
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for sender_id, expected in [("nobody", (None, None)), ("held", ("alice", None))]:
            statements.clear()
            with session_scope(migrated_database) as session:
                assert claims.state(session, sender_id, now=t0) == expected
            assert [s.split()[0] for s in statements] == ["SELECT"]
        with session_scope(migrated_database) as session:
            assert claims.state(session, "idle", now=t0) == (None, "bob")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    with session_scope(migrated_database) as session:
        assert claims.state(session, "idle", now=t0) == (None, None)  # ended once, for good
        audit = [(e.username, e.action, e.target) for e in session.query(AuditEntry)]
        assert audit == [("bob", "takeover_idle_return", "idle")]
