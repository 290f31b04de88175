"""The website chat in a real browser: Debian's Chromium, headless, driven by Playwright."""

import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.servers import ROOT, BotServers, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def site(model_path, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("site")
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    database = f"sqlite:///{workdir / 'clinic.db'}"
    bot = BotServers(model_path, workdir, database, env={"ALLOWED_ORIGINS": origin})
    web = None
    try:
        bot.start()
        web = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{web_port}", "web.app:create_app()"],
            cwd=ROOT, env={**bot.env, "RASA_PUBLIC_URL": bot.url},
            stdout=open(workdir / "web.log", "wb"), stderr=subprocess.STDOUT,
        )
        bot.wait_for(f"{origin}/healthz", web, "web")
        yield {"origin": origin, "bot": bot, "database": database}
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        bot.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium must be installed in CI (.ci/run installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["origin"] + "/")
    page.get_by_text("automated assistant for", exact=False).first.wait_for(timeout=60000)
    yield page
    context.close()


def ask(page, text):
    box = page.get_by_label("Your message to the clinic's assistant")
    box.fill(text)
    box.press("Enter")


def bot_says(page, text, timeout=60000):
    page.locator(".rw-response", has_text=text).first.wait_for(timeout=timeout)


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
    url = f"{site['bot'].url}/socket.io/?EIO=4&transport=polling&t={uuid.uuid4().hex}"
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
