"""Rasa's SQL tracker store, pointed at the project's one `DATABASE_URL`.

Rasa's own `SQLTrackerStore` takes the URL in parts (dialect, host, db, ...); this subclass hands it the
whole SQLAlchemy URL from `clinic.settings`, so SQLite and PostgreSQL are one setting apart.

Two changes for a database that restarts (docs/production.md):
- on a server database its engine checks a pooled connection before use (`pool_pre_ping`), which
  Rasa's does not;
- reading and saving a conversation are retried for up to DATABASE_RETRY_SECONDS (default 30) while
  the database is unreachable. Rasa wraps every tracker store in a FailSafeTrackerStore that, on the
  first error, goes on with an empty in-memory conversation: the person's conversation would restart
  mid-booking and the messages of the outage would never reach the database. Waiting out a restart
  (a few seconds) keeps both; only an outage longer than the retry window reaches Rasa's fallback.
Referenced from endpoints.yml as `clinic.tracker_store.DatabaseUrlTrackerStore`.

On SQLite the tracker store keeps its connections open in a pool (Rasa opens and closes one per
query, and closing the last one checkpoints the write-ahead log every time), and they use WAL mode with
`synchronous=NORMAL`: a commit no longer waits for the disk, the file stays consistent after any crash,
and only a power cut can lose the last turns of a conversation. The handoff log keeps SQLite's default
(FULL) on its own connections: a handoff is on disk before the person is told it is.

A save writes the events the tracker gained since it was read or last saved. Rasa's store finds them
by counting the conversation's stored rows first (a query with a subquery, 8 % of a turn in `make
profile`); this one remembers, for each tracker object it read or saved, how many of its events are
stored, and counts only for a tracker it does not know (docs/performance.md). Under the conversation's
lock (Rasa's lock store) nobody else writes that conversation between the read and the save, so the
two agree. A save that failed forgets the remembered count, so its retry counts: a restart can drop the
connection after the database applied the COMMIT, and the turn must not be stored twice.

Reads and saves run Rasa's own queries written in SQLAlchemy Core, built once at import: the read
fetches the events' JSON without making an ORM object of each row, and the save runs one INSERT per new
event, in their order, without the ORM's unit of work. The rows and the trackers read are those of
Rasa's code (tests/unit/test_tracker_store.py); about 1.2 ms a turn less on SQLite, 1.8 ms on PostgreSQL.
"""

import itertools
import json
import weakref
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from clinic import db_retry, settings


class DatabaseUrlTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine  # made by SQLTrackerStore.__init__, replaced in ours

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host if host and "://" in host else settings.database_url()
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.engine.dispose()
        if parsed.get_backend_name() == "sqlite":
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False, "timeout": 30}
            )
            sa.event.listen(self.engine, "connect", _sqlite_without_fsync_per_commit)
        else:
            self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
        # id(tracker) -> how many of its events are stored, for the tracker objects alive that this
        # store read (latest session) or saved; an entry goes when its tracker is garbage-collected.
        self._stored_events: Dict[int, int] = {}

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        tracker = await db_retry.while_unreachable(
            lambda: self._read(sender_id, fetch_events_from_all_sessions), "Tracker store"
        )
        if tracker is not None and not fetch_events_from_all_sessions:
            self._remember_stored(tracker)
        return tracker

    async def _read(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's `_retrieve` with the same query in SQLAlchemy Core, built once: the events' JSON only,
        no ORM objects."""
        statement = _ALL_SESSIONS if fetch_events_from_all_sessions else _LATEST_SESSION
        with self.session_scope() as session:
            rows = session.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await db_retry.while_unreachable(lambda: self._write(tracker), "Tracker store")
        self._remember_stored(tracker)

    async def _write(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `save` with one Core INSERT per new event, in their order, in one transaction."""
        await self.stream_events(tracker)
        try:
            with self.session_scope() as session:
                for event in self._additional_events(session, tracker):
                    session.execute(_INSERT, _row(tracker.sender_id, event))
                session.commit()
        except sa.exc.SQLAlchemyError:
            # A commit the database applied but whose answer was lost (the connection dropped in a
            # restart) looks like a failed one: the retry counts what is stored, as Rasa's save does,
            # instead of writing the events a second time.
            self._stored_events.pop(id(tracker), None)
            raise

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored_events.get(id(tracker))
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def _remember_stored(self, tracker: DialogueStateTracker) -> None:
        """Every event of `tracker` is now stored. A tracker that keeps only its last events
        (`max_event_history`) cannot say which ones are new: the store counts for it."""
        if tracker._max_event_history is not None:
            return
        key = id(tracker)
        if key not in self._stored_events:
            weakref.finalize(tracker, self._stored_events.pop, key, None)
        self._stored_events[key] = len(tracker.events)


_EVENTS = SQLTrackerStore.SQLEvent.__table__
_SESSION_START = (
    sa.select(sa.func.max(_EVENTS.c.timestamp))
    .where(_EVENTS.c.sender_id == sa.bindparam("sender_id"), _EVENTS.c.type_name == SessionStarted.type_name)
    .scalar_subquery()
)
_ALL_SESSIONS = sa.select(_EVENTS.c.data).where(_EVENTS.c.sender_id == sa.bindparam("sender_id")).order_by(_EVENTS.c.id)
# Events from the latest `session_started` on, or all of them if there is none (as Rasa's `_event_query`).
_LATEST_SESSION = _ALL_SESSIONS.where(sa.or_(_EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None)))
_INSERT = _EVENTS.insert()


def _row(sender_id: Text, event: Event) -> Dict[str, Any]:
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_without_fsync_per_commit(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
