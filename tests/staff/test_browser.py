"""The staff console in a real browser (Debian's Chromium, headless, Playwright) against the website's
gunicorn server on a copy of the database the real servers filled (tests/staff/conftest.py). With
STAFF_SCREENSHOT_DIR set (`make staff-screenshots`), saves staff-queue.png and staff-transcript.png there
for docs/staff-console.md."""

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from clinic.db import session_scope
from clinic.handoffs.models import Handoff
from staff.models import HandoffStatusChange
from tests.support.ports import free_port
from tests.support.processes import stop_group, wait_for_server
from tests.support.seed import STAFF_PASSWORD, STAFF_USER, sqlite_copy
from tests.support.servers import ROOT


@pytest.fixture(scope="module")
def filled_copy(filled_by_servers, tmp_path_factory):
    """A copy of the database the real servers filled: this test changes a status."""
    return sqlite_copy(filled_by_servers, tmp_path_factory.mktemp("staff-browser"))


@pytest.fixture(scope="module")
def console(filled_copy, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("staff-web") / "web.log"
    env = {**os.environ, "DATABASE_URL": filled_copy.url, "STAFF_SECRET_KEY": secrets.token_hex(32),
           "PYTHONPATH": str(ROOT)}
    web = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "web.app:create_app()"],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{url}/healthz", web, 60, "the website", log.read_text, interval=0.3)
        yield url
    finally:
        stop_group(web)


def screenshot(page, name):
    folder = os.environ.get("STAFF_SCREENSHOT_DIR")
    image = page.screenshot(path=str(Path(folder) / name) if folder else None, full_page=True)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"


def test_log_in_work_the_queue_read_a_transcript_and_change_a_status(browser, console, filled_copy):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(console + "/staff/queue")
    assert "/staff/login" in page.url  # not logged in yet
    page.get_by_label("User name").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)
    # Every handoff, whatever other tests did to the booking's status meanwhile.
    page.get_by_role("link", name="all", exact=True).click()
    page.wait_for_url("**/staff/queue?view=all")

    crisis, booking = filled_copy.references["crisis"], filled_copy.references["booking"]
    rows = page.locator("table[aria-label='Handoff queue'] tbody tr")
    assert crisis in rows.first.inner_text() and "URGENT" in rows.first.inner_text()
    booking_row = page.locator(f"#handoff-{booking}")
    assert "Maria Lopez" in booking_row.inner_text() and "(415) 555-2671" in booking_row.inner_text()
    screenshot(page, "staff-queue.png")

    booking_row.get_by_role("link", name="Conversation").click()
    page.get_by_role("heading", name="Conversation").wait_for(timeout=30000)
    transcript = page.locator("ol[aria-label='Transcript']")
    assert "how long does one infusion take?" in transcript.inner_text()
    assert "40 to 60 minutes" in transcript.inner_text()
    assert "intent faq/" in transcript.inner_text()
    screenshot(page, "staff-transcript.png")

    page.get_by_role("link", name="Handoff queue").click()
    page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)
    crisis_row = page.locator(f"#handoff-{crisis}")
    crisis_row.get_by_label(f"New status for {crisis}").select_option("contacted")
    crisis_row.get_by_role("button", name="Save").click()
    page.get_by_text(f"{crisis} is now contacted").wait_for(timeout=30000)
    assert f"new → contacted: {STAFF_USER}" in page.locator(f"#handoff-{crisis}").inner_text()
    with session_scope(filled_copy.url) as session:
        stored = session.query(Handoff).filter(Handoff.reference == crisis).one()
        assert (stored.status, stored.status_changed_by) == ("contacted", STAFF_USER)
        assert session.query(HandoffStatusChange).filter(HandoffStatusChange.handoff_id == stored.id).count() == 1

    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for(timeout=30000)
    page.goto(console + "/staff/queue")
    assert "/staff/login" in page.url
    context.close()
