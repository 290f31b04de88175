"""The booking form's actions on serialized trackers, writing to a real (temporary) database."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import (
    ActionCancelBooking, ActionRecordStaffRequest, ActionSubmitBooking, ValidateBookingForm)
from actions.crisis import ActionEscalateCrisis
from clinic.alerts.models import AlertOutbox
from clinic.db import session_scope
from clinic.handoffs import spool
from clinic.handoffs.models import Handoff
from clinic.intents import GUARD_KEY

TRACKERS = Path(__file__).parent / "trackers"


@pytest.fixture(autouse=True)
def database(migrated_sqlite, tmp_path, monkeypatch):
    url = migrated_sqlite
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))
    return url


def tracker(name="booking_confirmed", slots=None, latest=None, active_loop=None) -> Tracker:
    state = json.loads((TRACKERS / f"{name}.json").read_text())
    state["slots"].update(slots or {})
    if latest:
        state["latest_message"] = latest
    if active_loop:
        state["active_loop"] = {"name": active_loop}
    return Tracker.from_dict(state)


def handoffs():
    with session_scope() as session:
        return [(h.reference, h.phone, h.name, h.reason, h.topics, h.urgent, h.channel)
                for h in session.query(Handoff).order_by(Handoff.id)]


def submit(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = ActionSubmitBooking().run(dispatcher, t, {})
    return dispatcher.messages, events


def test_confirmed_booking_is_logged_with_what_the_person_asked_about():
    messages, events = submit(tracker())
    [(reference, phone, name, reason, topics, urgent, channel)] = handoffs()
    assert (phone, name, urgent, channel) == ("+14155552671", "Sarah Jones", False, "rest")
    assert topics == "faq/boosters,out_of_scope/cost"
    assert reason == "Accepted the offer to talk to staff; unanswered question: how much does it cost"
    assert messages[0]["response"] == "utter_booking_logged_with_link"
    assert messages[0]["reference"] == reference
    assert {"event": "slot", "name": "contact_phone", "value": None} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events
    ]


def asked_several(markers) -> Tracker:
    """The booking, after an unclear message of several questions instead of the cost question, with the
    marker entities the NLU gave it (clinic_nlu.answer_plan)."""
    state = json.loads((TRACKERS / "booking_confirmed.json").read_text())
    [event] = [e for e in state["events"] if e.get("message_id") == "m2"]
    event["text"] = "how long r the sessions, how often do i come in, can i work after"
    event["parse_data"] = {"intent": {"name": "nlu_fallback", "confidence": 0.3},
                           "entities": [{"entity": marker, "value": "yes"} for marker in markers]}
    return Tracker.from_dict(state)


def test_an_unclear_message_whose_questions_were_each_answered_is_no_unanswered_question():
    submit(asked_several(["answered"]))
    [(_, _, _, reason, _, _, _)] = handoffs()
    assert reason == "Accepted the offer to talk to staff"


def test_an_unclear_message_with_a_question_left_to_the_staff_is_the_unanswered_question():
    submit(asked_several(["answered", "offer"]))
    [(_, _, _, reason, _, _, _)] = handoffs()
    assert reason == ("Accepted the offer to talk to staff; unanswered question: "
                      "how long r the sessions, how often do i come in, can i work after")


def test_a_retried_submit_logs_one_row_with_the_same_reference():
    first, _ = submit(tracker())
    again, _ = submit(tracker())
    assert len(handoffs()) == 1
    assert again[0]["reference"] == first[0]["reference"]


def test_no_consent_logs_nothing():
    messages, _ = submit(tracker(slots={"contact_consent": False, "booking_confirmed": False}))
    assert handoffs() == [] and messages == []


def test_database_down_still_answers_honestly_and_keeps_the_handoff(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    messages, _ = submit(tracker())
    assert messages[0]["response"] == "utter_booking_spooled"
    [(_, record)] = list(spool.pending())
    assert record["reference"] == messages[0]["reference"] and record["phone"] == "+14155552671"


def test_crisis_creates_one_urgent_handoff_per_session_and_ends_a_booking():
    crisis = {"text": "i want to die", "intent": {"name": "crisis", "confidence": 1.0}, "entities": []}
    events = ActionEscalateCrisis().run(
        CollectingDispatcher(), tracker(latest=crisis, active_loop="booking_form"), {}
    )
    ActionEscalateCrisis().run(CollectingDispatcher(), tracker(latest=crisis), {})
    [row] = handoffs()
    assert row[5] is True and row[3].startswith("Crisis message")
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


def test_a_crisis_written_in_another_language_is_told_the_line_in_spanish_too():
    def said(ranking):
        crisis = {"text": "quiero desaparecer", "intent": ranking[0], "intent_ranking": ranking, "entities": []}
        dispatcher = CollectingDispatcher()
        ActionEscalateCrisis().run(dispatcher, tracker(latest=crisis), {})
        return [message["response"] for message in dispatcher.messages]

    spanish = [{"name": "crisis", "confidence": 1.0}, {"name": "non_english", "confidence": 0.97}]
    assert said(spanish) == ["utter_crisis_line_in_spanish"]
    english = [{"name": "crisis", "confidence": 1.0}, {"name": "non_english", "confidence": 0.02}]
    assert said(english) == []


def test_cancel_resets_the_form_and_logs_nothing():
    dispatcher = CollectingDispatcher()
    events = ActionCancelBooking().run(dispatcher, tracker(active_loop="booking_form"), {})
    assert dispatcher.messages[0]["response"] == "utter_booking_cancelled"
    assert events[0] == {"event": "active_loop", "name": None, "timestamp": None}
    assert handoffs() == []


def asked_for_a_person(slots=None, active_loop=None) -> Tracker:
    """booking_confirmed.json as it is now: "yes please" to the staff offer ran action_record_staff_request."""
    t = tracker(slots=slots, active_loop=active_loop)
    events = list(t.events)
    at = next(i for i, e in enumerate(events) if e.get("event") == "user" and e.get("text") == "yes please")
    events.insert(at + 1, {"event": "action", "name": "action_record_staff_request"})
    t.events = events
    return t


def record_request(t: Tracker) -> None:
    offer_accepted = {"text": "yes please", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    before, t.latest_message = t.latest_message, offer_accepted
    assert ActionRecordStaffRequest().run(CollectingDispatcher(), t, {}) == []
    t.latest_message = before


def alert_rows():
    with session_scope() as session:
        return [(row.handoff_id, row.event) for row in session.query(AlertOutbox)]


@pytest.fixture
def alerts_configured(monkeypatch):
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:9/never-sent-here")
    monkeypatch.setenv("ALERT_WEBHOOK_SECRET", "s" * 32)


def test_asking_for_a_person_logs_the_handoff_and_its_alert_at_once(alerts_configured):
    t = asked_for_a_person(slots={"contact_name": None, "contact_phone": None, "contact_time": None})
    record_request(t)
    record_request(t)  # a retried action, or a second request in the same session: still one
    [(reference, phone, name, reason, topics, urgent, channel)] = handoffs()
    assert (phone, name, urgent) == (None, None, False)
    assert reason == "Accepted the offer to talk to staff; unanswered question: how much does it cost"
    assert topics == "faq/boosters,out_of_scope/cost"
    assert [event for _, event in alert_rows()] == ["new_handoff"]


def test_the_form_answers_complete_that_handoff_instead_of_a_second_one(alerts_configured):
    t = asked_for_a_person()
    record_request(t)
    [(early_reference, *_)] = handoffs()
    messages, _ = submit(t)
    again, _ = submit(t)  # a retried submit changes nothing more
    [(reference, phone, name, reason, _, _, _)] = handoffs()
    assert reference == early_reference == messages[0]["reference"] == again[0]["reference"]
    assert (phone, name) == ("+14155552671", "Sarah Jones")
    assert reason == "Accepted the offer to talk to staff; unanswered question: how much does it cost"
    assert len(alert_rows()) == 1  # no second alert for the same request
    with session_scope() as session:
        row = session.query(Handoff).one()
        assert row.consent is True and row.preferred_time == "weekday mornings"


def test_a_handoff_staff_already_closed_is_not_reopened_by_the_form():
    t = asked_for_a_person()
    record_request(t)
    with session_scope() as session:
        session.query(Handoff).update({"status": "closed"})
    submit(t)
    rows = handoffs()
    assert len(rows) == 2 and rows[1][1] == "+14155552671" and rows[0][1] is None


def test_cancelling_after_asking_for_a_person_keeps_the_handoff_and_says_so():
    t = asked_for_a_person(active_loop="booking_form")
    record_request(t)
    dispatcher = CollectingDispatcher()
    ActionCancelBooking().run(dispatcher, t, {})
    assert dispatcher.messages[0]["response"] == "utter_booking_cancelled_staff_told"
    [(_, phone, _, reason, *_)] = handoffs()
    assert phone is None and reason.endswith("; cancelled the contact form before giving details")


def test_refusing_consent_after_asking_for_a_person_is_noted_on_the_handoff():
    t = asked_for_a_person(slots={"contact_consent": False, "booking_confirmed": False})
    record_request(t)
    messages, _ = submit(t)
    [(_, phone, _, reason, *_)] = handoffs()
    assert messages == [] and phone is None
    assert reason.endswith("; did not give permission to be called or emailed")
    filled = {**EMPTY_FORM, "contact_name": "Sam", "requested_slot": "contact_consent"}
    _, said = validate(filled, message("no", intent="deny"), extracted={"contact_consent": False},
                       base=asked_for_a_person())
    assert said[0]["response"] == "utter_no_consent_staff_told"


def test_a_spooled_request_gets_the_form_answers_in_its_spool_file(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    t = asked_for_a_person()
    record_request(t)
    messages, _ = submit(t)
    [(_, record)] = list(spool.pending())
    assert record["reference"] == messages[0]["reference"] and record["phone"] == "+14155552671"
    assert messages[0]["response"] == "utter_booking_spooled"


def validate(slots, latest, extracted=None, base=None):
    """Runs the form's validation after a user message; `extracted`: slots Rasa's mappings just set."""
    t = tracker(slots=slots, latest=latest, active_loop="booking_form")
    if base is not None:
        t.events = list(base.events)
    dispatcher = CollectingDispatcher()
    domain = {"forms": {"booking_form": {"required_slots": [
        "contact_name", "contact_method", "contact_time", "contact_consent", "booking_confirmed"]}},
        "slots": {name: {} for name in ["contact_name", "contact_method", "contact_phone",
                                        "contact_email", "contact_time", "contact_consent",
                                        "booking_confirmed"]}}
    t.events.append({"event": "slot", "name": "requested_slot", "value": slots.get("requested_slot")})
    t.events.extend({"event": "slot", "name": k, "value": v} for k, v in (extracted or {}).items())
    events = asyncio.run(ValidateBookingForm().run(dispatcher, t, domain))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def message(text, intent="nlu_fallback", entities=()):
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}


EMPTY_FORM = {"contact_name": None, "contact_method": None, "contact_phone": None, "contact_email": None,
              "contact_time": None, "contact_consent": None, "booking_confirmed": None}


def test_name_found_by_spacy_in_the_answer_or_taken_from_the_text():
    slots, _ = validate({**EMPTY_FORM, "requested_slot": "contact_name"},
                        message("It's Sarah Jones, thanks, my husband booked last time"))
    assert slots["contact_name"] == "Sarah Jones"
    slots, _ = validate({**EMPTY_FORM, "requested_slot": "contact_name"}, message("im sam lee"))
    assert slots["contact_name"] == "Sam Lee"


def test_contact_is_validated_and_normalised():
    slots, _ = validate({**EMPTY_FORM, "contact_name": "Sam", "requested_slot": "contact_method"},
                        message("415 555 2671 or sam@example.com"))
    assert slots["contact_phone"] == "+14155552671" and slots["contact_email"] == "sam@example.com"
    slots, messages = validate({**EMPTY_FORM, "contact_name": "Sam", "requested_slot": "contact_method"},
                               message("my number is 12345"))
    assert slots["contact_method"] is None
    assert messages[0]["response"] == "utter_invalid_contact_method"


def test_a_crisis_beside_contact_details_is_not_taken_as_an_answer():
    asked = {**EMPTY_FORM, "contact_name": "Sam", "requested_slot": "contact_method"}
    for text in ("my number is 917 555 0192 but i took a whole bottle of tylenol 2 hours ago",
                 "email is jdoe88@gmail.com. tell my family i love them if i don't answer"):
        slots, messages = validate(asked, message(text, intent="crisis"))
        assert "contact_method" not in slots and messages == []
    # The same details without a crisis are the answer.
    slots, _ = validate(asked, message("my number is 917 555 0192, after 5 is best", intent="inform"))
    assert slots["contact_phone"] == "+19175550192"


def test_a_possible_crisis_said_where_the_form_asks_gets_the_crisis_line_and_reaches_staff():
    asked = {**EMPTY_FORM, "contact_name": "Sam", "requested_slot": "contact_method"}
    leaning = {**message("idk. this is the last form i'm ever filling out"), GUARD_KEY: {"leaning": True}}
    _, messages = validate(asked, leaning)
    assert [m["response"] for m in messages] == ["utter_invalid_contact_method", "utter_crisis_line"]
    with session_scope() as session:
        assert [h.kind for h in session.query(Handoff)] == ["possible_crisis"]
    # An ordinary answer neither.
    _, messages = validate(asked, message("sam@example.com"))
    assert messages == []


def test_a_question_in_the_middle_is_not_taken_as_an_answer():
    filled = {**EMPTY_FORM, "contact_name": "Sam", "contact_method": "x", "contact_phone": "+14155552671",
              "requested_slot": "contact_time"}
    slots, _ = validate(filled, message("how long is one infusion?", intent="faq"))
    assert "contact_time" not in slots
    slots, _ = validate(filled, message("weekday mornings", intent="faq"))
    assert slots["contact_time"] == "weekday mornings"
    # A question after the answer, with no question mark, is a question too (clinic.questions.asks).
    slots, _ = validate(filled, message("mornings. what does it cost", intent="out_of_scope"))
    assert "contact_time" not in slots
    slots, _ = validate(filled, message("wat time do u open", intent="faq"))
    assert "contact_time" not in slots


def test_a_correction_at_the_summary_clears_that_field():
    filled = {**EMPTY_FORM, "contact_name": "Sam", "contact_method": "(415) 555-2671",
              "contact_phone": "+14155552671", "contact_time": "mornings", "contact_consent": True,
              "booking_confirmed": False, "requested_slot": "booking_confirmed"}
    slots, _ = validate(filled, message("the phone number is wrong", intent="change_field"),
                        extracted={"booking_confirmed": False})
    assert slots["contact_method"] is None and slots["contact_phone"] is None
    assert slots["booking_confirmed"] is None


def test_a_plain_no_at_the_summary_asks_what_to_change():
    filled = {**EMPTY_FORM, "contact_name": "Sam", "contact_method": "(415) 555-2671",
              "contact_phone": "+14155552671", "contact_time": "mornings", "contact_consent": True,
              "booking_confirmed": False, "requested_slot": "booking_confirmed"}
    slots, messages = validate(filled, message("no", intent="deny"), extracted={"booking_confirmed": False})
    assert slots["booking_confirmed"] is None and "contact_method" not in slots
    assert messages[0]["response"] == "utter_which_field"


def test_refusing_consent_ends_the_form_with_nothing_to_confirm():
    filled = {**EMPTY_FORM, "contact_name": "Sam", "contact_method": "(415) 555-2671",
              "contact_phone": "+14155552671", "contact_time": "mornings", "requested_slot": "contact_consent"}
    slots, messages = validate(filled, message("no", intent="deny"), extracted={"contact_consent": False})
    assert slots["contact_consent"] is False and slots["booking_confirmed"] is False
    assert messages[0]["response"] == "utter_no_consent"


def test_the_action_server_reads_names_without_loading_tensorflow():
    # The first name question loads spaCy's entity recogniser into the action server, not TensorFlow.
    code = ("import sys; from actions import names; "
            "print(names.people('hi, this is Maria Lopez'), 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "['Maria Lopez'] False"
