"""Waiting out a database restart: retry an operation while the database is unreachable.

Used by the tracker store and the SMS channel, so a PostgreSQL restart (a few seconds) slows answers
down instead of failing them. DATABASE_RETRY_SECONDS (default 30) bounds the wait.
"""

import asyncio
import logging
import os
import time
from typing import Awaitable, Callable, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)
T = TypeVar("T")
UNREACHABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def retry_seconds() -> float:
    return float(os.environ.get("DATABASE_RETRY_SECONDS", "30"))


async def while_unreachable(operation: Callable[[], Awaitable[T]], what: str) -> T:
    """Runs `operation`, again and again while the database is unreachable, up to the time limit."""
    deadline = time.monotonic() + retry_seconds()
    delay = 0.2
    while True:
        try:
            return await operation()
        except UNREACHABLE as error:
            if time.monotonic() >= deadline:
                raise
            logger.warning("%s: database unreachable (%s); retrying in %.1f s", what, type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
