"""Live takeover through the real Rasa and action servers: the bot silent in a claimed conversation but
for a crisis, staff messages stored with the staff member's name and sent (SMS through a local Twilio
stand-in), an idle claim ending at the patient's next message, or by itself (clinic.takeover.idle)."""

import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from clinic.db import session_scope
from clinic.db import utc_now
from clinic.handoffs.models import Handoff
from clinic.sms.store import sender_id_for
from clinic.takeover import claims, idle
from clinic.takeover import client as relay
from clinic.feedback import ratings
from clinic.feedback.models import ConversationRating
from clinic.takeover.models import ConversationClaim
from staff.models import AuditEntry
from clinic.takeover.client import JOINED_NOTE, RETURNED_NOTE
from tests.support.servers import BotServers
from tests.support.sms import Phone
from tests.support.twilio_api import TwilioApi

TOKEN = "takeover-test-token-" + uuid.uuid4().hex
ACCOUNT_SID = "AC" + uuid.uuid4().hex
FROM_NUMBER = "+15550100199"
QUESTION = "how long does one infusion take?"
ANSWER = "40 to 60 minutes"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('takeover-db') / 'clinic.db'}"


@pytest.fixture(scope="module")
def twilio():
    api = TwilioApi(ACCOUNT_SID, TOKEN)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def bot(model_path, tmp_path_factory, database, twilio):
    with BotServers(model_path, tmp_path_factory.mktemp("takeover"), database, env={
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        # A webhook nobody answers: the alert rows are written, and stay unsent (no sender thread).
        "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/alerts", "ALERT_WEBHOOK_SECRET": "s" * 32,
        "ALERT_SEND_INTERVAL_SECONDS": "0",
    }) as servers:
        yield servers


@pytest.fixture(autouse=True)
def console_reaches_the_bot(bot, monkeypatch):
    monkeypatch.setenv("RASA_INTERNAL_URL", bot.url)


def take_over(database, sender_id, staff="alice"):
    with session_scope(database) as session:
        claims.claim(session, sender_id, staff)
    relay.send(sender_id, staff, JOINED_NOTE, note="joined")


def staff_metadata(event):
    """The event's metadata but what Rasa adds to every bot event (model_id, assistant_id)."""
    return {key: value for key, value in event["metadata"].items() if key in ("staff", "takeover")}


def events_after_last_user(bot, sender_id):
    events = bot.tracker(sender_id)["events"]
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return events[last_user], events[last_user + 1:]


def test_claimed_conversation_is_stored_but_not_answered_then_returned(bot, database):
    sender = "takeover-" + uuid.uuid4().hex
    assert ANSWER in bot.say(sender, QUESTION)
    take_over(database, sender)
    assert bot.send(sender, QUESTION) == []
    assert bot.send(sender, "I want to book an appointment") == []  # no form prompt either
    user, after = events_after_last_user(bot, sender)
    assert user["text"] == "I want to book an appointment"
    assert [e.get("name") for e in after if e["event"] != "user_featurization"] == ["action_listen"]

    assert relay.send(sender, "alice", "Hello, this is Alice from the clinic.") == "stored"  # REST: no push
    staff_events = [e for e in bot.tracker(sender)["events"] if e["event"] == "bot" and e["metadata"].get("staff")]
    assert [(e["text"], staff_metadata(e)) for e in staff_events] == [
        (JOINED_NOTE, {"staff": "alice", "takeover": "joined"}),
        ("Hello, this is Alice from the clinic.", {"staff": "alice"}),
    ]

    with session_scope(database) as session:
        assert claims.release(session, sender, "alice")
    relay.send(sender, "alice", RETURNED_NOTE, note="returned")
    assert ANSWER in bot.say(sender, QUESTION)


def test_a_form_under_way_ends_when_staff_join(bot, database):
    sender = "takeover-" + uuid.uuid4().hex
    assert "What name" in bot.say(sender, "can I talk to a real person please?")
    assert bot.tracker(sender)["active_loop"].get("name")  # the booking form asks for contact details
    take_over(database, sender)
    assert bot.tracker(sender)["active_loop"] in ({}, None, {"name": None})
    with session_scope(database) as session:
        assert claims.release(session, sender, "alice")
    reply = bot.say(sender, QUESTION)
    assert ANSWER in reply and "What name" not in reply


def test_crisis_during_takeover_gets_the_crisis_reply_and_an_urgent_alert(bot, database):
    sender = "takeover-" + uuid.uuid4().hex
    bot.say(sender, "hi")
    take_over(database, sender)
    assert "988" in bot.say(sender, "i dont want to live anymore")
    with session_scope(database) as session:
        handoff = session.query(Handoff).filter(Handoff.sender_id == sender).one()
        assert handoff.urgent
        rows = session.execute(sa.text("SELECT event, channel FROM alert_outbox WHERE handoff_id = :id"),
                               {"id": handoff.id}).all()
        assert rows and all(channel == "webhook" for _, channel in rows)
        assert claims.holder(session, sender) == "alice"  # still taken over: the staff member carries on
    assert bot.send(sender, QUESTION) == []


