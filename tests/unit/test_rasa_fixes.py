"""The fixes clinic.server applies to Rasa 3.6 change its speed, not its answers."""

import asyncio
import uuid

import jsonschema
import pytest
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.clarify import SOMETHING_ELSE
from clinic import rasa_fixes
from clinic.channels.rest import EMPTY_MESSAGE_PAYLOAD
from tests.support.database import DOMAIN

ACTION = RemoteAction("validate_booking_form", None)


@pytest.fixture(autouse=True, scope="module")
def _fixes_applied():
    """Rasa patched for this module's tests only, then given back its own methods."""
    originals = [(owner, name, vars(owner)[name])
                 for owner, name in ((RemoteAction, "_validate_action_result"), (Event, "resolve_by_type"),
                                     (rasa.core.processor, "DaskGraphRunner"),
                                     (MessageProcessor, "_parse_message_with_graph"))]
    rasa_fixes.apply()
    yield
    for owner, name, original in originals:
        setattr(owner, name, original)


def test_a_valid_action_server_response_passes():
    response = {"events": [{"event": "slot", "name": "contact_name", "value": "Sam Lee"}], "responses": []}
    assert ACTION._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": [{"event": "slot", "name": "contact_name"}]},  # a slot event without its value
        {"events": [{"name": "contact_name", "value": "x"}]},  # no event type
        {"events": "not a list"},
    ],
)
def test_an_invalid_action_server_response_is_rejected_as_before(response):
    with pytest.raises(jsonschema.ValidationError) as raised:
        ACTION._validate_action_result(response)
    assert "Failed to validate Action server response" in raised.value.message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(response, RemoteAction.action_response_format_spec())


def _event_types() -> list:
    return [alternative["properties"]["event"]["const"]
            for alternative in RemoteAction.action_response_format_spec()["properties"]["events"]["items"]["oneOf"]]


def _responses_valid_and_not() -> list:
    """Responses with one event of every type the schema knows, as the SDK sends them, and each spoilt."""
    needs = {"slot": {"name": "contact_name", "value": "Sam Lee"}, "entities": {"entities": []}}
    whole = {
        "user": {"text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": [
            {"entity": "condition", "value": "ptsd", "start": 0, "end": 4}]}},
        "bot": {"text": "Hello", "data": {"buttons": [{"title": "Yes", "payload": "/affirm"}]}, "metadata": {}},
    }
    responses = []
    for name in _event_types():
        event = {"event": name, "timestamp": 1700000000.5, **needs.get(name, {}), **whole.get(name, {})}
        responses.append({"events": [event], "responses": [{"text": "Thanks", "buttons": []}]})
        responses += [
            {"events": [{**event, "timestamp": "yesterday"}]},
            {"events": [{**event, "timestamp": True}]},  # a boolean is not a number in JSON Schema
            {"events": [{key: value for key, value in event.items() if key != "event"}]},
            {"events": [{**event, "metadata": "none"}]},
        ]
        responses += [{"events": [{key: value for key, value in event.items() if key != drop}]}
                      for drop in needs.get(name, {})]
    return responses + [{"events": [{"event": "no_such_event"}]}, {"events": {}}, {"responses": "Thanks"}, {}]


def test_the_compiled_check_and_jsonschema_agree_on_every_event_type():
    validator = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())(
        RemoteAction.action_response_format_spec())
    verdicts = []
    for response in _responses_valid_and_not():
        valid = validator.is_valid(response)
        try:
            ACTION._validate_action_result(response)
            accepted = True
        except jsonschema.ValidationError:
            accepted = False
        assert accepted == valid, response
        verdicts.append(valid)
    assert verdicts.count(True) >= len(_event_types()) and verdicts.count(False) >= 3 * len(_event_types())


def test_a_valid_response_is_not_interpreted_by_jsonschema(monkeypatch):
    """The speed: jsonschema, which interprets the schema for every response, sees only rejected ones."""
    def interpreted(*args, **kwargs):
        raise AssertionError("jsonschema was asked")
    monkeypatch.setattr(rasa_fixes._action_response_validator(), "iter_errors", interpreted)
    assert ACTION._validate_action_result(
        {"events": [{"event": "slot", "name": "contact_name", "value": "Sam Lee"}], "responses": []}) is True
    with pytest.raises(AssertionError, match="jsonschema was asked"):
        ACTION._validate_action_result({"events": "not a list"})


