"""Rasa's SQL tracker store, pointed at the project's one `DATABASE_URL`.

Rasa's own `SQLTrackerStore` takes the URL in parts (dialect, host, db, ...); this subclass hands it the
whole SQLAlchemy URL from `clinic.settings`, so SQLite and PostgreSQL are one setting apart.
Referenced from endpoints.yml as `clinic.tracker_store.DatabaseUrlTrackerStore`.

On SQLite the tracker store keeps its connections open in a pool (Rasa opens and closes one per
query, and closing the last one checkpoints the write-ahead log every time), and they use WAL mode with
`synchronous=NORMAL`: a commit no longer waits for the disk, the file stays consistent after any crash,
and only a power cut can lose the last turns of a conversation. The handoff log keeps SQLite's default
(FULL) on its own connections: a handoff is on disk before the person is told it is.
"""

from pathlib import Path
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from clinic import settings


class DatabaseUrlTrackerStore(SQLTrackerStore):
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
        if parsed.get_backend_name() == "sqlite":
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False, "timeout": 30}
            )
            sa.event.listen(self.engine, "connect", _sqlite_without_fsync_per_commit)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)


def _sqlite_without_fsync_per_commit(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
