"""Live takeover under `make run`: a patient in the widget (one Chromium context) or texting (signed
webhook in, a local Twilio REST stand-in out), a staff member in the console (another context). The
patient asks for a person; the clinic's alert email reaches a real SMTP server (tests.support.alerts);
the staff member opens its link, logs in, claims the conversation, both see each other's messages in
order, the assistant says nothing meanwhile, and after "return" it answers again. A claim left idle
goes back to the assistant by itself, and the patient is told without having to write first."""

import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from clinic.feedback import ratings
from clinic.sms.store import sender_id_for
from tests.support.alerts import SmtpServer
from tests.support.make_run import MakeRun
from tests.support.sms import Phone
from tests.support.twilio_api import TwilioApi
from tests.support.widget import ask, bot_says, open_chat

TWILIO_TOKEN = "takeover-browser-token-" + uuid.uuid4().hex
ACCOUNT_SID = "AC" + uuid.uuid4().hex
FROM_NUMBER = "+15550100177"
STAFF_USER = "tess.takeover"
STAFF_PASSWORD = "Takeover-horse-battery-31"
JOINED = "A member of our team has joined"
RETURNED = "You're back with the clinic's automated assistant"
ALERT_TO = "frontdesk@clinic.example"
QUEUE_LINK = re.compile(r"Open the queue: (\S+)")


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def twilio():
    api = TwilioApi(ACCOUNT_SID, TWILIO_TOKEN)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, twilio, smtp):
    """The `site` of tests/browser/conftest.py (`make run`), with SMS sending pointed at the stand-in,
    alerts by email to the test's SMTP server, and idle claims looked for every second."""
    run = MakeRun(tmp_path_factory.mktemp("site"), env={
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        "SMTP_URL": smtp.url, "ALERT_EMAIL_TO": ALERT_TO, "ALERT_SEND_INTERVAL_SECONDS": "1",
        "TAKEOVER_IDLE_CHECK_SECONDS": "1"})
    try:
        run.start()
        yield {"origin": run.origin, "rasa_url": run.rasa_url, "database": run.database, "make": run.make}
    finally:
        run.stop()


@pytest.fixture
def patient(browser, site):
    context, page = open_chat(browser, site["origin"])
    yield page
    context.close()


@pytest.fixture(scope="module")
def staff_account(site):
    made = site["make"]("staff-user", f"USER={STAFF_USER}", env={"STAFF_PASSWORD": STAFF_PASSWORD})
    assert made.returncode == 0, made.stdout + made.stderr
    return STAFF_USER


def log_in(page, address):
    """Opens `address` in the console (a link from an alert, say): the login form, then the page."""
    page.goto(address)
    page.get_by_label("User name").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)


