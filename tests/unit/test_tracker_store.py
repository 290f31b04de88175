"""Conversations are stored in the database named by DATABASE_URL and survive a new store (restart)."""

import asyncio
import uuid

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
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


def stored_events(store, sender):
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [row[0] for row in rows]


def statements_of(store):
    """The SQL statements the store's engine runs from now on."""
    seen = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def a_turn(tracker, text):
    tracker.update(UserUttered(text, intent={"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(ActionExecuted("action_listen"))


def test_each_turn_stores_only_its_new_events_without_counting_the_stored_ones(tmp_path):
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    sender = f"test-{uuid.uuid4()}"
    tracker = asyncio.run(store.get_or_create_tracker(sender))  # one action_listen, saved
    statements = statements_of(store)
    a_turn(tracker, "hi")
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(sender))
    a_turn(tracker, "hello again")
    asyncio.run(store.save(tracker))

    assert stored_events(store, sender) == ["action"] + ["user", "action", "action"] * 2
    assert not [s for s in statements if "count(" in s.lower()], statements
    restarted = DatabaseUrlTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    assert asyncio.run(restarted.retrieve(sender)).latest_message.text == "hello again"


def test_a_tracker_the_store_did_not_read_has_its_stored_events_counted(tmp_path):
    # Another store object (another replica, the staff relay) saved the first turn; this one saves a
    # tracker it never read: it counts what is stored instead of writing the first turn twice.
    url = f"sqlite:///{tmp_path / 'c.db'}"
    sender = f"test-{uuid.uuid4()}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    a_turn(tracker, "hi")
    asyncio.run(DatabaseUrlTrackerStore(domain=DOMAIN, host=url).save(tracker))
    a_turn(tracker, "second")
    other = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    asyncio.run(other.save(tracker))

    assert stored_events(other, sender) == ["user", "action", "action"] * 2


def test_a_commit_whose_answer_was_lost_is_not_written_twice_by_the_retry(tmp_path, monkeypatch):
    # A database restart can drop the connection after the COMMIT was applied: the store sees an
    # error and retries (clinic.db_retry), and the retry must not store the turn a second time.
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    sender = f"test-{uuid.uuid4()}"
    tracker = asyncio.run(store.get_or_create_tracker(sender))
    a_turn(tracker, "hi")
    commit, lost = sa.orm.Session.commit, []

    def commit_then_lose_the_answer(session):
        commit(session)
        if not lost:
            lost.append(True)
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(sa.orm.Session, "commit", commit_then_lose_the_answer)
    asyncio.run(store.save(tracker))

    assert lost and stored_events(store, sender) == ["action", "user", "action", "action"]


def test_a_new_session_is_stored_after_the_old_one_and_read_alone(tmp_path):
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    sender = f"test-{uuid.uuid4()}"
    tracker = asyncio.run(store.get_or_create_tracker(sender))
    a_turn(tracker, "first session")
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    a_turn(tracker, "second session")
    asyncio.run(store.save(tracker))

    assert stored_events(store, sender) == ["action", "user", "action", "action"] + [
        "action", "session_started", "action", "user", "action", "action",
    ]
    latest = asyncio.run(store.retrieve(sender))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["second session"]


class RasasOwnCode(DatabaseUrlTrackerStore):
    """The same store reading and writing with Rasa's own SQLTrackerStore code (ORM queries and objects)."""

    async def _read(self, sender_id, fetch_events_from_all_sessions):
        return await SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions)

    async def _write(self, tracker):
        await SQLTrackerStore.save(self, tracker)


def two_sessions(start):
    """A conversation's events in two sessions, turn by turn, with fixed timestamps."""
    t = iter(range(start, start + 100))
    return [
        [ActionExecuted("action_session_start", timestamp=next(t)), SessionStarted(timestamp=next(t)),
         ActionExecuted("action_listen", timestamp=next(t))],
        [UserUttered("how long is it for PTSD?", intent={"name": "faq", "confidence": 0.8},
                     entities=[{"entity": "condition", "value": "ptsd", "start": 20, "end": 24}], timestamp=next(t)),
         SlotSet("condition", "ptsd", timestamp=next(t)), ActionExecuted("action_answer", timestamp=next(t)),
         BotUttered("One infusion takes 40 to 60 minutes.", timestamp=next(t)),
         ActionExecuted("action_listen", timestamp=next(t))],
        [ActionExecuted("action_session_start", timestamp=next(t)), SessionStarted(timestamp=next(t)),
         ActionExecuted("action_listen", timestamp=next(t))],
        [UserUttered("thanks", intent={"name": "thank", "confidence": 0.9}, timestamp=next(t)),
         ActionExecuted("utter_welcome", timestamp=next(t)), ActionExecuted("action_listen", timestamp=next(t))],
    ]


def test_reads_and_rows_are_those_of_rasas_own_sql_store(empty_database):
    ours = DatabaseUrlTrackerStore(domain=DOMAIN, host=empty_database)
    rasas = RasasOwnCode(domain=DOMAIN, host=empty_database)
    for store in (ours, rasas):
        sender = type(store).__name__
        tracker = DialogueStateTracker(sender, DOMAIN.slots)
        for turn in two_sessions(1_700_000_000):
            for event in turn:
                tracker.update(event)
            asyncio.run(store.save(tracker))
            tracker = asyncio.run(store.retrieve(sender))  # the latest session only, then saved on top

    with ours.engine.connect() as connection:
        rows = {
            sender: connection.execute(
                sa.text("SELECT type_name, timestamp, intent_name, action_name, data FROM events "
                        "WHERE sender_id = :s ORDER BY id"), {"s": sender}).all()
            for sender in ("DatabaseUrlTrackerStore", "RasasOwnCode")
        }
    assert len(rows["DatabaseUrlTrackerStore"]) == 14
    assert rows["DatabaseUrlTrackerStore"] == rows["RasasOwnCode"]
    assert rows["DatabaseUrlTrackerStore"][3][2:4] == ("faq", None)  # the intent's own column

    def read(store, sender, full):
        tracker = asyncio.run(store.retrieve_full_tracker(sender) if full else store.retrieve(sender))
        return [event.as_dict() for event in tracker.events]

    for sender in ("DatabaseUrlTrackerStore", "RasasOwnCode"):
        for full in (False, True):
            assert read(ours, sender, full) == read(rasas, sender, full)
        latest = [e.get("name") or e.get("text") or e["event"] for e in read(ours, sender, False)]
        assert latest == ["session_started", "action_listen", "thanks", "utter_welcome", "action_listen"]
        assert len(read(ours, sender, True)) == 14
    assert asyncio.run(ours.retrieve("nobody")) is None and asyncio.run(rasas.retrieve("nobody")) is None
