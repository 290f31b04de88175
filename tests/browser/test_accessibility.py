"""Issue 19: the website's chat and the staff console with the keyboard only, and axe-core's WCAG 2.2
A/AA rules, in Chromium against `make run` (docs/accessibility.md says what this covers and what not).

Keyboard only means Tab, Shift+Tab, Enter, Space and typing: no mouse, no element.click(), no fill().
"""

import re

import pytest

from tests.support.accessibility import axe_violations, button_named, focus_lands, focused, tab_to
from tests.support.widget import MESSAGE_BOX, bot_says, open_chat

STAFF_USER = "a11y.staff"
STAFF_PASSWORD = "Keyboard-only-horse-19"
REFERENCE = re.compile(r"your reference is ([A-Z0-9]{3}-[A-Z0-9]{3})")


def in_message_box(element):
    return element is not None and element["label"] == MESSAGE_BOX


def send(page, text, with_send_button=False):
    """Types into the message box (which has the focus) and sends it with Enter, or with Tab to the Send
    button and Enter; either way the focus is in the message box afterwards."""
    assert in_message_box(focused(page)), focused(page)
    page.keyboard.type(text)
    if with_send_button:
        tab_to(page, button_named("Send"), limit=1)
    page.keyboard.press("Enter")
    assert in_message_box(focused(page)), "the focus left the message box after sending"


def press_choice(page, name, key):
    """From the message box, Shift+Tab back to the newest choice called `name`, and press it with `key`."""
    tab_to(page, button_named(name), limit=12, backwards=True)
    page.keyboard.press(key)


@pytest.fixture(scope="module")
def conversation(browser, site):
    """A keyboard-only conversation in the widget, from the page's top to a booking's reference code.
    The test below checks each step; the page stays open, the conversation in it, for the others."""
    context, page = open_chat(browser, site["origin"])
    yield page
    context.close()


def test_the_chat_with_the_keyboard_only(conversation):
    page = conversation
    # From the page's top, Tab reaches the greeting's choices, announced as buttons with their label.
    reached = tab_to(page, button_named("How long is an infusion?"), limit=20)
    assert reached["role"] == "button"
    page.keyboard.press("Enter")
    bot_says(page, "40 to 60 minutes")
    # The choice is gone once pressed: the focus waits in the message box, not back at the page's top.
    assert in_message_box(focused(page))
    # The log reads in order, each message with who said it.
    read = page.locator("[role=log][aria-live=polite]").aria_snapshot()
    assert read.index("Assistant:") < read.index("You: How long is an infusion?") < read.index("40 to 60 minutes")

    for message, expected, with_send_button in [
        ("I'd like to book a consultation", "What name should our staff ask for?", False),
        ("Maria Lopez", "phone number or email", True),
        ("maria@example.com", "good time", False),
        ("weekday afternoons", "permission", False),
    ]:
        send(page, message, with_send_button)
        bot_says(page, expected)
    press_choice(page, "Yes", " ")  # Space, as on a native button
    bot_says(page, "Shall I send it?")
    press_choice(page, "Yes, send it", "Enter")
    bot_says(page, "your reference is")
    assert REFERENCE.search(page.locator("[role=log]").inner_text())
    assert in_message_box(focused(page))


def test_the_chat_after_the_conversation_has_no_wcag_violation(conversation):
    bot_says(conversation, "your reference is")
    send(conversation, "i dont want to live anymore")
    bot_says(conversation, "988")
    crisis = conversation.locator(".crisis-reply[role=alert]").last
    crisis.wait_for(timeout=10000)
    # Marked by words, not by its colour alone.
    label = crisis.evaluate("e => getComputedStyle(e.querySelector('.rw-message-text'), '::before').content")
    assert "Urgent" in label
    assert axe_violations(conversation) == []


def reference_of(conversation):
    """The reference code the keyboard-only booking above ended with."""
    bot_says(conversation, "your reference is")
    return REFERENCE.search(conversation.locator("[role=log]").inner_text()).group(1)


@pytest.fixture(scope="module")
def staff_account(site):
    made = site["make"]("staff-user", f"USER={STAFF_USER}", env={"STAFF_PASSWORD": STAFF_PASSWORD})
    assert made.returncode == 0, made.stderr
    return STAFF_USER


