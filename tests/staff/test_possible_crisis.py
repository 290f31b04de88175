"""A message the crisis detector leaned on without calling it a crisis (clinic_nlu.crisis_guard) reaches the
staff console: its conversation listed under "possible crisis", the message marked in the transcript, and a
handoff in the queue asking staff to read it (actions/crisis_handoffs.py)."""

import html as html_module
import re

import pytest

from tests.support.servers import played_alone
from tests.support.staff_console import Console

LEANING = "how much is one infusion? there's not much left for me to lose"
ORDINARY = "how much is one infusion?"
CRISIS = "how much does it cost? honestly i want to end my life"
REQUEST = "i want to talk to a person"


@pytest.fixture(scope="module")
def console(bot_servers, tmp_path_factory):
    def play(bot, _):
        for sender, message in (("crisis", CRISIS), ("leaning", LEANING), ("ordinary", ORDINARY), ("request", REQUEST)):
            bot.say(f"hint-{sender}", message)

    _, url = played_alone(bot_servers, tmp_path_factory.mktemp("possible-crisis"), play)
    console = Console(url)
    console.account("reviewer")
    return console


def text(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return html_module.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_the_conversation_is_listed_as_a_possible_crisis_and_only_it(console):
    browser = console.browser("reviewer")
    listed = text(browser, "/staff/conversations?flag=possible_crisis")
    assert "hint-leaning" in listed and "possible crisis</span>" in listed
    assert "hint-ordinary" not in listed and "hint-crisis" not in listed
    every = text(browser, "/staff/conversations")
    assert all(f"hint-{name}" in every for name in ("leaning", "ordinary", "crisis"))
    assert 'value="possible_crisis"' in every and "> possible crisis</label>" in every


def test_the_transcript_marks_the_message_and_shows_the_line_it_got(console):
    transcript = text(console.browser("reviewer"), "/staff/conversations/hint-leaning")
    assert "possible crisis, not confirmed" in transcript
    assert "If you're in crisis, call or text 988 any time." in transcript
    assert "possible crisis" not in text(console.browser("reviewer"), "/staff/conversations/hint-ordinary")


def queue_row(page, sender):
    [row] = [row for row in page.split("<tr")[1:] if f"/staff/conversations/{sender}" in row]
    return row


def test_the_queue_asks_staff_to_read_the_conversation_and_the_handoff_flag_leaves_it_out(console):
    browser = console.browser("reviewer")
    queue = text(browser, "/staff/queue?view=all")
    leaning = queue_row(queue, "hint-leaning")
    assert '<span class="badge possible-crisis">Possible crisis, not confirmed</span>' in leaning
    assert "Possible crisis, not confirmed: a message may be a sign of crisis" in leaning
    assert "URGENT" not in leaning and "no consent recorded" not in leaning
    assert "URGENT: crisis" in queue_row(queue, "hint-crisis")
    # Urgent first, then the possible crisis, then the request to get in touch made after it.
    order = [queue.index(f"/staff/conversations/hint-{name}") for name in ("crisis", "leaning", "request")]
    assert order == sorted(order)
    assert "hint-ordinary" not in queue
    listed = text(browser, "/staff/conversations?flag=handoff")
    assert "hint-crisis" in listed and "hint-leaning" not in listed
    transcript = text(browser, "/staff/conversations/hint-leaning")
    assert re.search(r"Handoff <strong>[A-Z0-9]{3}-[A-Z0-9]{3}</strong> \(possible crisis, not confirmed\):", transcript)
