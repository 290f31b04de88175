"""Issue 17: the review inbox, the export to training data and the outcomes dashboard, on conversations
played through the real Rasa and action servers (REST and SMS), on SQLite and PostgreSQL.

The conversations are scripted so that each one's outcome is known (and checked on the bot's replies);
the test counts what the dashboard should show from that script and from the conversations as Rasa's
HTTP API gives them, not from the console's own code."""

import dataclasses
import html as html_module
import re
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List

import pytest
import requests
import yaml

from clinic.db import session_scope
from clinic.sms.store import sender_id_for
from staff.models import ReviewDecision
from tests.handoff_db import ROOT, fresh_postgres_database
from tests.support.make_run import make_target
from tests.support.servers import SHARED_TWILIO_TOKEN as TWILIO_TOKEN
from tests.support.servers import BotServers, played_alone, played_on
from tests.support.sms import Phone
from tests.support.staff_console import Console, csrf_token

ADMIN, STAFF = "rita.admin", "sam.staff"
PHONE_TEXT = "415 555 2671"
EMAIL_TEXT = "jo.doe@example.com"
PHONE_QUESTION = f"How much does it cost? text me at {PHONE_TEXT}"
EMAIL_QUESTION = f"is it covered by insurance, my email is {EMAIL_TEXT}"
NAME_QUESTION = "do you take insurance? I'm Jo Doe"
TEST_SPLIT = ROOT / "tests" / "nlu" / "real_questions" / "test.yml"


@dataclass
class Played:
    url: str
    bot_url: str
    senders: Dict[str, str] = field(default_factory=dict)
    outcome: Dict[str, str] = field(default_factory=dict)  # sender -> the outcome the script produced
    channel: Dict[str, str] = field(default_factory=dict)
    booking_started: List[str] = field(default_factory=list)
    booked: List[str] = field(default_factory=list)
    topics: Counter = field(default_factory=Counter)
    thumbs: Counter = field(default_factory=Counter)
    trackers: Dict[str, dict] = field(default_factory=dict)
    ratings: List[int] = field(default_factory=list)


# name: (messages, the text the last reply must contain, the outcome that makes)
SCRIPT = {
    "answered": (["how long does one infusion take?"], "40 to 60 minutes", "answered"),
    "cost_a": (["How much does it cost?"], "don't have information", "unanswered"),
    "cost_b": (["how much   does it COST"], "don't have information", "unanswered"),
    "booked": (["I'd like to book a consultation", "Maria Lopez", "415 555 0199", "weekday afternoons", "yes",
                "yes"], "your reference is", "handed_off"),
    "abandoned": (["I'd like to book a consultation", "Maria Lopez"], "phone number or email", "abandoned"),
    "crisis": (["i dont want to live anymore"], "988", "crisis"),
    # A thank-you the crisis detector leans on: the crisis line and a handoff for staff to read the
    # conversation, which is neither a crisis nor a handoff the patient asked for.
    "leaning": (["thank you for being kind to me"], "988", "other"),
    "phone": ([PHONE_QUESTION], "", "unanswered"),
    "email": ([EMAIL_QUESTION], "", "unanswered"),
    "name": ([NAME_QUESTION], "", "unanswered"),
    "fallback": (["qwerty asdf zxcv"], "", "unanswered"),
    "rated": (["do i need boosters?", "how long does one infusion take?"], "40 to 60 minutes", "answered"),
    # The cost question in other words (none in common with it): one group by what the NLU understood.
    "plan": (["is there a payment plan"], "", "unanswered"),
    "monthly": (["can I pay monthly"], "", "unanswered"),
    "dog": (["can I bring my dog?"], "", "unanswered"),
}


def _tracker(bot: BotServers, sender: str) -> dict:
    return bot.tracker(sender)


def _answers(tracker: dict) -> List[float]:
    return [e["timestamp"] for e in tracker["events"] if e["event"] == "bot"
            and str((e.get("metadata") or {}).get("utter_action", "")).startswith("utter_faq/")]


