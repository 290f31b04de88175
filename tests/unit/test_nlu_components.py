"""The custom NLU components on Rasa messages, as the pipeline calls them."""

from rasa.shared.nlu.training_data.message import Message

from clinic_nlu.condition_extractor import ConditionEntityExtractor
from clinic_nlu.crisis_guard import CrisisGuard

GUARD = CrisisGuard(CrisisGuard.get_default_config())


def classified(text, intent="faq", confidence=0.97):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    return message


def test_guard_overrides_a_confident_faq_prediction_with_crisis():
    message = GUARD.process([classified("how long is an infusion, i want to kill myself")])[0]
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")] == ["crisis", "faq"]
    assert message.get("crisis_guard")["assessment"] == "crisis"


def test_guard_overrides_a_fallback():
    message = GUARD.process([classified("kms", intent="nlu_fallback", confidence=0.4)])[0]
    assert message.get("intent")["name"] == "crisis"


def test_guard_routes_a_general_question_to_the_informational_answer():
    message = GUARD.process([classified("can ketamine help with suicidal thoughts?")])[0]
    assert message.get("intent")["name"] == "ask_suicidal_thoughts"


def test_guard_leaves_ordinary_questions_alone():
    message = GUARD.process([classified("how long is an infusion")])[0]
    assert message.get("intent") == {"name": "faq", "confidence": 0.97}
    assert message.get("crisis_guard") is None


def test_guard_accepts_an_empty_message():
    message = GUARD.process([classified("", intent="nlu_fallback")])[0]
    assert message.get("intent")["name"] == "nlu_fallback"


def test_condition_extractor_adds_canonical_entities():
    message = Message(data={"text": "would it help my PTSD or my bipolar"})
    ConditionEntityExtractor({}).process([message])
    entities = message.get("entities")
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("condition", "ptsd"),
        ("condition", "bipolar_disorder"),
    ]
    assert entities[0]["extractor"] == "ConditionEntityExtractor"


def test_a_sure_classifier_crisis_stays_a_crisis():
    message = GUARD.process([classified("everything is dark and heavy", intent="crisis", confidence=0.93)])[0]
    assert message.get("intent")["name"] == "crisis"


def test_an_unsure_classifier_crisis_asks_to_rephrase_instead_of_a_false_alarm():
    message = GUARD.process([classified("any problem with my meds", intent="crisis", confidence=0.44)])[0]
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.44}
    assert [i["name"] for i in message.get("intent_ranking")][:2] == ["nlu_fallback", "crisis"]
