"""Odd texts, opted-out crisis texts and a database restart, over the SMS webhook of the real Rasa and
action servers, signed as Twilio signs them."""

import re
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from clinic.local_secrets import rasa_api_token
from clinic.db import session_scope
from clinic.handoffs.models import Handoff
from clinic.sms.models import SmsMessage
from clinic.sms.store import sender_id_for
from tests.handoff_db import TcpProxy, fresh_postgres_database
from tests.support.database import user_texts
from tests.support.servers import SHARED_TWILIO_TOKEN as TOKEN
from tests.support.servers import BotServers
from tests.support.sms import Phone, messages_of
from tests.support.staff_console import Console

CRISIS = "i want to kill myself tonight"


@pytest.fixture
def bot(bot_servers):
    """The servers shared for the run (tests/conftest.py); each test texts from a number of its own."""
    return bot_servers


@pytest.mark.parametrize("body", ["²", "٣", "１", "99999999999999999999999", "", "   ", "\x00\x01\x7f",
                                  "/restart", '/faq{"x": [1, 2]}', "é" * 1600, "😀🙏"])
def test_an_odd_text_is_answered_and_its_retry_gets_the_same_answer(bot, body):
    phone = Phone(bot, TOKEN)
    phone.text("how much does it cost?")  # the reply offers numbered options: digits are read now
    sid = "SM" + uuid.uuid4().hex
    first = phone.post(body, sid=sid)
    again = phone.post(body, sid=sid)  # Twilio's retry of the same message
    assert first.status_code == again.status_code == 200, first.text
    assert messages_of(first.text) and again.text == first.text
    assert "something went wrong" not in first.text


def test_a_superscript_digit_is_text_not_an_option(bot):
    phone = Phone(bot, TOKEN)
    phone.text("how much does it cost?")
    reply = " ".join(phone.text("²"))
    assert "What name should our staff ask for?" not in reply  # "1" would have picked "Yes, please"
    assert "²" in user_texts(bot.database_url, sender_id_for(phone.number))


def test_a_request_with_an_unusable_from_or_message_sid_is_refused_politely(bot):
    too_long = Phone(bot, TOKEN, number="+1" + "4" * 60)
    assert too_long.post("hello").status_code == 200 and messages_of(too_long.post("hello").text) == []
    response = Phone(bot, TOKEN).post("hello", sid="SM" + "a" * 200)
    assert response.status_code == 200 and messages_of(response.text) == []


def test_a_crisis_text_from_an_opted_out_number_is_recorded_and_flagged_with_no_reply(bot):
    phone = Phone(bot, TOKEN)
    assert "unsubscribed" in phone.text("STOP")[0]
    assert phone.text("how long is an infusion") == []
    assert phone.text(CRISIS) == []  # nothing sent: the person opted out
    sender = sender_id_for(phone.number)
    assert user_texts(bot.database_url, sender) == [CRISIS]  # the ordinary text is not kept, the crisis is
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session_scope(bot.database_url) as session:
            urgent = session.query(Handoff).filter(Handoff.sender_id == sender, Handoff.urgent.is_(True)).count()
        if urgent:
            break
        time.sleep(0.5)
    assert urgent == 1
    console = Console(bot.database_url)
    console.account("sam.staff")
    queue = console.browser("sam.staff").get("/staff/queue").get_data(as_text=True)
    # Its own row of the queue (the servers' database holds other tests' handoffs too).
    [row] = [row for row in re.findall(r"<tr class=\"[^\"]*\" id=\"handoff-.*?</tr>", queue, re.S)
             if f"/staff/conversations/{sender}" in row]
    assert "URGENT: crisis" in row


@pytest.fixture
def restartable_bot(model_path, tmp_path, postgres_url):
    """The servers on PostgreSQL through a proxy the test can cut (the database going away) and restore."""
    with fresh_postgres_database(postgres_url) as url:
        target = sa.engine.make_url(url)
        proxy = TcpProxy(target.host, target.port)
        through_proxy = str(target.set(port=proxy.port).render_as_string(hide_password=False))
        try:
            with BotServers(model_path, tmp_path, through_proxy, env={"TWILIO_AUTH_TOKEN": TOKEN}) as servers:
                # A new Rasa process's first reply is its slowest (its models are traced then): not the
                # test's first text, which must be answered within the SMS deadline (SMS_REPLY_SECONDS).
                servers.say("warm-up-" + uuid.uuid4().hex[:8], "hello")
                yield servers, proxy, url
        finally:
            proxy.close()


def test_a_text_during_a_database_restart_is_answered_in_time_and_kept(restartable_bot):
    bot, proxy, direct_url = restartable_bot
    phone = Phone(bot, TOKEN)
    assert "40 to 60 minutes" in " ".join(phone.text("how long does one infusion take"))
    proxy.cut()
    sid = "SM" + uuid.uuid4().hex
    started = time.monotonic()
    response = phone.post("how fast does it work", sid=sid, timeout=15)
    took = time.monotonic() - started
    assert response.status_code == 200 and took < 12, took  # Twilio gives up after 15 s
    holding = " ".join(messages_of(response.text))
    assert "slow right now" in holding and "988" in holding and "(555) 010-0199" in holding
    time.sleep(max(0.0, 13 - took))
    proxy.restore()
    sender = sender_id_for(phone.number)
    deadline = time.monotonic() + 60
    while "how fast does it work" not in user_texts(direct_url, sender) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert user_texts(direct_url, sender) == ["how long does one infusion take", "how fast does it work"]
    # The answer was worked out once the database was back: a retry of that MessageSid gets it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session_scope(direct_url) as session:
            saved = session.get(SmsMessage, sid).reply
        if saved and "within a few hours" in saved:
            break
        time.sleep(0.5)
    assert "within a few hours" in " ".join(messages_of(phone.post("how fast does it work", sid=sid).text))
    assert requests.get(f"{bot.url}/status", params={"token": rasa_api_token()}, timeout=10).status_code == 200
