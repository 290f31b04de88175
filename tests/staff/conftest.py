"""A database filled by real conversations over REST and SMS (the real Rasa and action servers), once per
database kind per test run, and a logged-in Flask test client of the website on it.

The servers are stopped once the conversations are in: the staff console only reads the database.
"""

import re
import uuid
from dataclasses import dataclass, field
from typing import Dict

import pytest
import requests

from clinic.db import session_scope
from clinic.sms.store import sender_id_for
from staff import accounts
from tests.handoff_db import fresh_postgres_database
from tests.support.servers import BotServers, played_on
from tests.support.sms import signed_sms
from tests.support.staff_console import log_in

TWILIO_TOKEN = "staff-test-token-" + uuid.uuid4().hex
REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")
STAFF_USER = "alice.staff"
STAFF_PASSWORD = "Correct-horse-battery-7"
SMS_PHONE = "+14155559876"
BOOKING_PHONE = "415 555 2671"
SCRIPT_TAG = "<script>alert(1)</script>"
BOLD_TAG = "<b>bold</b>"
FORMULA = "=1+2 is that right?"


@dataclass
class Filled:
    url: str
    senders: Dict[str, str] = field(default_factory=dict)
    references: Dict[str, str] = field(default_factory=dict)
    replies: Dict[str, list] = field(default_factory=dict)


def _sms(bot: BotServers, body: str) -> None:
    url = f"{bot.url}/webhooks/twilio/webhook"
    params, headers = signed_sms(url, TWILIO_TOKEN, SMS_PHONE, body)
    response = requests.post(url, data=params, headers=headers, timeout=60)
    assert response.status_code == 200, response.text


def fill(bot: BotServers, url: str) -> Filled:
    """The conversations every staff test looks at."""
    filled = Filled(url)
    tag = uuid.uuid4().hex[:6]
    script = {
        "booking": ["how long does one infusion take?", "I'd like to book a consultation", "Maria Lopez",
                    BOOKING_PHONE, "weekday afternoons", "yes", "yes"],
        "crisis": ["hello", "i dont want to live anymore"],
        "cost1": ["How much does it cost?"],
        "cost2": ["how much   does it COST"],
        "escape": [SCRIPT_TAG, BOLD_TAG, FORMULA],
        "sessions": ["how long does one infusion take?", "/session_start", "r boosters needed"],
    }
    for name, messages in script.items():
        sender = f"staff-{name}-{tag}"
        filled.senders[name] = sender
        filled.replies[name] = [bot.say(sender, message) for message in messages]
    booked = REFERENCE.search(filled.replies["booking"][-1])
    assert booked, filled.replies["booking"]
    filled.references["booking"] = booked.group(1)
    _sms(bot, "how many infusions will i need")
    filled.senders["sms"] = sender_id_for(SMS_PHONE)
    with session_scope(url) as session:
        from clinic.handoffs.models import Handoff

        crisis = session.query(Handoff).filter(Handoff.sender_id == filled.senders["crisis"]).one()
        filled.references["crisis"] = crisis.reference
        accounts.set_password(session, STAFF_USER, STAFF_PASSWORD, role="admin")
    return filled


def _filled_database(model_path, workdir, url) -> Filled:
    return played_on(model_path, workdir, url, fill, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN})


@pytest.fixture(scope="session")
def filled_sqlite(model_path, tmp_path_factory) -> Filled:
    workdir = tmp_path_factory.mktemp("staff-sqlite")
    return _filled_database(model_path, workdir, f"sqlite:///{workdir / 'clinic.db'}")


@pytest.fixture(scope="session")
def filled_postgresql(model_path, tmp_path_factory, postgres_url) -> Filled:
    with fresh_postgres_database(postgres_url) as url:
        yield _filled_database(model_path, tmp_path_factory.mktemp("staff-pg"), url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def filled(request) -> Filled:
    return request.getfixturevalue(f"filled_{request.param}")


@pytest.fixture
def app(filled):
    from web.app import create_app

    application = create_app(database_url=filled.url)
    application.config["SECRET_KEY"] = "test-secret-" + uuid.uuid4().hex
    return application


@pytest.fixture
def staff(app):
    """A test client logged in as a staff member."""
    client = app.test_client()
    response = log_in(client, STAFF_USER, STAFF_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
