"""Shared fixtures: the trained model (built once per run by `make test`), a PostgreSQL URL, and the
servers that many modules use with the same settings, started once per test process (`readme_run`, `bot_servers`;
`make test` runs two)."""

import os
from pathlib import Path

import pytest

from tests.support.make_run import MakeRun
from tests.support.processes import QUIET_ENV, newest_model
from tests.support.servers import SHARED_TWILIO_TOKEN, BotServers

ROOT = Path(__file__).resolve().parent.parent
for name, value in QUIET_ENV.items():
    os.environ.setdefault(name, value)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def model_path() -> str:
    """The model `make train` built for the current inputs (CLINIC_MODEL), else the newest one."""
    model = newest_model()
    if model is None:
        pytest.fail("No trained model in models/: run `make test` (it trains first) or `make train`.")
    return str(model)


@pytest.fixture(scope="session")
def readme_run(tmp_path_factory) -> MakeRun:
    """`make run` as the README starts it, with its own defaults for the secrets (a random Rasa API token
    and action server token in var/, every server on 127.0.0.1) and the SMS webhook on (signed with
    SHARED_TWILIO_TOKEN), on free ports and a SQLite database of its own. Started once per test process for the
    browser tests of the website and the security tests of the dev profile (each module used to start its
    own); each test talks in conversations (and makes staff accounts) of its own. Tests that need other
    settings, or stop it, start their own MakeRun."""
    run = MakeRun(tmp_path_factory.mktemp("readme-run"), env={"TWILIO_AUTH_TOKEN": SHARED_TWILIO_TOKEN})
    for name in ("RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "BIND_HOST", "SANIC_HOST", "WEB_HOST"):
        run.env.pop(name, None)  # the defaults are under test (tests/security/test_servers.py)
    with run:
        yield run


@pytest.fixture(scope="session")
def bot_servers(model_path, tmp_path_factory) -> BotServers:
    """The real action server and Rasa server with the default settings and the SMS webhook on (signed
    with SHARED_TWILIO_TOKEN), on a SQLite database of their own. Started once per test process for the REST, SMS
    and real-questions tests (each module used to start its own); each test talks in conversations and
    from phone numbers of its own and reads back only those (one restarts the Rasa server: it is back
    before the test ends). Tests that need their conversations alone in the database play them with the
    database emptied first and read a copy (tests/support/servers.py played_alone). Tests that need other
    settings start their own BotServers."""
    workdir = tmp_path_factory.mktemp("bot-servers")
    with BotServers(model_path, workdir, f"sqlite:///{workdir / 'clinic.db'}",
                    env={"TWILIO_AUTH_TOKEN": SHARED_TWILIO_TOKEN}) as servers:
        yield servers


@pytest.fixture(scope="session")
def parser(model_path):
    from clinic_nlu.evaluation import Parser

    return Parser(model_path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PostgreSQL on 127.0.0.1:5432 (database `test`): skipped where absent, required in CI."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database nothing has touched: a SQLite file, then a fresh PostgreSQL database."""
    from tests.handoff_db import fresh_postgres_database

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clinic.db'}"
    else:
        with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
            yield url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> str:
    """A SQLite database brought to the latest schema by the migrations, once per test process: copied for each test."""
    from tests.handoff_db import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('migrated-sqlite') / 'clinic.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def migrated_postgresql_template(postgres_url):
    """A PostgreSQL database brought to the latest schema by the migrations, once per test process: each test's
    database is made from it (CREATE DATABASE ... TEMPLATE)."""
    from clinic.db import engine_for
    from tests.handoff_db import fresh_postgres_database, migrate

    with fresh_postgres_database(postgres_url) as url:
        migrate(url)
        engine_for(url).dispose()  # nobody may be connected to a template
        yield url


@pytest.fixture
def migrated_sqlite(migrated_sqlite_template, tmp_path_factory) -> str:
    """An empty SQLite database at the latest schema, the test's own (a copy of the migrated template)."""
    from tests.handoff_db import copy_sqlite

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'clinic.db'}"
    copy_sqlite(migrated_sqlite_template, url)
    return url


@pytest.fixture
def migrated_postgresql(migrated_postgresql_template, postgres_url):
    """An empty PostgreSQL database at the latest schema, the test's own (a copy of the migrated template)."""
    from tests.handoff_db import fresh_postgres_database

    with fresh_postgres_database(postgres_url, template=migrated_postgresql_template) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database(request):
    """An empty database at the latest schema, the test's own (SQLite, then PostgreSQL): a copy of one the
    migrations made once per test process (the migrations themselves are tested from an empty database)."""
    return request.getfixturevalue(f"migrated_{request.param}")


CHROMIUM = Path("/usr/bin/chromium")
# Flags that keep headless Chromium from waiting on the network these machines do not have.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright: skipped where absent, required in CI.

    Per module, not per session: Playwright's sync API keeps an event loop running in this thread
    while it is open, and the other tests' asyncio.run() must not find one."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium must be installed in CI (.ci/run installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
