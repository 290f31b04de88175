"""Conversations are stored in the database named by DATABASE_URL and survive a new store (restart)."""

import asyncio
import uuid

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic import settings
from clinic.tracker_store import DatabaseUrlTrackerStore

DOMAIN = Domain.load("domain.yml")


def save_and_reload(url: str):
    sender = f"test-{uuid.uuid4()}"
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("I want to die", intent={"name": "crisis", "confidence": 1.0}),
        SlotSet("crisis", True),
        ActionExecuted("utter_crisis"),
    ]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    restarted = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    return asyncio.run(restarted.retrieve(sender))


def test_default_database_is_a_sqlite_file_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert settings.database_url() == f"sqlite:///{settings.PROJECT_ROOT / 'var' / 'clinic.db'}"


def test_heroku_style_postgres_url_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/clinic")
    assert settings.database_url() == "postgresql://u:p@db:5432/clinic"


def test_the_store_reads_database_url(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'conversations.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = DatabaseUrlTrackerStore(domain=DOMAIN)
    assert str(store.engine.url) == url
    assert (tmp_path / "nested").is_dir()


def test_sqlite_conversation_survives_a_new_store(tmp_path):
    tracker = save_and_reload(f"sqlite:///{tmp_path / 'clinic.db'}")
    assert tracker.get_slot("crisis") is True
    assert tracker.latest_message.text == "I want to die"


def test_postgresql_conversation_survives_a_new_store(postgres_url):
    tracker = save_and_reload(postgres_url)
    assert tracker.get_slot("crisis") is True
    assert tracker.latest_message.intent["name"] == "crisis"


def test_sqlite_tracker_connections_are_pooled_in_wal_mode_without_fsync_per_commit(tmp_path):
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    with store.engine.connect() as first:
        assert first.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert first.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        raw = first.connection.dbapi_connection
    with store.engine.connect() as second:
        assert second.connection.dbapi_connection is raw  # reused, not reopened per query
