"""The project's own tables on the one DATABASE_URL: their declarative Base, engines, sessions, and
the clock they record times with (naive UTC). Models: clinic/handoffs/models.py, clinic/sms/models.py,
staff/models.py; schema changes: migrations/."""

from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from clinic import settings

Base = declarative_base()


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    options: Dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Several processes (action server, staff tools) share the file: wait for locks.
        options["connect_args"] = {"timeout": 30}
    return sa.create_engine(url, future=True, **options)


@lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(url), future=True)


def forget_engines() -> None:
    """Drops the cached engines and session factories (after a database is dropped, in tests)."""
    _session_factory.cache_clear()
    engine_for.cache_clear()


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on error."""
    session = _session_factory(url or settings.database_url())()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
