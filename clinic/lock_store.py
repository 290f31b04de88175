"""The production profile's lock store: Rasa's Redis lock store that keeps serving when Redis is down.

Rasa takes a lock per conversation while it handles a message, so two messages of one conversation are
never processed at once. With several replicas the lock must live in Redis (REDIS_URL). Rasa's own
RedisLockStore fails every message with a 500 while Redis is unreachable; this subclass falls back to
an in-process lock instead, logs the outage once, and tries Redis again every few seconds.

Why that is safe here: nginx routes every conversation to one replica (sticky by sender, see
docs/production.md), so an in-process lock still serialises the messages of a conversation. What is
lost during a Redis outage is only the second line of defence for the moment a conversation moves to
another replica (a replica died) while its previous message is still being handled.
Referenced from endpoints.prod.yml as `clinic.lock_store.ResilientRedisLockStore`.
"""

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text, Tuple

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from clinic import settings

logger = logging.getLogger(__name__)


def _is_redis_error(error: BaseException) -> bool:
    """A Redis failure, also when Rasa wrapped it in a LockError."""
    return isinstance(error, redis.RedisError) or isinstance(error.__context__, redis.RedisError)


async def wait_for_turn(
    store: LockStore, conversation_id: Text, lifetime: float, wait_seconds: float
) -> Tuple[TicketLock, int]:
    """Takes a ticket and waits until it is served; returns the lock and the ticket served.

    Rasa's own loop waits for ever when the waiting ticket expires too: a ticket held by a replica
    that died expires after its lifetime, and a message that arrived just after the death has a
    ticket expiring at about the same moment; once both are gone, `now_serving` is 0 and never the
    waiter's number. Here a waiter whose ticket has expired takes a new one.
    """
    ticket = store.issue_ticket(conversation_id, lifetime)
    while True:
        lock = store.get_lock(conversation_id)
        if lock is not None and not lock.is_locked(ticket):
            return lock, ticket
        if lock is None or all(held.number != ticket for held in lock.tickets):
            ticket = store.issue_ticket(conversation_id, lifetime)
            continue
        await asyncio.sleep(wait_seconds)
        store.update_lock(conversation_id)


class ResilientRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, url: Optional[str] = None, retry_seconds: float = 5.0) -> None:
        # RedisLockStore.__init__ takes the address in parts; the whole URL comes from the environment.
        self.red = redis.StrictRedis.from_url(url or settings.redis_url(), socket_timeout=2, socket_connect_timeout=2)
        self.key_prefix = "clinic:lock:"
        self._fallback = InMemoryLockStore()
        self._retry_seconds = retry_seconds
        self._redis_down_since: Optional[float] = None
        self._retry_at = 0.0

    @property
    def redis_available(self) -> bool:
        return self._redis_down_since is None

    def _redis_failed(self, error: BaseException) -> None:
        now = time.monotonic()
        if self._redis_down_since is None:
            self._redis_down_since = now
            logger.error(
                "Redis lock store unreachable (%s); using in-process conversation locks until it is "
                "back (safe while nginx keeps each conversation on one replica)",
                type(error).__name__,
            )
        self._retry_at = now + self._retry_seconds

    def _redis_ok(self) -> None:
        if self._redis_down_since is not None:
            logger.warning("Redis lock store reachable again after %.0f s", time.monotonic() - self._redis_down_since)
            self._redis_down_since = None

    def _use_redis(self) -> bool:
        return self._redis_down_since is None or time.monotonic() >= self._retry_at

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        store: Any = self if self._use_redis() else self._fallback
        lock = ticket = None
        if store is self:
            try:
                lock, ticket = await wait_for_turn(self, conversation_id, lock_lifetime, wait_time_in_seconds)
                self._redis_ok()
            except (LockError, redis.RedisError) as error:
                if not _is_redis_error(error):
                    raise
                self._redis_failed(error)
                store = self._fallback
        if store is self._fallback:
            lock, ticket = await wait_for_turn(self._fallback, conversation_id, lock_lifetime, wait_time_in_seconds)
        try:
            yield lock
        finally:
            try:
                store.cleanup(conversation_id, ticket)
            except redis.RedisError as error:
                # The ticket expires by itself after its lifetime.
                self._redis_failed(error)