def play(bot: BotServers, url: str) -> Played:
    played = Played(url, bot.url)
    for name, (messages, expected, outcome) in SCRIPT.items():
        sender = uuid.uuid4().hex  # the widget's kind of id, so the feedback endpoint takes it
        played.senders[name] = sender
        replies = [bot.say(sender, message) for message in messages]
        assert expected in replies[-1], (name, replies)
        played.channel[sender] = "web"
        if outcome:
            played.outcome[sender] = outcome
        if name in ("booked", "abandoned"):
            played.booking_started.append(sender)
        if name == "booked":
            played.booked.append(sender)
    phone = Phone(bot, TWILIO_TOKEN)
    assert any("infusion" in m.lower() for m in phone.text("how many infusions will i need"))
    sms_sender = sender_id_for(phone.number)
    played.senders["sms"] = sms_sender
    played.channel[sms_sender] = "sms"
    played.outcome[sms_sender] = "answered"
    # A booking by SMS, rated 4 when asked.
    texter = Phone(bot, TWILIO_TOKEN)
    for message in ("book", "Sam Lee", "yes", "weekday mornings", "1", "1"):
        last = texter.text(message)
    assert "Reply with a number from 1" in last[-1]
    assert texter.text("4") == ["Thank you for your rating."]
    booked_by_sms = sender_id_for(texter.number)
    played.senders["sms_booking"] = booked_by_sms
    played.channel[booked_by_sms] = "sms"
    played.outcome[booked_by_sms] = "handed_off"
    played.booking_started.append(booked_by_sms)
    played.booked.append(booked_by_sms)
    played.ratings.append(4)
    for sender in played.channel:
        played.trackers[sender] = _tracker(bot, sender)
    # The patient of "rated" presses 👍 on the first answer, 👎 on the second, as the widget does.
    rated = played.senders["rated"]
    first, second = _answers(played.trackers[rated])
    for answer_at, helpful, comment in ((first, True, None), (second, False, "the whole visit, not the drip")):
        body = {"session_id": rated, "answer_at": answer_at, "helpful": helpful, "comment": comment}
        response = requests.post(f"{bot.url}/webhooks/feedback/answer", json=body, timeout=10)
        assert response.status_code == 200, response.text
        played.thumbs["up" if helpful else "down"] += 1
    for sender, tracker in played.trackers.items():
        for event in tracker["events"]:
            if event["event"] == "user":
                selector = (event.get("parse_data") or {}).get("response_selector") or {}
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                key = ((selector.get(intent) or {}).get("response") or {}).get("intent_response_key")
                if key:
                    played.topics[key] += 1
    with session_scope(url) as session:
        from staff import accounts

        accounts.set_password(session, ADMIN, Console.PASSWORD, role="admin")
        accounts.set_password(session, STAFF, Console.PASSWORD, role="staff")
    return played


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def played(request, model_path, tmp_path_factory):
    """SQLite: played on the run's shared servers (tests/conftest.py), their database emptied first, and
    copied; PostgreSQL: on servers of its own, stopped once the conversations are in."""
    workdir = tmp_path_factory.mktemp(f"review-{request.param}")
    if request.param == "sqlite":
        played, url = played_alone(request.getfixturevalue("bot_servers"), workdir, play)
        yield dataclasses.replace(played, url=url)
    else:
        with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
            yield played_on(model_path, workdir, url, play, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN})


@pytest.fixture
def console(played):
    return Console(played.url)


def _rows(html: str) -> List[str]:
    """The review table's rows as text."""
    body = html[html.index('aria-label="Review groups"'):]
    return [html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip())
            for row in re.findall(r'<tr id="group-\d+">(.*?)</tr>', body, re.S)]


def test_the_inbox_is_for_administrators_only(console):
    staff = console.browser(STAFF)
    assert staff.get("/staff/review").status_code == 403
    token = csrf_token(staff, "/staff/dashboard")
    assert staff.post("/staff/review/decide", data={"csrf_token": token, "decision": "ignore",
                                                    "group_key": "x"}).status_code == 403
    assert staff.get("/staff/dashboard").status_code == 200
    assert "Review inbox" not in staff.get("/staff/dashboard").get_data(as_text=True)


