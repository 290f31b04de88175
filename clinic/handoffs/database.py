"""Engine and sessions for the project's own tables, on the one DATABASE_URL."""

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from clinic import settings


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Several processes (action server, staff tools) share the file: wait for locks.
        options["connect_args"] = {"timeout": 30}
    return sa.create_engine(url, future=True, **options)


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on error."""
    factory = sessionmaker(bind=engine_for(url or settings.database_url()), future=True)
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
