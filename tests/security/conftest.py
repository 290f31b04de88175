"""The staff console on an empty migrated database (SQLite, then PostgreSQL), its spool folders the
test's own."""

import pytest

from tests.support.staff_console import Console


@pytest.fixture
def spool_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))
    return tmp_path / "spool"


@pytest.fixture
def console(migrated_database, spool_dir) -> Console:
    return Console(migrated_database)