@pytest.fixture
def staff_browser(browser, staff_account):
    """A staff member's browser, not logged in yet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def staff(staff_browser, site):
    log_in(staff_browser, site["origin"] + "/staff/queue")
    return staff_browser


def handoff_reference(site, sender_id):
    engine = sa.create_engine(site["database"])
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT reference FROM handoffs WHERE sender_id = :s"),
                                      {"s": sender_id}).scalar_one()
    finally:
        engine.dispose()


def alert_for(smtp, reference, timeout=60):
    """The alert email about the handoff, once the SMTP server has received it."""
    for _ in range(int(timeout / 0.5)):
        found = [mail for mail in smtp.mails if reference in mail.subject]
        if found:
            return found
        smtp.wait_for(len(smtp.mails) + 1, timeout=0.5)
    raise AssertionError(f"no alert for {reference}: {[mail.subject for mail in smtp.mails]}")


def claim_from_the_alert(staff_page, site, smtp, sender_id):
    """The staff member's side of an alert: the email's link, the login, the handoff, the claim."""
    reference = handoff_reference(site, sender_id)
    [mail] = alert_for(smtp, reference)
    assert mail.subject == f"New handoff {reference}" and mail.recipients == [ALERT_TO]
    log_in(staff_page, QUEUE_LINK.search(mail.body).group(1))
    staff_page.locator(f"#handoff-{reference}").get_by_role("link", name="Conversation").click()
    staff_page.get_by_role("button", name="Take over this conversation").click()
    staff_page.get_by_text("You have taken over").first.wait_for(timeout=30000)
    return reference


def screenshot(page, name):
    """For the README, with STAFF_SCREENSHOT_DIR set (`make staff-screenshots`)."""
    folder = os.environ.get("STAFF_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def responses(page):
    return [text.strip() for text in page.locator(".rw-response").all_inner_texts()]


def transcript(page):
    return page.locator("ol[aria-label='Transcript'] li").all_inner_texts()


def session_of(patient):
    return json.loads(patient.evaluate("localStorage.getItem('chat_session')"))["session_id"]


def test_a_patient_asks_for_a_person_staff_are_alerted_take_over_and_give_it_back(
        patient, staff_browser, site, smtp):
    ask(patient, "can I talk to a real person please?")
    bot_says(patient, "What name should our staff ask for?")
    patient.wait_for_timeout(1000)
    answered = len(responses(patient))
    session_id = session_of(patient)

    # The alert arrives while the patient is still at the form's first question; then the claim.
    staff = staff_browser
    claim_from_the_alert(staff, site, smtp, session_id)
    bot_says(patient, JOINED, timeout=30000)

    ask(patient, "how long does one infusion take?")
    staff.locator("ol[aria-label='Transcript'] li", has_text="how long does one infusion take?").wait_for(timeout=30000)
    staff.get_by_label("Your reply to the patient").fill("Hi, this is Tess. About 40 minutes, then you rest.")
    staff.get_by_role("button", name="Send to the patient").click()
    bot_says(patient, "Hi, this is Tess.", timeout=30000)
    ask(patient, "thank you Tess")
    staff.locator("ol[aria-label='Transcript'] li", has_text="thank you Tess").wait_for(timeout=30000)

    # Meanwhile the assistant said nothing: the patient saw the note and Tess's reply only.
    patient.wait_for_timeout(2000)
    new = responses(patient)[answered:]
    assert new == [f"{JOINED} the conversation.", "Hi, this is Tess. About 40 minutes, then you rest."]
    lines = transcript(staff)
    order = [next(i for i, line in enumerate(lines) if text in line) for text in (
        JOINED, "how long does one infusion take?", "Hi, this is Tess.", "thank you Tess")]
    assert order == sorted(order)
    assert any("Staff: " + STAFF_USER in line and "Hi, this is Tess." in line for line in lines)
    assert all("real person" not in mail.body for mail in smtp.mails)  # nothing the patient wrote
    screenshot(staff, "staff-takeover.png")
    screenshot(patient, "widget-takeover.png")

    staff.get_by_role("button", name="Return to the assistant").click()
    staff.get_by_text("The conversation is back with the assistant").first.wait_for(timeout=30000)
    bot_says(patient, RETURNED, timeout=30000)
    ask(patient, "how long does one infusion take?")
    bot_says(patient, "40 to 60 minutes")


class RasaServer:
    def __init__(self, url):
        self.url = url


def sent_to(twilio, number):
    return [message["Body"] for message in twilio.messages if message["To"] == number]


def test_a_texter_asks_for_a_person_staff_are_alerted_take_over_and_give_it_back(
        staff_browser, site, twilio, smtp):
    phone = Phone(RasaServer(site["rasa_url"]), TWILIO_TOKEN)
    assert phone.text("can I talk to a real person please?")

    staff = staff_browser
    claim_from_the_alert(staff, site, smtp, sender_id_for(phone.number))
    assert sent_to(twilio, phone.number) == [f"{JOINED} the conversation."]

    assert phone.text("how long does one infusion take?") == []  # the assistant is silent
    staff.locator("ol[aria-label='Transcript'] li", has_text="how long does one infusion take?").wait_for(timeout=30000)
    staff.get_by_label("Your reply to the patient").fill("Hi, Tess here: about 40 minutes.")
    staff.get_by_role("button", name="Send to the patient").click()
    staff.locator("ol[aria-label='Transcript'] li", has_text="Tess here").wait_for(timeout=30000)
    assert sent_to(twilio, phone.number)[1:] == ["Hi, Tess here: about 40 minutes."]
    assert twilio.messages[-1]["From"] == FROM_NUMBER and twilio.refused == 0

    staff.get_by_role("button", name="Return to the assistant").click()
    staff.get_by_text("The conversation is back with the assistant").first.wait_for(timeout=30000)
    # ... followed by the one optional rating question of the end of a takeover by SMS (issue 17).
    assert sent_to(twilio, phone.number)[2:] == [f"{RETURNED}.", ratings.QUESTION]
    assert any("40 to 60 minutes" in message for message in phone.text("how long does one infusion take?"))


def test_a_claim_left_idle_returns_to_the_assistant_without_the_patient_writing(patient, staff, site):
    ask(patient, "how long does one infusion take?")
    bot_says(patient, "40 to 60 minutes")
    session_id = session_of(patient)
    staff.goto(f"{site['origin']}/staff/conversations/{session_id}")
    staff.get_by_role("button", name="Take over this conversation").click()
    staff.get_by_text("You have taken over").first.wait_for(timeout=30000)
    bot_says(patient, JOINED, timeout=30000)

    # The staff member's last activity TAKEOVER_IDLE_MINUTES (15) ago: the clock moved for this claim only.
    engine = sa.create_engine(site["database"])
    try:
        with engine.begin() as connection:
            moved = connection.execute(sa.text(
                "UPDATE conversation_claims SET last_activity_at = :t WHERE sender_id = :s"),
                {"t": datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=16), "s": session_id})
            assert moved.rowcount == 1
    finally:
        engine.dispose()
    bot_says(patient, RETURNED, timeout=30000)  # the patient has written nothing since the claim
    ask(patient, "will I need boosters?")
    bot_says(patient, "Many patients need booster treatments")
