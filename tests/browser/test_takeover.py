"""Live takeover under `make run`: a patient in the widget (one Chromium context) or texting (signed
webhook in, a local Twilio REST stand-in out), a staff member in the console (another context). The
staff member claims the conversation, both see each other's messages in order, the assistant says
nothing meanwhile, and after "return" it answers again."""

import json
import os
import uuid
from pathlib import Path

import pytest

from clinic.feedback import ratings
from clinic.sms.store import sender_id_for
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


@pytest.fixture(scope="module")
def twilio():
    api = TwilioApi(ACCOUNT_SID, TWILIO_TOKEN)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, twilio):
    """The `site` of tests/browser/conftest.py (`make run`), with SMS sending pointed at the stand-in."""
    run = MakeRun(tmp_path_factory.mktemp("site"), env={
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url})
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


@pytest.fixture
def staff(browser, site, staff_account):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["origin"] + "/staff/login")
    page.get_by_label("User name").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)
    yield page
    context.close()


def screenshot(page, name):
    """For the README, with STAFF_SCREENSHOT_DIR set (`make staff-screenshots`)."""
    folder = os.environ.get("STAFF_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def responses(page):
    return [text.strip() for text in page.locator(".rw-response").all_inner_texts()]


def transcript(page):
    return page.locator("ol[aria-label='Transcript'] li").all_inner_texts()


def test_staff_take_over_the_widget_conversation_and_give_it_back(patient, staff, site):
    ask(patient, "can I talk to a real person please?")
    patient.wait_for_timeout(3000)
    answered = len(responses(patient))
    session_id = json.loads(patient.evaluate("localStorage.getItem('chat_session')"))["session_id"]

    staff.goto(f"{site['origin']}/staff/conversations/{session_id}")
    staff.get_by_role("button", name="Take over this conversation").click()
    staff.get_by_text("You have taken over").first.wait_for(timeout=30000)
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


def test_staff_take_over_a_texting_conversation_and_give_it_back(staff, site, twilio):
    phone = Phone(RasaServer(site["rasa_url"]), TWILIO_TOKEN)
    assert phone.text("can I talk to a real person please?")

    staff.goto(f"{site['origin']}/staff/conversations/{sender_id_for(phone.number)}")
    staff.get_by_role("button", name="Take over this conversation").click()
    staff.get_by_text("You have taken over").first.wait_for(timeout=30000)
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
