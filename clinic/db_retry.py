"""Waiting out a database restart: retry an operation while the database is unreachable.

Used by the tracker store and the SMS channel, so a PostgreSQL restart (a few seconds) slows answers
down instead of failing them. DATABASE_RETRY_SECONDS (default 30) bounds the wait.

`is_unreachable` is the one definition of "the database cannot be reached" (the handoff service
spools only then): an `OperationalError` (the DB-API's class for a failed connection, a lost one, a
locked or missing database file), any error after which SQLAlchemy invalidated the connection
(psycopg2's "connection already closed" is an `InterfaceError` of this kind), a pool that gave no
connection in time, or a disconnection found by the pre-ping. Anything else (a value too long, a
wrong type, a constraint) is a problem with the statement or the data: retrying cannot fix it.
"""

import asyncio
import logging
import os
import time
from typing import Awaitable, Callable, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)
T = TypeVar("T")


def is_unreachable(error: BaseException) -> bool:
    if isinstance(error, (sa.exc.OperationalError, sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    return isinstance(error, sa.exc.DBAPIError) and bool(error.connection_invalidated)


def retry_seconds() -> float:
    return float(os.environ.get("DATABASE_RETRY_SECONDS", "30"))


async def while_unreachable(operation: Callable[[], Awaitable[T]], what: str) -> T:
    """Runs `operation`, again and again while the database is unreachable, up to the time limit."""
    deadline = time.monotonic() + retry_seconds()
    delay = 0.2
    while True:
        try:
            return await operation()
        except sa.exc.SQLAlchemyError as error:
            if not is_unreachable(error) or time.monotonic() >= deadline:
                raise
            logger.warning("%s: database unreachable (%s); retrying in %.1f s", what, type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
