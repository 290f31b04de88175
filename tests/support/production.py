"""The production profile's own PostgreSQL and Redis, for the tests that start the profile."""

import contextlib
import os
import shutil

import pytest

from production.profile import find_nginx
from production.services import ThrowawayPostgres, ThrowawayRedis


@contextlib.contextmanager
def throwaway_services():
    """(postgres, redis_server) of the test's own: skipped where nginx or redis-server is missing,
    required in CI."""
    missing = [name for name, found in (("nginx", find_nginx()), ("redis-server", shutil.which("redis-server")))
               if not found]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} must be installed in CI (.ci/run installs nginx)")
        pytest.skip(f"{', '.join(missing)} not installed")
    postgres = ThrowawayPostgres().init()
    redis_server = ThrowawayRedis().start()
    try:
        yield postgres, redis_server
    finally:
        redis_server.stop()
        postgres.destroy()