def test_an_idle_claim_returns_to_the_bot_at_the_next_message(bot, database):
    sender = "takeover-" + uuid.uuid4().hex
    bot.say(sender, "hi")
    take_over(database, sender)
    with session_scope(database) as session:  # the staff member's last activity, 20 minutes ago
        session.query(ConversationClaim).filter(ConversationClaim.sender_id == sender).update(
            {"last_activity_at": utc_now() - timedelta(minutes=20)})
    reply = bot.say(sender, QUESTION)
    assert reply.startswith(RETURNED_NOTE) and ANSWER in reply
    with session_scope(database) as session:
        assert claims.holder(session, sender) is None
        assert session.query(ConversationClaim).filter(ConversationClaim.sender_id == sender).count() == 0
    returned = [e for e in bot.tracker(sender)["events"] if e["event"] == "bot" and e["text"] == RETURNED_NOTE]
    assert returned and staff_metadata(returned[0]) == {"staff": "alice", "takeover": "returned"}


def test_over_sms_the_staff_message_goes_out_by_twilio_rest_and_the_bot_is_silent(bot, database, twilio):
    phone = Phone(bot, TOKEN)
    assert phone.text("hi")
    sender = sender_id_for(phone.number)
    take_over(database, sender, staff="bob")
    assert relay.send(sender, "bob", "Hi, Bob here from the clinic.") == "sms"
    sent = [m for m in twilio.messages if m["To"] == phone.number]
    assert [(m["From"], m["Body"]) for m in sent] == [(FROM_NUMBER, JOINED_NOTE),
                                                      (FROM_NUMBER, "Hi, Bob here from the clinic.")]
    assert twilio.refused == 0
    assert phone.text(QUESTION) == []  # stored, not answered
    user, after = events_after_last_user(bot, sender)
    assert user["text"] == QUESTION and all(e["event"] != "bot" for e in after)


def test_an_idle_claim_returns_to_the_bot_by_itself_and_the_texter_is_told(bot, database, twilio, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database)
    phone = Phone(bot, TOKEN)
    assert phone.text("hi")
    sender = sender_id_for(phone.number)
    take_over(database, sender, staff="bob")
    assert sender not in idle.return_idle(bot.url)  # active: nothing happens
    later = utc_now() + timedelta(minutes=16)  # the clock TAKEOVER_IDLE_MINUTES (15) after the claim
    assert sender in idle.return_idle(bot.url, now=later)
    assert sender not in idle.return_idle(bot.url, now=later)  # once
    sent = [m["Body"] for m in twilio.messages if m["To"] == phone.number]
    assert sent == [JOINED_NOTE, RETURNED_NOTE, ratings.QUESTION]  # the end of a takeover asks for a rating
    with session_scope(database) as session:
        assert session.query(ConversationClaim).filter(ConversationClaim.sender_id == sender).count() == 0
        assert session.query(AuditEntry).filter(
            AuditEntry.target == sender, AuditEntry.action == "takeover_idle_return").count() == 1
    returned = [e for e in bot.tracker(sender)["events"] if e["event"] == "bot" and e["text"] == RETURNED_NOTE]
    assert [staff_metadata(e) for e in returned] == [{"staff": "bob", "takeover": "returned"}]
    reply = phone.text(QUESTION)  # answered by the bot, with no second note
    assert any(ANSWER in message for message in reply) and not any(RETURNED_NOTE in m for m in reply)


def test_the_relay_needs_the_token(bot):
    url = f"{bot.url}/webhooks/staff/send"
    body = {"sender_id": "x" * 32, "staff": "mallory", "text": "hi"}
    assert requests.post(url, json=body, timeout=10).status_code == 403
    assert requests.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 403


def test_a_claim_survives_a_restart_of_the_rasa_server(bot, database):
    sender = "takeover-" + uuid.uuid4().hex
    bot.say(sender, "hi")
    take_over(database, sender)
    bot.restart_rasa()
    assert bot.send(sender, QUESTION) == []
    relay.send(sender, "alice", "Still here after the restart.")
    with session_scope(database) as session:
        assert claims.release(session, sender, "alice")
    assert ANSWER in bot.say(sender, QUESTION)
    texts = [e.get("text") for e in bot.tracker(sender)["events"] if e["event"] in ("user", "bot")]
    assert texts[texts.index(JOINED_NOTE):][:4] == [JOINED_NOTE, QUESTION, "Still here after the restart.", QUESTION]


def test_over_sms_the_return_asks_one_optional_rating(bot, database, twilio):
    """Issue 17: at the end of a takeover by SMS, one "Reply 1-5"; the reply is thanked and stored."""
    phone = Phone(bot, TOKEN)
    assert phone.text("hi")
    sender = sender_id_for(phone.number)
    take_over(database, sender, staff="bob")
    with session_scope(database) as session:
        assert claims.release(session, sender, "bob")
    relay.send(sender, "bob", RETURNED_NOTE, note="returned")
    sent = [m["Body"] for m in twilio.messages if m["To"] == phone.number]
    assert sent[-2:] == [RETURNED_NOTE, ratings.QUESTION]
    assert phone.text("5") == [ratings.THANKS]
    with session_scope(database) as session:
        [row] = session.query(ConversationRating).filter(ConversationRating.sender_id == sender).all()
        assert (row.kind, row.rating) == ("takeover", 5)
