"""Booking over REST against the real servers, ending in a row in the database of DATABASE_URL."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.database import handoff_rows
from tests.support.servers import BotServers
from tests.handoff_db import fresh_postgres_database

REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")


@pytest.fixture(scope="module")
def database(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


@pytest.fixture(scope="module")
def bot(model_path, tmp_path_factory, database):
    workdir = tmp_path_factory.mktemp("booking")
    with BotServers(model_path, workdir, database) as servers:
        yield servers


def book(bot, sender, phone="415 555 2671"):
    """A whole booking; returns every reply text, in order."""
    replies = []
    for message in ["I'd like to book a consultation", "Sarah Jones", phone, "weekday mornings", "yes", "yes"]:
        replies.append(bot.say(sender, message))
    return replies


def test_booking_with_a_question_in_the_middle_ends_in_a_row(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    first = bot.say(sender, "how do I get started")
    assert "four quick questions" in first and "What name" in first
    assert "phone number or email" in bot.say(sender, "Sarah Jones")
    middle = bot.say(sender, "how long does one infusion take?")
    assert "40 to 60 minutes" in middle and "phone number or email" in middle
    assert "When is a good time" in bot.say(sender, "(415) 555-2671")
    assert "permission" in bot.say(sender, "weekday mornings")
    summary = bot.say(sender, "yes")
    assert "Sarah Jones" in summary and "(415) 555-2671" in summary and "weekday mornings" in summary
    done = bot.say(sender, "yes")
    reference = REFERENCE.search(done).group(1)
    # When staff will call depends on the clinic's hours at the time the test runs (clinic/clinic.yml).
    assert "during clinic hours" in done or "our staff will contact you then" in done
    [row] = handoff_rows(database, sender)
    assert row["reference"] == reference and row["phone"] == "+14155552671"
    assert row["name"] == "Sarah Jones" and row["consent"] is True and row["status"] == "new"
    assert "faq/infusion_length" in row["topics"]


def test_the_handoff_lists_every_topic_asked_in_a_message_of_several(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "how long is each session and how many will I need?")
    bot.say(sender, "can I talk to a person? how much is it?")
    [row] = handoff_rows(database, sender)
    assert row["topics"].split(",") == ["faq/infusion_length", "faq/schedule", "out_of_scope/cost"]


def test_correcting_the_contact_at_the_summary(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    for message in ["sign me up", "Sam Lee", "415 555 2671", "evenings", "yes"]:
        bot.say(sender, message)
    assert "phone number or email" in bot.say(sender, "/change_field{\"booking_field\": \"contact_method\"}")
    assert "sam@example.com" in bot.say(sender, "sam@example.com")
    bot.say(sender, "yes")
    [row] = handoff_rows(database, sender)
    assert row["email"] == "sam@example.com" and row["phone"] is None


def test_cancel_logs_nothing(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "can I make an appointment")
    bot.say(sender, "Ana")
    assert "nothing was sent" in bot.say(sender, "never mind")
    assert handoff_rows(database, sender) == []


def test_accepting_the_staff_offer_records_the_unanswered_question(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    assert "don't have information" in bot.say(sender, "does insurance cover this?")
    assert "four quick questions" in bot.say(sender, "yes please")
    for message in ["Lee Chen", "lee@example.com", "any time", "yes", "yes"]:
        reply = bot.say(sender, message)
    assert REFERENCE.search(reply)
    [row] = handoff_rows(database, sender)
    assert row["reason"] == "Accepted the offer to talk to staff; unanswered question: does insurance cover this?"


def test_crisis_in_the_middle_of_booking_gives_988_and_an_urgent_handoff(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "i want to talk to a person")
    reply = bot.say(sender, "honestly i dont want to be alive anymore")
    assert "988" in reply and "911" in reply
    # The request for a person was logged when it was made; the crisis adds the urgent handoff.
    asked, crisis = handoff_rows(database, sender)
    assert (asked["urgent"], asked["reason"]) == (False, "Asked to talk to a person")
    assert crisis["urgent"] is True and crisis["phone"] is None


def test_a_crisis_told_with_a_phone_number_when_the_form_asks_for_one_gets_988(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "I'd like to book a consultation")
    assert "phone number or email" in bot.say(sender, "Sam")
    reply = bot.say(sender, "my number is 917 555 0192 but i took a whole bottle of tylenol 2 hours ago")
    assert "988" in reply and "911" in reply and "good time" not in reply
    # The number given with it is on the urgent handoff, for staff to call.
    [crisis] = handoff_rows(database, sender)
    assert crisis["urgent"] is True and crisis["phone"] == "+19175550192"


def test_asking_for_a_person_is_logged_at_once_and_the_form_completes_it(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    assert "four quick questions" in bot.say(sender, "i want to talk to a person")
    [asked] = handoff_rows(database, sender)  # before any question is answered: staff can take over
    assert asked["reason"] == "Asked to talk to a person" and asked["name"] is None and asked["consent"] is False
    for message in ["Ana Ruiz", "ana@example.com", "after 5pm", "yes"]:
        bot.say(sender, message)
    done = bot.say(sender, "yes")
    [row] = handoff_rows(database, sender)
    assert REFERENCE.search(done).group(1) == row["reference"] == asked["reference"]
    assert (row["name"], row["email"], row["consent"]) == ("Ana Ruiz", "ana@example.com", True)


def test_leaving_the_form_after_asking_for_a_person_keeps_the_handoff(bot, database):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "can i speak to a human")
    bot.say(sender, "Ana")
    reply = bot.say(sender, "never mind")
    assert "already know you asked to talk to someone" in reply and "nothing was sent" not in reply
    [row] = handoff_rows(database, sender)
    assert row["reason"] == "Asked to talk to a person; cancelled the contact form before giving details"
    assert row["name"] is None and row["status"] == "new"


def test_fifty_concurrent_bookings_make_fifty_rows(bot, database):
    senders = [f"load-{uuid.uuid4().hex[:8]}" for _ in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda s: book(bot, s), senders))
    assert all(REFERENCE.search(replies[-1]) for replies in results)
    rows = [row for sender in senders for row in handoff_rows(database, sender)]
    assert len(rows) == 50
    assert len({row["reference"] for row in rows}) == 50


def test_contact_details_are_not_in_the_server_logs(bot):
    logs = bot.log("rasa") + bot.log("actions")
    assert "4155552671" not in logs and "555-2671" not in logs and "555 2671" not in logs
    assert "sam@example.com" not in logs
