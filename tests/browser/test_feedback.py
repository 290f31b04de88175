"""Issue 17, item 1: "Was this helpful?" after each FAQ answer in the website chat (Chromium, `make run`),
stored per answer in the database; the endpoint refuses what the widget would never send."""

import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.support.accessibility import axe_violations, focused
from tests.support.http import allow_origin
from tests.support.widget import MESSAGE_BOX, ask, bot_says, open_chat

FEEDBACK = "/webhooks/feedback/answer"


def feedback_rows(database, sender_id=None):
    """The feedback stored about one conversation (the website is shared with other modules' tests), or
    all of it."""
    where = "WHERE sender_id = :s " if sender_id else ""
    engine = sa.create_engine(database)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.text(
                "SELECT sender_id, answer_at, channel, message, answer, topic, helpful, comment "
                f"FROM answer_feedback {where}ORDER BY id"), {"s": sender_id})]
    finally:
        engine.dispose()


def rows_when(database, sender_id, ready, timeout=15.0):
    """The conversation's feedback rows once `ready(rows)` holds (the widget posts in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = feedback_rows(database, sender_id)
        if ready(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def widget_session_id(page):
    return page.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")


@pytest.fixture(scope="module")
def chat(browser, site):
    context, page = open_chat(browser, site["origin"])
    yield page
    context.close()


def test_thumbs_down_with_the_keyboard_asks_what_was_missing_and_stores_it(chat, site):
    ask(chat, "how long does one infusion take?")
    bot_says(chat, "40 to 60 minutes")
    panel = chat.get_by_role("group", name="Feedback on this answer")
    panel.wait_for(timeout=15000)
    assert "Was this helpful?" in panel.inner_text()
    # Keyboard only: from the message box, Shift+Tab reaches the 👎 button by its spoken name.
    chat.get_by_label(MESSAGE_BOX).focus()
    for _ in range(10):
        chat.keyboard.press("Shift+Tab")
        if (focused(chat) or {}).get("label") == "No, this answer was not helpful":
            break
    else:
        pytest.fail(f"the 👎 button is not reached with Shift+Tab; focus on {focused(chat)}")
    chat.keyboard.press("Enter")
    question = chat.get_by_label("What were you looking for?")
    question.wait_for(timeout=10000)
    assert focused(chat)["tag"] == "input"
    assert chat.get_by_role("button", name="Talk to our staff").is_visible()
    assert axe_violations(chat) == []
    chat.keyboard.type("whether I can drive home afterwards")
    chat.keyboard.press("Enter")
    chat.get_by_role("status").filter(has_text="Thank you").first.wait_for(timeout=10000)
    [row] = rows_when(site["database"], widget_session_id(chat), lambda rows: rows and rows[0]["comment"])
    assert row["sender_id"] == widget_session_id(chat)
    assert row["helpful"] in (False, 0)
    assert row["comment"] == "whether I can drive home afterwards"
    assert row["message"] == "how long does one infusion take?"
    assert "40 to 60 minutes" in row["answer"]
    assert row["topic"].startswith("faq/") and row["channel"] == "web"


def test_thumbs_up_on_the_next_answer_is_a_row_of_its_own(chat, site):
    ask(chat, "do i need boosters?")
    bot_says(chat, "booster")
    panels = chat.get_by_role("group", name="Feedback on this answer")
    chat.wait_for_function("() => document.querySelectorAll('[aria-label=\"Feedback on this answer\"]').length >= 1"
                           " && [...document.querySelectorAll('button')].some(b => b.getAttribute('aria-label')"
                           " === 'Yes, this answer was helpful')", timeout=15000)
    panels.last.get_by_role("button", name="Yes, this answer was helpful").click()
    chat.get_by_role("status").filter(has_text="Thank you for your feedback").wait_for(timeout=10000)
    rows = rows_when(site["database"], widget_session_id(chat), lambda rows: len(rows) == 2)
    assert len(rows) == 2 and rows[1]["helpful"] in (True, 1) and rows[1]["comment"] is None
    assert rows[1]["message"] == "do i need boosters?"


def test_no_question_after_the_greeting_or_a_crisis_reply(chat):
    ask(chat, "i dont want to live anymore")
    bot_says(chat, "988")
    chat.wait_for_timeout(1500)
    log = chat.locator("[role=log]").inner_text()
    # Two FAQ answers were rated above; the greeting and the crisis reply have no question.
    assert chat.get_by_role("group", name="Feedback on this answer").count() == 2, log


def notes_and_answers(page):
    """Each feedback element under an answer: (its text, the text of the answer it follows)."""
    return page.evaluate("""() => [...document.querySelectorAll('.rw-messages-container .feedback')].map(
        note => [note.innerText, note.previousElementSibling ? note.previousElementSibling.innerText : ''])""")


def test_a_reload_asks_again_about_the_answers_not_rated_and_shows_the_ratings_given(chat, site):
    ask(chat, "what is ketamine therapy")
    bot_says(chat, "intravenous")
    chat.wait_for_function("() => document.querySelectorAll('[aria-label=\"Feedback on this answer\"]').length === 3",
                           timeout=15000)
    before = notes_and_answers(chat)
    chat.reload()
    bot_says(chat, "intravenous")
    chat.wait_for_function("() => document.querySelectorAll('.rw-messages-container .feedback').length === 3",
                           timeout=15000)
    chat.wait_for_timeout(1500)  # nothing more comes (no second question under an answer)
    after = notes_and_answers(chat)
    assert len(after) == 3, after
    # Each one under the answer it was about, as before the reload.
    assert [answer for _, answer in after] == [answer for _, answer in before], (before, after)
    assert "40 to 60 minutes" in after[0][1] and "You rated this answer not helpful." in after[0][0]
    assert "You rated this answer helpful." in after[1][0]
    assert "intravenous" in after[2][1] and "Was this helpful?" in after[2][0]
    assert chat.get_by_role("button", name="Yes, this answer was helpful").count() == 1
    # The question shown again works: the vote is stored for that answer.
    chat.get_by_role("button", name="Yes, this answer was helpful").click()
    chat.get_by_role("status").filter(has_text="Thank you for your feedback").wait_for(timeout=10000)
    rows = rows_when(site["database"], widget_session_id(chat), lambda rows: len(rows) == 3)
    assert len(rows) == 3 and rows[2]["helpful"] in (True, 1) and rows[2]["message"] == "what is ketamine therapy"
    assert axe_violations(chat) == []


def test_the_endpoint_refuses_forged_or_oversized_feedback(chat, site):
    rasa = site["rasa_url"]
    origin = site["origin"]
    own = feedback_rows(site["database"], widget_session_id(chat))[0]
    rows = feedback_rows(site["database"])
    # Another conversation's answer, named with a made-up conversation id: nothing to rate.
    forged = {"session_id": uuid.uuid4().hex, "answer_at": own["answer_at"], "helpful": True}
    assert requests.post(rasa + FEEDBACK, json=forged, headers={"Origin": origin}, timeout=10).status_code == 404
    # Not a conversation id the chat issues (a REST or SMS conversation).
    odd = {**forged, "session_id": own["sender_id"][:-1] + "-"}
    assert requests.post(rasa + FEEDBACK, json=odd, timeout=10).status_code == 400
    # A time that is no FAQ answer of this conversation (the greeting is before any answer).
    wrong_time = {"session_id": own["sender_id"], "answer_at": own["answer_at"] - 3600, "helpful": True}
    assert requests.post(rasa + FEEDBACK, json=wrong_time, timeout=10).status_code == 404
    too_long = {"session_id": own["sender_id"], "answer_at": own["answer_at"], "helpful": False, "comment": "x" * 501}
    assert requests.post(rasa + FEEDBACK, json=too_long, timeout=10).status_code == 400
    huge = requests.post(rasa + FEEDBACK, data=b"{" + b" " * 5000 + b"}", timeout=10,
                         headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert feedback_rows(site["database"]) == rows
    # A browser on another site gets no permission to call it; the clinic's site does.
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    assert allow_origin(requests.options(rasa + FEEDBACK, timeout=10,
                                         headers={"Origin": "https://evil.example", **preflight})) == []
    assert allow_origin(requests.options(rasa + FEEDBACK, timeout=10, headers={"Origin": origin, **preflight})) == [
        origin]


def test_too_many_requests_for_one_conversation_are_refused(site):
    body = {"session_id": uuid.uuid4().hex, "answer_at": 1.0, "helpful": True}
    statuses = [requests.post(site["rasa_url"] + FEEDBACK, json=body, timeout=10).status_code for _ in range(40)]
    assert 429 in statuses and set(statuses) <= {404, 429}
