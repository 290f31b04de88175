"""The clinic's settings and alerts through the real servers: a phone number changed in the settings file
reaches the next reply with the same model (no retraining, no restart); out of hours the booking
confirmation says when the clinic opens; the action server's own sender emails and posts each new
handoff to real receivers, the crisis one urgent, a possible crisis's saying so, and the crisis reply itself is
the same as ever."""

import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from clinic import clinic_settings, office_hours
from tests.support.alerts import SmtpServer, WebhookReceiver
from tests.support.database import handoff_rows
from tests.support.processes import wait_until
from tests.support.servers import BotServers

REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")
ZONE = "Pacific/Auckland"
SECRET = "e2e-webhook-secret"
SPANISH = "¿Cuánto cuesta el tratamiento con ketamina?"


def settings_text(phone: str) -> str:
    """Open every day 9 to 5, but closed today and tomorrow (the clinic's time): out of hours whenever it runs."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    closed = ", ".join(str(today + timedelta(days=n)) for n in (0, 1))
    days = "\n".join(f'  {day}: "09:00-17:00"' for day in clinic_settings.DAYS)
    return (f'name: Harbour Ketamine Clinic\nphone: "{phone}"\nbooking_url: ""\ntimezone: {ZONE}\n'
            f"hours:\n{days}\nclosed_dates: [{closed}]\n")


@pytest.fixture(scope="module")
def receivers():
    smtp, webhook = SmtpServer().start(), WebhookReceiver(SECRET)
    yield smtp, webhook
    smtp.stop()
    webhook.stop()


@pytest.fixture(scope="module")
def bot(model_path, tmp_path_factory, receivers):
    smtp, webhook = receivers
    workdir = tmp_path_factory.mktemp("clinic-settings")
    settings = workdir / "clinic.yml"
    settings.write_text(settings_text("(555) 010-0123"))
    servers = BotServers(model_path, workdir, f"sqlite:///{workdir / 'clinic.db'}", env={
        "CLINIC_SETTINGS_FILE": str(settings), "SMTP_URL": smtp.url, "ALERT_EMAIL_TO": "desk@clinic.example",
        "ALERT_WEBHOOK_URL": webhook.url, "ALERT_WEBHOOK_SECRET": SECRET, "ALERT_SEND_INTERVAL_SECONDS": "0.5",
        "STAFF_CONSOLE_URL": "https://harbour.example/staff"})
    try:
        servers.start()
        yield servers, settings
    finally:
        servers.stop()


def sender() -> str:
    return f"settings-{uuid.uuid4().hex[:8]}"


def test_a_new_phone_number_reaches_the_next_reply_without_retraining(bot):
    servers, settings = bot
    assert "(555) 010-0123" in servers.say(sender(), SPANISH)
    settings.write_text(settings_text("(555) 010-0456"))
    reply = servers.say(sender(), SPANISH)
    assert "(555) 010-0456" in reply and "010-0123" not in reply


def test_out_of_hours_the_booking_confirmation_says_when_the_clinic_opens_and_staff_are_alerted(bot, receivers):
    servers, settings = bot
    smtp, webhook = receivers
    who = sender()
    for message in ["I'd like to book a consultation", "Sarah Jones", "415 555 2671", "weekday mornings", "yes"]:
        servers.say(who, message)
    done = servers.say(who, "yes")
    reference = REFERENCE.search(done).group(1)
    opening = office_hours.opening_phrase(clinic_settings.load(settings), datetime.now(timezone.utc))
    assert f"Our clinic is closed right now: we open {opening}, and our staff will contact you then." in done

    # Other tests' alerts may still be arriving (a message in Spanish asks staff to read it): this
    # handoff's are found by its reference.
    mails = wait_until(lambda: [m for m in smtp.mails if reference in m.subject], 30, "the alert email")
    assert [mail.subject for mail in mails] == [f"New handoff {reference}"]
    assert f"https://harbour.example/staff/queue#handoff-{reference}" in mails[0].body
    for private in ("Sarah", "555 2671", "5552671", "weekday mornings"):
        assert private not in mails[0].raw.decode()
    [post] = wait_until(lambda: [p for p in webhook.posts if p.json["reference"] == reference], 30, "the webhook")
    assert post.signature_ok and post.json["urgent"] is False


def test_the_crisis_reply_is_unchanged_out_of_hours_and_the_crisis_alert_is_urgent(bot, receivers):
    servers, _ = bot
    smtp, _ = receivers
    who = sender()
    reply = servers.say(who, "i dont want to live anymore")
    assert "988" in reply and "911" in reply and "closed" not in reply
    [handoff] = handoff_rows(servers.database_url, who)
    mails = wait_until(lambda: [m for m in smtp.mails if handoff["reference"] in m.subject], 30, "the alert email")
    assert len(mails) == 1 and mails[0].subject.startswith("URGENT: crisis handoff")


def test_a_message_that_may_be_a_crisis_alerts_staff_to_read_the_conversation_without_urgency(bot, receivers):
    servers, _ = bot
    smtp, webhook = receivers
    who = sender()
    reply = servers.say(who, "how much is one infusion? there's not much left for me to lose")
    assert "If you're in crisis, call or text 988 any time." in reply and "911" not in reply
    [handoff] = handoff_rows(servers.database_url, who)
    reference = handoff["reference"]
    # Other tests' alerts may still be arriving: this handoff's are found by its reference.
    mails = wait_until(lambda: [m for m in smtp.mails if reference in m.subject], 30, "the alert email")
    posts = wait_until(lambda: [p for p in webhook.posts if p.json["reference"] == reference], 30, "the webhook")
    [mail], [post] = mails, posts
    assert mail.subject == f"Possible crisis, not confirmed: handoff {reference} - please read the conversation"
    assert mail.message["X-Priority"] is None
    assert post.signature_ok and (post.json["kind"], post.json["urgent"]) == ("possible_crisis", False)
    assert "infusion" not in mail.raw.decode() and "lose" not in post.body.decode()  # nothing the patient wrote