def test_the_inbox_groups_and_lists_what_the_bot_did_not_handle(console, played):
    html = console.browser(ADMIN).get("/staff/review").get_data(as_text=True)
    rows = _rows(html)
    # The cost question, worded five ways (the same words, more words, other words), is one group and,
    # the most frequent, first; its latest wording leads, every wording is listed.
    assert rows[0].startswith("can I pay monthly"), rows
    assert " 5 wordings " in f" {rows[0]} " and " 5 5 conversations " in f" {rows[0]} ", rows[0]
    for wording in ("How much does it cost?", "how much does it COST", PHONE_QUESTION, "is there a payment plan"):
        assert wording in rows[0]
    # The insurance question, asked twice in other words (each with personal details): one group.
    [insurance] = [row for row in rows if NAME_QUESTION in row]
    assert EMAIL_QUESTION in insurance and " 2 wordings " in f" {insurance} "
    # Questions the NLU has no topic for are not lumped together: the dog is alone.
    assert any(row.startswith("can I bring my dog?") and " 1 1 conversation " in f" {row} " for row in rows), rows
    texts = " | ".join(rows)
    # Out of scope, not understood, and the 👎 with its message.
    for question in (PHONE_QUESTION, EMAIL_QUESTION, NAME_QUESTION, "qwerty asdf zxcv"):
        assert question in texts
    assert "not understood (fallback)" in texts
    assert "the patient said it did not help" in texts and "how long does one infusion take?" in texts
    # Answered questions, form answers and the crisis message are not there.
    for absent in ("Maria Lopez", "i dont want to live anymore", "do i need boosters?", "weekday afternoons"):
        assert absent not in texts
    # Newest first puts the last message sent (the SMS question is answered: the 👎 came last).
    newest = _rows(console.browser(ADMIN).get("/staff/review?sort=newest").get_data(as_text=True))
    assert newest[0].startswith("how long does one infusion take?"), newest


def _decide(client, html, text, decision, topic="faq/schedule", note=""):
    index = next(i for i, row in enumerate(_rows(html)) if row.startswith(text))
    key = re.findall(r'name="g\d+-group_key" type="hidden" value="([^"]*)"', html)[index]
    response = client.post("/staff/review/decide", data={
        "csrf_token": csrf_token(client, "/staff/review"), "prefix": f"g{index}", f"g{index}-group_key":
        html_module.unescape(key), f"g{index}-topic": topic, f"g{index}-note": note, "decision": decision})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get("/staff/review?view=all").get_data(as_text=True)


def test_decisions_export_to_training_data_rasa_accepts(console, played, tmp_path):
    admin = console.browser(ADMIN)
    html = admin.get("/staff/review").get_data(as_text=True)
    html = _decide(admin, html, "can I pay monthly", "confirm")
    html = _decide(admin, html, NAME_QUESTION, "relabel", topic="out_of_scope/insurance")
    html = _decide(admin, html, "can I bring my dog?", "new_topic", note=f"wants a reply at {EMAIL_TEXT}")
    html = _decide(admin, html, "qwerty asdf zxcv", "ignore")
    assert "Confirm" in html and "ignored" in html.lower()
    assert "to review" in html.lower()
    # A question of the frozen test split, decided as if it had come in: never exported.
    test_question = yaml.safe_load(open(TEST_SPLIT))["questions"][0]["text"]
    with session_scope(played.url) as session:
        session.add(ReviewDecision(group_key=test_question.lower().strip(" ?"), example=test_question,
                                   decision="relabel", topic="faq/medical_history", decided_by=ADMIN))
    out = tmp_path / "reviewed.yml"
    made = make_target("export-reviewed", f"OUT={out}", env={"DATABASE_URL": played.url})
    assert made.returncode == 0, made.stderr
    assert "+ out_of_scope/cost: How much does it cost? text me at <phone>" in made.stdout, made.stdout
    # Of the confirmed cost group, two wordings are in the training data already; the test-split question
    # never goes in.
    assert "6 added" in made.stdout and "1 left out (in an evaluation set)" in made.stdout, made.stdout
    assert "2 left out (already in the training data)" in made.stdout, made.stdout
    written = out.read_text()
    for personal in ("555", "2671", "@", "jo.doe", "Jo Doe", "Doe"):
        assert personal not in written
    assert test_question not in written
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(out))
    examples = {(m.get("intent_response_key") or m.get("intent"), m.get("text")) for m in data.intent_examples}
    assert ("out_of_scope/cost", "How much does it cost? text me at <phone>") in examples
    assert ("out_of_scope/cost", "can I pay monthly") in examples
    assert ("out_of_scope/insurance", "is it covered by insurance, my email is <email>") in examples
    assert ("out_of_scope/insurance", "do you take insurance? I'm <name>") in examples
    assert ("out_of_scope/other", "can I bring my dog?") in examples
    assert "qwerty" not in written
    # `make validate`'s check, with the export among the training data.
    validated = subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings",
                                "--data", "data", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]
    # Exported again, nothing changes and it says so.
    again = make_target("export-reviewed", f"OUT={out}", env={"DATABASE_URL": played.url})
    assert "(no change)" in again.stdout, again.stdout


