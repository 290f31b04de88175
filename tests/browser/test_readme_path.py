"""The whole README path, as a new user walks it: `make run` on free ports, the website's chat in
Chromium, a REST message, a signed SMS, a staff account made with `make staff-user`, the console
finding the conversation, and Ctrl-C leaving every port free."""

import uuid
import xml.etree.ElementTree as ET

import requests

from tests.support.make_run import MakeRun
from tests.support.ports import port_is_free
from tests.support.sms import signed_sms

TWILIO_TOKEN = "readme-path-" + uuid.uuid4().hex
STAFF_USER = "readme.staff"
STAFF_PASSWORD = "Readme-path-horse-42"


def test_the_readme_path_from_make_run_to_ctrl_c(browser, tmp_path):
    run = MakeRun(tmp_path, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN})
    try:
        run.start()
        output = run.output()
        # One clear line says where everything is; dependencies' deprecation notices are not shown.
        ready = next(line for line in output.splitlines() if "Ready: chat at" in line)
        assert f"{run.origin}/" in ready
        assert f"http://localhost:{run.ports['RASA_PORT']}/webhooks/rest/webhook" in ready
        assert f"{tmp_path / 'clinic.db'} (SQLite)" in ready
        # Rasa's own line can follow the Ready line (the ready check answers first): waited for, not raced.
        run.wait_for("Rasa server is up and running")
        assert "DeprecationWarning" not in run.output()

        # The website's chat: greeting, a question answered, and nothing wrong in the page's console.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(run.origin + "/")
        page.get_by_text("automated assistant for", exact=False).first.wait_for(timeout=60000)
        box = page.get_by_label("Your message to the clinic's assistant")
        box.fill("how long does one infusion take?")
        box.press("Enter")
        page.locator(".rw-response", has_text="40 to 60 minutes").first.wait_for(timeout=60000)
        page.wait_for_timeout(500)
        context.close()
        assert problems == []

        # REST.
        reply = requests.post(f"{run.rasa_url}/webhooks/rest/webhook", timeout=60,
                              json={"sender": "readme-rest", "message": "will I need booster treatments?"}).json()
        assert "booster" in " ".join(m.get("text", "") for m in reply).lower()

        # SMS, signed as Twilio signs it.
        url = f"{run.rasa_url}/webhooks/twilio/webhook"
        params, headers = signed_sms(url, TWILIO_TOKEN, "+14155550142", "how long does one infusion take?")
        sms = requests.post(url, data=params, headers=headers, timeout=60)
        assert sms.status_code == 200
        assert "40 to 60 minutes" in " ".join(m.text or "" for m in ET.fromstring(sms.text).iter("Message"))

        # A staff account the README's way, then the console finds the REST conversation.
        made = run.make("staff-user", f"USER={STAFF_USER}", env={"STAFF_PASSWORD": STAFF_PASSWORD})
        assert made.returncode == 0, made.stderr
        context = browser.new_context()
        page = context.new_page()
        page.goto(run.origin + "/staff/queue")
        page.get_by_label("User name").fill(STAFF_USER)
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("heading", name="Handoff queue").wait_for(timeout=30000)
        page.goto(run.origin + "/staff/search?q=booster+treatments")
        assert "readme-rest" in page.content()
        page.goto(run.origin + "/staff/conversations/readme-rest")
        transcript = page.locator("ol[aria-label='Transcript']").inner_text()
        assert "will I need booster treatments?" in transcript
        context.close()

        # Ctrl-C stops everything: make returns, and every port it used is free again.
        run.interrupt()
        assert [name for name, port in run.ports.items() if not port_is_free(port)] == []
    finally:
        run.stop()
