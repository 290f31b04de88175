"""Rasa's SQL tracker store, pointed at the project's one `DATABASE_URL`.

Rasa's own `SQLTrackerStore` takes the URL in parts (dialect, host, db, ...); this subclass hands it the
whole SQLAlchemy URL from `clinic.settings`, so SQLite and PostgreSQL are one setting apart.
Its engine checks a pooled connection before use (`pool_pre_ping`), which Rasa's does not: after a
PostgreSQL restart the first message on each stale connection would otherwise fail with a 500.
Referenced from endpoints.yml as `clinic.tracker_store.DatabaseUrlTrackerStore`.
"""

from pathlib import Path
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

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
        self.engine.dispose()
        self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