@pytest.mark.parametrize(
    "type_name, expected",
    [("user", UserUttered), ("bot", BotUttered), ("slot", SlotSet), ("active_loop", ActiveLoop),
     ("session_started", SessionStarted)],
)
def test_stored_events_resolve_to_their_classes(type_name, expected):
    assert Event.resolve_by_type(type_name) is expected


def test_an_unknown_event_type_still_falls_back_or_fails():
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_a_whole_conversation_round_trips_through_the_event_table():
    events = [UserUttered("hi", intent={"name": "greet", "confidence": 1.0}), SlotSet("crisis", False),
              BotUttered("Hello")]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events


def test_the_served_model_runs_without_dask_and_gives_dasks_results(model_path):
    """Every parse and every next-action prediction, with the model's own nodes, run both ways."""
    agent = Agent.load(model_path)
    processor = agent.processor
    sequential = processor.graph_runner
    assert type(sequential) is rasa_fixes.SequentialGraphRunner
    with_dask = object.__new__(DaskGraphRunner)
    with_dask.__dict__.update(sequential.__dict__)  # the same loaded nodes, run by dask

    def both(call, text):
        results = []
        for runner in (with_dask, sequential):
            processor.graph_runner = runner
            results.append(asyncio.run(call(text)))
        return results

    async def predicted(text):
        tracker = await processor.log_message(UserMessage(text, sender_id=str(uuid.uuid4())))
        prediction = processor._predict_next_with_tracker(tracker)
        return prediction.max_confidence_index, prediction.probabilities, prediction.policy_name

    messages = ["How long does an infusion take, and how many will I need?", "is it safe for PTSD?", "hi",
                "I don't want to wake up tomorrow", "what does it cost", "It's Sarah Jones", "?"]
    for text in messages:
        dask_parse, parse = both(lambda text: processor.parse_message(UserMessage(text)), text)
        assert parse == dask_parse and parse["intent"]["name"]
        dask_prediction, prediction = both(predicted, text)
        assert prediction == dask_prediction and prediction[2]


def _button_payloads_naming_an_intent() -> list:
    """Every payload the bot's buttons send that names an intent, as the person's widget sends it (the
    domain the server runs with doubles a payload's braces, which its templating turns back into one)."""
    payloads = {
        button["payload"].replace("{{", "{").replace("}}", "}")
        for variations in DOMAIN.responses.values()
        for variation in variations
        for button in variation.get("buttons", [])
        if button["payload"].startswith("/")
    }
    return sorted(payloads | {SOMETHING_ELSE["payload"], EMPTY_MESSAGE_PAYLOAD})


# Typed text, and what only looks like a payload: the graph reads these as before.
NOT_NAMING_AN_INTENT = ["yes", "/", "/no_such_intent", "hello /affirm", "/affirm please", "how long is an infusion?"]


@pytest.fixture(scope="module")
def processor(model_path):
    return Agent.load(model_path).processor


def test_a_message_naming_its_intent_gets_what_the_whole_nlu_graph_gives(processor):
    payloads = _button_payloads_naming_an_intent()
    assert {"/affirm", "/deny", "/cancel", "/something_else"} <= set(payloads) and any("{" in p for p in payloads)
    typed = ["  /affirm ", "/affirm@0.7", '/change_field{"booking_field": "contact_time"}', "/greet"]
    tracker = DialogueStateTracker.from_events("s", [])
    for text in payloads + typed + NOT_NAMING_AN_INTENT:
        graph = rasa_fixes._original_parse_message_with_graph(processor, UserMessage(text), tracker)
        assert processor._parse_message_with_graph(UserMessage(text), tracker) == graph, text


def test_a_button_press_is_answered_without_running_the_nlu_graph(processor, monkeypatch):
    def graph_run(*args, **kwargs):
        raise AssertionError("the NLU graph ran")

    monkeypatch.setattr(processor.graph_runner, "run", graph_run)
    parsed = asyncio.run(processor.parse_message(UserMessage('/change_field{"booking_field": "contact_name"}')))
    assert parsed["intent"] == {"name": "change_field", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("booking_field", "contact_name")]
    for text in NOT_NAMING_AN_INTENT:
        with pytest.raises(AssertionError, match="the NLU graph ran"):
            asyncio.run(processor.parse_message(UserMessage(text)))
