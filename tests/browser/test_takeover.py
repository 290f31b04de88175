"""Live takeover in two browsers (Chromium) under `make run`: a patient in the widget, a staff member
in the console. The staff member claims the conversation, both see each other's messages in order, the
assistant says nothing meanwhile, and after "return" it answers again."""

import json

import pytest

from tests.support.widget import ask, bot_says

STAFF_USER = "tess.takeover"
STAFF_PASSWORD = "Takeover-horse-battery-31"
JOINED = "A member of our team has joined"
RETURNED = "You're back with the clinic's automated assistant"


@pytest.fixture
def patient(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["origin"] + "/")
    page.get_by_text("automated assistant for", exact=False).first.wait_for(timeout=60000)
    yield page
    context.close()


@pytest.fixture
def staff(browser, site):
    made = site["make"]("staff-user", f"USER={STAFF_USER}", env={"STAFF_PASSWORD": STAFF_PASSWORD})
    assert made.returncode == 0, made.stdout + made.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["origin"] + "/staff/login")
    page.get_by_label("User name").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)
    yield page
    context.close()


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

    staff.get_by_role("button", name="Return to the assistant").click()
    staff.get_by_text("The conversation is back with the assistant").first.wait_for(timeout=30000)
    bot_says(patient, RETURNED, timeout=30000)
    ask(patient, "how long does one infusion take?")
    bot_says(patient, "40 to 60 minutes")
