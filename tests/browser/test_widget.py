"""The website chat in a real browser (Debian's Chromium, headless, driven by Playwright), served by
`make run` as the README starts it."""

import os
import re
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.support.http import allow_origin
from tests.support.widget import ask, bot_says, open_chat


@pytest.fixture
def page(browser, site):
    context, page = open_chat(browser, site["origin"])
    yield page
    context.close()


def test_greeting_says_automated_and_not_medical_advice_with_quick_replies(page):
    greeting = page.locator(".rw-response").first.inner_text()
    assert "not a clinician" in greeting and "medical advice" in greeting
    assert page.locator(".rw-reply", has_text="Boosters").count() == 1


def test_quick_reply_question_and_history_after_reload(page):
    page.locator(".rw-reply", has_text="Who is it for?").first.click()
    bot_says(page, "social anxiety disorder")
    ask(page, "how long does one infusion take?")
    bot_says(page, "40 to 60 minutes")
    page.reload()
    bot_says(page, "40 to 60 minutes")
    bot_says(page, "social anxiety disorder")


def test_crisis_reply_is_prominent(page):
    ask(page, "i dont want to live anymore")
    bot_says(page, "988")
    crisis = page.locator(".crisis-reply[role=alert]").first
    crisis.wait_for(timeout=10000)
    assert "911" in crisis.inner_text()


def test_a_reply_that_only_names_the_988_line_is_not_shown_as_a_crisis(page):
    ask(page, "qwpoeiru zxmcnv")
    bot_says(page, "call or text 988 any time")
    assert page.locator(".crisis-reply").count() == 0
    assert page.locator(".rw-response[role=alert]").count() == 0


def test_the_input_is_reachable_by_keyboard_and_labelled(page):
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')") == \
                "Your message to the clinic's assistant":
            break
    else:
        pytest.fail("the message box is not reachable with Tab")
    assert page.locator("[role=log][aria-live=polite]").count() == 1


def test_works_on_a_phone_sized_screen(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(site["origin"] + "/")
    page.get_by_label("Your message to the clinic's assistant").wait_for(timeout=60000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.get_by_label("Your message to the clinic's assistant").bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390
    context.close()


def test_booking_through_the_widget_creates_the_handoff(page, site):
    for message, expected in [
        ("I'd like to book a consultation", "What name should our staff ask for?"),
        ("Maria Lopez", "phone number or email"),
        ("maria@example.com", "good time"),
        ("weekday afternoons", "permission"),
    ]:
        ask(page, message)
        bot_says(page, expected)
    page.locator(".rw-reply", has_text="Yes").last.click()
    bot_says(page, "Shall I send it?")
    page.locator(".rw-reply", has_text="Yes, send it").last.click()
    bot_says(page, "your reference is")
    reference = re.search(r"[A-Z0-9]{3}-[A-Z0-9]{3}", page.locator(".rw-response", has_text="your reference is").last.inner_text()).group(0)
    engine = sa.create_engine(site["database"])
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM handoffs WHERE reference = :r"), {"r": reference}).one()
    engine.dispose()
    assert row.email == "maria@example.com" and row.channel == "socketio"


def test_other_origins_cannot_open_a_socket(site):
    url = f"{site['rasa_url']}/socket.io/?EIO=4&transport=polling&t={uuid.uuid4().hex}"
    assert requests.get(url, headers={"Origin": "http://evil.example"}, timeout=10).status_code >= 400
    assert requests.get(url, headers={"Origin": site["origin"]}, timeout=10).status_code == 200


def test_screenshot_of_a_conversation(page):
    ask(page, "how long does one infusion take?")
    bot_says(page, "40 to 60 minutes")
    ask(page, "r boosters needed")
    bot_says(page, "booster treatments")
    path = os.environ.get("SCREENSHOT_PATH")
    image = page.screenshot(path=path, full_page=True)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_allow_origin_for_the_site_and_none_for_another(site):
    polling = f"{site['rasa_url']}/socket.io/?EIO=4&transport=polling&t={uuid.uuid4().hex}"
    rest = f"{site['rasa_url']}/webhooks/rest/webhook"
    message = {"sender": "cors-" + uuid.uuid4().hex, "message": "hi"}
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for origin, expected in [(site["origin"], [site["origin"]]), ("http://evil.example", [])]:
        headers = {"Origin": origin}
        assert allow_origin(requests.get(polling, headers=headers, timeout=10)) == expected
        assert allow_origin(requests.post(rest, json=message, headers=headers, timeout=60)) == expected
        assert allow_origin(requests.options(rest, headers={**headers, **preflight}, timeout=10)) == expected
    # The HTTP API and the SMS webhook are for no web page at all.
    headers = {"Origin": site["origin"]}
    assert allow_origin(requests.get(f"{site['rasa_url']}/", headers=headers, timeout=10)) == []
    assert allow_origin(requests.post(f"{site['rasa_url']}/webhooks/twilio/webhook", headers=headers,
                                       timeout=10)) == []
