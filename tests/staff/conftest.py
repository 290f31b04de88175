"""The staff console's database for each test, and the website on it with a logged-in test client.

`filled`: a database of its own for each test (a test may change it), copied from one filled once per run:
- "sqlite", "postgresql": seeded with realistic conversations written straight into the database as the
  servers write them (tests/support/seed.py), so these tests need neither the trained model nor servers;
- "servers" (only the tests that ask for it, `through_the_servers`): filled by the same messages sent to
  the real Rasa and action servers over REST and SMS (the run's shared servers, tests/conftest.py
  bot_servers, their SQLite database emptied first), then copied: the staff console only reads the copy.
"""

import dataclasses

import pytest

from clinic.db import session_scope
from clinic.handoffs.models import Handoff
from clinic.sms.store import sender_id_for
from tests.handoff_db import fresh_postgres_database, migrate
from tests.support.seed import (
    MESSAGES,
    SMS_MESSAGES,
    SMS_PHONE,
    STAFF_USER,
    Filled,
    add_staff_account,
    seed,
    sqlite_copy,
)
from tests.support.servers import SHARED_TWILIO_TOKEN, BotServers, played_alone
from tests.support.sms import Phone
from tests.support.staff_console import Console

# The tests that also run on the database the real servers filled.
through_the_servers = pytest.mark.parametrize("filled", ["sqlite", "postgresql", "servers"], indirect=True)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Filled:
    url = f"sqlite:///{tmp_path_factory.mktemp('staff-seeded') / 'clinic.db'}"
    migrate(url)
    return seed(url)


@pytest.fixture(scope="session")
def seeded_postgresql(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        migrate(url)
        yield seed(url)


def fill(bot: BotServers) -> Filled:
    """The conversations of tests/support/seed.py, sent to the real servers; their handoffs' references
    read from the database. The conversation ids are the seed's."""
    filled = Filled(bot.database_url)
    for name, messages in MESSAGES.items():
        filled.senders[name] = sender = f"staff-{name}"
        for message in messages:
            bot.say(sender, message)
    phone = Phone(bot, SHARED_TWILIO_TOKEN, SMS_PHONE)
    for body in SMS_MESSAGES:
        phone.text(body)
    filled.senders["sms"] = sender_id_for(SMS_PHONE)
    with session_scope(bot.database_url) as session:
        for name in ("booking", "crisis"):
            handoff = session.query(Handoff).filter(Handoff.sender_id == filled.senders[name]).one()
            filled.references[name] = handoff.reference
    add_staff_account(bot.database_url)
    return filled


@pytest.fixture(scope="session")
def filled_by_servers(bot_servers, tmp_path_factory) -> Filled:
    filled, url = played_alone(bot_servers, tmp_path_factory.mktemp("staff-servers"), lambda bot, _: fill(bot))
    return dataclasses.replace(filled, url=url)


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(request, tmp_path) -> Filled:
    """A copy of the seeded database (or, for "servers", of the one the real servers filled)."""
    if request.param == "postgresql":
        template = request.getfixturevalue("seeded_postgresql")
        with fresh_postgres_database(request.getfixturevalue("postgres_url"), template=template.url) as url:
            yield dataclasses.replace(template, url=url)
        return
    yield sqlite_copy(request.getfixturevalue("filled_by_servers" if request.param == "servers" else "seeded_sqlite"),
                      tmp_path)


@pytest.fixture
def console(filled) -> Console:
    return Console(filled.url)


@pytest.fixture
def app(console):
    return console.app


@pytest.fixture
def staff(console):
    """A test client logged in as a staff member (an administrator)."""
    return console.browser(STAFF_USER)