def _figure(html: str, measure: str) -> str:
    card = re.search(rf'id="measure-{measure}">(.*?)</div>', html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'<p class="figure">(.*?)</p>', card, re.S)
                                        .group(1))).strip()


@pytest.mark.parametrize("channel", ["", "web", "sms"])
def test_the_dashboard_figures_equal_the_conversations_counted_here(console, played, channel):
    html = console.browser(STAFF).get(f"/staff/dashboard?channel={channel}").get_data(as_text=True)
    senders = [s for s, c in played.channel.items() if not channel or c == channel]
    expected = Counter(played.outcome[s] for s in senders)
    assert _figure(html, "conversations") == str(len(senders))
    for outcome in ("answered", "handed_off", "crisis", "unanswered", "abandoned", "other"):
        assert _figure(html, outcome).split()[0] == str(expected[outcome]), (outcome, html)
    web = channel in ("", "web")
    started = len([s for s in played.booking_started if s in senders])
    booked = len([s for s in played.booked if s in senders])
    assert _figure(html, "booking").startswith(f"{started} → {booked}")
    ratings = played.ratings if channel in ("", "sms") else []
    assert _figure(html, "ratings").split()[0] == str(len(ratings))
    if ratings:
        assert f"(average {sum(ratings) / len(ratings):.1f})" in _figure(html, "ratings")
    thumbs = _figure(html, "thumbs")
    up, down = (played.thumbs["up"], played.thumbs["down"]) if web else (0, 0)
    assert thumbs.startswith(f"{up} helpful · {down} not helpful")
    if web:
        assert "(50% helpful)" in thumbs
    # Top topics: the counts Rasa's own trackers give.
    topics = Counter()
    for sender in senders:
        for event in played.trackers[sender]["events"]:
            if event["event"] == "user":
                parse = event.get("parse_data") or {}
                intent = (parse.get("intent") or {}).get("name")
                key = (((parse.get("response_selector") or {}).get(intent) or {}).get("response") or {}).get(
                    "intent_response_key")
                if key:
                    topics[key] += 1
    table = html[html.index('aria-label="Top topics"'):]
    for topic, count in topics.most_common(3):
        assert re.search(rf"<td>{re.escape(topic)}</td><td>{count}</td>", table), (topic, count, table[:2000])
    # Each measure has its definition and a chart (inline SVG, nothing from elsewhere).
    assert html.count('<svg class="chart"') >= 11 and "http" not in html.split("<svg", 1)[1].split("</svg>")[0]
    assert "left mid-form" in html and "ended in a fallback" in html


def test_an_sms_rating_is_in_the_transcript_at_its_time(console, played):
    from clinic.feedback.ratings import QUESTION

    page = console.browser(STAFF).get(f"/staff/conversations/{played.senders['sms_booking']}")
    html = page.get_data(as_text=True)
    items = [html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip())
             for item in re.findall(r'<li class="(?:user|bot)[^"]*">(.*?)</li>', html, re.S)]
    # The booking's confirmation, the question the texter was sent, and their "4", in that order, last.
    asked = next(i for i, item in enumerate(items) if QUESTION in item)
    assert items[asked].startswith("Assistant") and "reference" in items[asked - 1].lower(), items
    assert items[asked + 1:] == [items[-1]] and items[-1].startswith("Patient"), items
    assert "recorded as a rating: 4 of 5" in items[-1] and items[-1].endswith(" 4"), items[-1]


def test_retention_deletes_the_feedback_and_masks_the_review_examples(played):
    from datetime import timedelta

    from clinic.db import utc_now
    from clinic.feedback.models import AnswerFeedback, ConversationRating
    from staff import retention

    with session_scope(played.url) as session:
        assert session.query(AnswerFeedback).count() == 2 and session.query(ConversationRating).count() == 1
        result = retention.purge(session, days=1, now=utc_now() + timedelta(days=2))
        assert result.feedback_deleted == 3
        assert session.query(AnswerFeedback).count() == 0 and session.query(ConversationRating).count() == 0
        examples = [d.example + " " + (d.note or "") for d in session.query(ReviewDecision)]
    assert examples and not any("2671" in e or EMAIL_TEXT in e or "Jo Doe" in e for e in examples), examples
