"""The production profile's lock store: Redis locks, and in-process locks while Redis is unreachable."""

import asyncio
import os
import shutil

import pytest

from clinic.lock_store import ResilientRedisLockStore
from tests.support.ports import free_port
from tests.support.production import ThrowawayRedis


async def hold(store, conversation, seconds, log, name):
    async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.02):
        log.append(f"{name} in")
        await asyncio.sleep(seconds)
        log.append(f"{name} out")


def run_two_messages(store):
    """Two messages of one conversation at once: the second waits for the first."""
    log = []

    async def both():
        await asyncio.gather(hold(store, "c1", 0.2, log, "a"), hold(store, "c1", 0.0, log, "b"))

    asyncio.run(both())
    return log


def test_without_redis_messages_of_a_conversation_are_still_serialised(caplog):
    store = ResilientRedisLockStore(url=f"redis://127.0.0.1:{free_port()}/0")
    assert run_two_messages(store) == ["a in", "a out", "b in", "b out"]
    assert not store.redis_available
    assert "Redis lock store unreachable" in caplog.text


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server must be installed in CI")
        pytest.skip("redis-server not installed")
    server = ThrowawayRedis().start()
    yield server
    server.stop()


def test_locks_live_in_redis_and_it_is_used_again_when_back(redis_server, caplog):
    import redis

    store = ResilientRedisLockStore(url=redis_server.url, retry_seconds=0)
    client = redis.StrictRedis.from_url(redis_server.url)
    seen = []

    async def look_inside():
        async with store.lock("c2"):
            seen.extend(key.decode() for key in client.keys("*"))

    asyncio.run(look_inside())
    assert seen == ["clinic:lock:c2"] and client.keys("*") == []

    redis_server.stop()
    assert run_two_messages(store) == ["a in", "a out", "b in", "b out"]
    assert not store.redis_available
    redis_server.start()
    assert run_two_messages(store) == ["a in", "a out", "b in", "b out"]
    assert store.redis_available
    assert "Redis lock store reachable again" in caplog.text


def test_a_message_behind_a_dead_replicas_ticket_is_served_once_that_ticket_expires():
    """A replica died holding a ticket; a message arriving right after it must not wait for ever."""
    store = ResilientRedisLockStore(url=f"redis://127.0.0.1:{free_port()}/0")
    store._fallback.issue_ticket("c3", 0.3)  # the dead replica's ticket, never cleaned up
    store._redis_failed(RuntimeError("down"))  # straight to the in-process locks
    log = []

    async def behind_it():
        await asyncio.wait_for(hold(store, "c3", 0.0, log, "next"), timeout=5)

    asyncio.run(behind_it())
    assert log == ["next in", "next out"]