def log_in_with_the_keyboard(page, origin):
    page.goto(origin + "/staff/login")
    # The user name field has the focus when the page opens.
    focus_lands(page, lambda e: e["tag"] == "input")
    page.keyboard.type(STAFF_USER)
    page.keyboard.press("Tab")
    page.keyboard.type(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)


def test_the_console_with_the_keyboard_only(browser, site, conversation, staff_account):
    reference = reference_of(conversation)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in_with_the_keyboard(page, site["origin"])
    # The queue, from its top: the skip link first, then past the menu to the handoff's status.
    skip = tab_to(page, lambda e: e["tag"] == "a", limit=1)
    assert skip["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, lambda e: e["label"] == f"New status for {reference}")
    page.keyboard.press("ArrowDown")  # from "Contacted" to "Closed"
    tab_to(page, button_named("Save"), limit=1)
    page.keyboard.press("Enter")
    page.get_by_text(f"{reference} is now closed").wait_for(timeout=30000)
    # The change is announced: a status message that has the focus once the page is back.
    status = focus_lands(page, lambda e: e["role"] == "status")
    assert status["text"] == f"{reference} is now closed."
    context.close()


def test_the_console_has_no_wcag_violation(browser, site, conversation, staff_account):
    reference = reference_of(conversation)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["origin"] + "/staff/login")
    assert axe_violations(page) == [], "login"
    log_in_with_the_keyboard(page, site["origin"])
    assert axe_violations(page) == [], "queue"
    # Every handoff, with the status changes of the test above.
    page.goto(site["origin"] + "/staff/queue?view=all")
    assert axe_violations(page) == [], "queue, all"
    page.locator(f"#handoff-{reference}").get_by_role("link", name="Conversation").click()
    page.get_by_role("heading", name="Conversation").wait_for(timeout=30000)
    assert "I'd like to book a consultation" in page.locator("ol[aria-label='Transcript']").inner_text()
    assert axe_violations(page) == [], "transcript"
    # The outcomes dashboard (issue 17), with this test's conversation in its figures.
    page.goto(site["origin"] + "/staff/dashboard")
    page.get_by_role("heading", name="Dashboard").wait_for(timeout=30000)
    assert axe_violations(page) == [], "dashboard"
    context.close()


def test_axe_finds_what_it_should(browser):
    """The check above is live: an image without a text alternative is a violation."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="data:,"></main></html>')
    assert [v for v in axe_violations(page) if v.startswith("image-alt:")]
    context.close()


def fits(page):
    """Reflow (WCAG 1.4.10): nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# 1280 x 900 at 200 % zoom lays out as 640 x 450; a 320 px wide phone.
SCREENS = {"200% zoom": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
           "320 px": {"viewport": {"width": 320, "height": 640}, "is_mobile": True}}


@pytest.mark.parametrize("screen", SCREENS)
def test_the_chat_at_200_percent_zoom_and_320_px(browser, site, screen):
    context, page = open_chat(browser, site["origin"], **SCREENS[screen])
    width = SCREENS[screen]["viewport"]["width"]
    choice = page.get_by_role("button", name="How long is an infusion?")
    choice.wait_for(timeout=30000)
    for element in (choice, page.get_by_label(MESSAGE_BOX)):
        box = element.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width
    assert fits(page)
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_console_at_200_percent_zoom_and_320_px(browser, site, conversation, staff_account, screen):
    reference = reference_of(conversation)
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.goto(site["origin"] + "/staff/login")
    assert fits(page), "login"
    log_in_with_the_keyboard(page, site["origin"])
    assert fits(page), "queue"
    page.goto(site["origin"] + "/staff/search?q=" + reference)
    page.get_by_role("link", name="Conversation").first.click()
    page.get_by_role("heading", name="Conversation").wait_for(timeout=30000)
    assert fits(page), "transcript"
    context.close()


def test_motion_stops_when_the_user_asks_for_less(browser, site):
    context, page = open_chat(browser, site["origin"], reduced_motion="reduce")
    reply = page.get_by_role("button", name="Boosters")
    assert set(reply.evaluate("e => getComputedStyle(e).transitionDuration").split(", ")) == {"0s"}
    context.close()
