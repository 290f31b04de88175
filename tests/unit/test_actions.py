"""Custom actions run on serialized trackers; replies rendered with the domain's response texts."""

import json
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import ActionAnswerCondition

ROOT = Path(__file__).resolve().parents[2]
TRACKERS = Path(__file__).parent / "trackers"
RESPONSES = {
    **yaml.safe_load((ROOT / "domain.yml").read_text())["responses"],
    **yaml.safe_load((ROOT / "data" / "responses" / "faq.yml").read_text())["responses"],
}


def load_tracker(name: str, **changes) -> Tracker:
    state = json.loads((TRACKERS / f"{name}.json").read_text())
    state.update(changes)
    return Tracker.from_dict(state)


def rendered(dispatcher: CollectingDispatcher):
    """The text a user sees for each message the action sent."""
    texts = []
    for message in dispatcher.messages:
        template = RESPONSES[message["response"]][0]["text"]
        texts.append(template.format(**message))
    return texts


def run(tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = ActionAnswerCondition().run(dispatcher, tracker, {})
    return events, rendered(dispatcher)


def test_listed_and_unlisted_conditions_each_get_their_answer():
    events, texts = run(load_tracker("ask_condition_ptsd_and_schizophrenia"))
    assert events == []
    assert texts[0].startswith("Yes. Post-traumatic stress disorder (PTSD) is one of the conditions")
    assert "full medical history" in texts[0]
    assert texts[1].startswith("Schizophrenia is not among the conditions our information lists")
    assert "A doctor decides" in texts[1]
    # and, once, the conditions it does list
    assert texts[2] == (
        "The conditions it lists are major depressive disorder (depression), obsessive-compulsive disorder (OCD), "
        "post-traumatic stress disorder (PTSD), bipolar disorder, postpartum depression and social anxiety "
        "disorder, for people who haven't had success with other treatments."
    )
    assert len(texts) == 3


def test_two_unlisted_conditions_get_the_list_of_listed_ones_once():
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    tracker.latest_message["entities"] = [
        {"entity": "condition", "value": "schizophrenia"},
        {"entity": "condition", "value": "generalized_anxiety_disorder"},
    ]
    _, texts = run(tracker)
    assert texts[0].startswith("Schizophrenia is not among the conditions")
    assert texts[1].startswith("Generalized anxiety disorder is not among the conditions")
    assert [t.startswith("The conditions it lists are") for t in texts[2:]] == [True]


def test_no_condition_named_answers_who_it_is_for():
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    tracker.latest_message["entities"] = []
    _, texts = run(tracker)
    assert len(texts) == 1
    assert "major depressive disorder" in texts[0] and "social anxiety disorder" in texts[0]


def test_a_condition_named_twice_is_answered_once():
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    ptsd = tracker.latest_message["entities"][0]
    tracker.latest_message["entities"] = [ptsd, dict(ptsd, start=30, end=34)]
    _, texts = run(tracker)
    assert len(texts) == 1
