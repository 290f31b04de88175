"""The one classifier's prediction in the formats the rest of the pipeline reads (intent, ranking,
response selector), and how RetrievalTopic answers, offers close topics or asks back from it."""

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message

from clinic_nlu.retrieval_topic import RetrievalTopic
from clinic_nlu.topic_classifier import TopicClassifier

LABELS = ["faq/boosters", "faq/schedule", "greet", "out_of_scope/cost", "out_of_scope/insurance"]


def predicted(probabilities, text="how many will i need"):
    message = Message(data={"text": text})
    TopicClassifier._set_prediction(message, LABELS, np.array(probabilities))
    return message


def resolved(message):
    RetrievalTopic({"ask_below": 0.3, "ask_margin": 0.4}).process([message])
    return message


def test_the_intent_is_the_labels_family_with_their_summed_probability():
    message = predicted([0.3, 0.4, 0.1, 0.15, 0.05])
    assert message.get("intent") == {"name": "faq", "confidence": pytest.approx(0.7)}
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["faq", "out_of_scope", "greet"]


def test_the_selector_ranks_every_topic_best_first_with_its_answer():
    selected = predicted([0.3, 0.4, 0.1, 0.15, 0.05]).get("response_selector")["default"]
    assert selected["response"]["intent_response_key"] == "faq/schedule"
    assert selected["response"]["utter_action"] == "utter_faq/schedule"
    assert [entry["intent_response_key"] for entry in selected["ranking"]] == [
        "faq/schedule", "faq/boosters", "out_of_scope/cost", "out_of_scope/insurance"]


def test_a_message_of_another_intent_is_left_to_its_intent():
    message = resolved(predicted([0.02, 0.02, 0.9, 0.03, 0.03], text="hello"))
    assert message.get("intent")["name"] == "greet"
    assert message.get("entities", []) == []


def test_a_clear_topic_is_answered_with_no_alternatives():
    message = resolved(predicted([0.05, 0.9, 0.0, 0.05, 0.0]))
    assert message.get("intent")["name"] == "faq"
    assert message.get("entities", []) == []


def test_a_close_runner_up_is_offered_after_the_answer():
    message = resolved(predicted([0.3, 0.5, 0.0, 0.15, 0.05]))
    assert message.get("intent")["name"] == "faq"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("alternative", "faq/boosters"), ("alternative", "out_of_scope/cost")]


def test_an_unlikely_top_topic_asks_back_with_the_likely_topics():
    message = resolved(predicted([0.25, 0.28, 0.0, 0.24, 0.23]))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("topic_choices") == ["faq/schedule", "faq/boosters", "out_of_scope/cost"]


def unsure_intent(message):
    """As Rasa's FallbackClassifier leaves a message whose intent it found too unlikely."""
    fallback = {"name": "nlu_fallback", "confidence": 0.4}
    message.set("intent", fallback)
    message.set("intent_ranking", [fallback, *message.get("intent_ranking")])
    return message


def test_a_question_whose_intent_was_unsure_gets_its_likely_topics_as_choices():
    message = resolved(unsure_intent(predicted([0.1, 0.25, 0.3, 0.2, 0.15], text="do i stop my meds before")))
    assert [entry["name"] for entry in message.get("intent_ranking")][:2] == ["nlu_fallback", "faq"]
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("topic_choices") == ["faq/schedule", "out_of_scope/cost", "out_of_scope/insurance"]


def test_an_unsure_message_most_likely_not_a_question_keeps_the_general_clarification():
    message = resolved(unsure_intent(predicted([0.1, 0.1, 0.5, 0.2, 0.1], text="hmm ok")))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("topic_choices") is None


def test_unsure_contact_details_get_no_topic_choices():
    message = resolved(unsure_intent(predicted([0.1, 0.25, 0.3, 0.2, 0.15], text="call me at 617-555-0142")))
    assert message.get("topic_choices") is None


def test_close_out_of_scope_topics_get_the_general_out_of_scope_answer():
    message = resolved(predicted([0.0, 0.05, 0.0, 0.5, 0.45], text="is it covered and what do i pay"))
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("response_selector")["default"]["response"]["intent_response_key"] == "out_of_scope/other"
    assert message.get("entities", []) == []


def planned(intent, *entity_names, topic=None, topic_entities=(), condition="v", **parse):
    from clinic_nlu.answer_plan import AnswerPlan

    entities = [{"entity": name, "value": condition if name == "condition" else "v"} for name in entity_names]
    entities += [{"entity": "topic", "value": value} for value in topic_entities]
    message = Message(data={"text": "x", "intent": {"name": intent, "confidence": 0.9}, "entities": entities, **parse})
    if topic:
        message.set("response_selector", {"default": {"response": {"intent_response_key": topic}}})
    AnswerPlan({}).process([message])
    return [entity["entity"] for entity in message.get("entities")]


def test_a_reply_with_more_than_its_answer_is_marked_once_whatever_the_details():
    assert planned("faq", "condition", "topic", "alternative") == ["condition", "topic", "alternative", "more"]
    assert planned("out_of_scope", "topic") == ["topic", "more"]
    assert planned("ask_condition", "condition", "topic") == ["condition", "topic", "more"]


def test_a_request_to_book_or_for_a_person_that_asks_another_question_is_marked_for_its_answer():
    assert planned("book_appointment", "topic") == ["topic", "more"]
    assert planned("request_staff", "topic") == ["topic", "more"]


def test_an_answer_to_a_message_the_crisis_detector_leans_towards_is_marked_for_the_crisis_line():
    leaning = {"crisis_guard": {"classifier": {"name": "out_of_scope"}, "leaning": True}}
    assert planned("out_of_scope", **leaning) == ["more"]
    assert planned("faq", **leaning) == ["more"]
    assert planned("book_appointment", **leaning) == ["more"]
    assert planned("faq", crisis_guard={"classifier": {"name": "faq"}, "leaning": False}) == []
    # A thank-you, a goodbye, an off-topic message: their one reply, then the line (data/rules/basics.yml).
    assert planned("thank", **leaning) == ["more"]
    assert planned("goodbye", **leaning) == ["more"]
    assert planned("off_topic", **leaning) == ["more"]
    assert planned("thank") == []
    # Replies that carry the line already, or whose rules take no more (a greeting), are left alone.
    assert planned("low_mood", **leaning) == []
    assert planned("greet", **leaning) == []


def test_the_answer_about_suicidal_thoughts_keeps_the_question_the_classifiers_read_before_the_guard():
    # "I made an attempt at 17, I'm 42 now and stable. Do you treat OCD?": the guard answers about suicidal thoughts
    # (a history long over), and the question beside it is answered after it (data/rules/safety.yml).
    def before(name, leaning=False):
        return {"crisis_guard": {"classifier": {"name": name}, "leaning": leaning}}

    assert planned("ask_suicidal_thoughts", topic="faq/schedule", **before("faq")) == ["topic", "more"]
    assert planned("ask_suicidal_thoughts", topic="out_of_scope/cost", **before("out_of_scope")) == [
        "topic", "more", "offer"]
    # A question about a condition keeps the list, and the condition's own answer follows it.
    assert planned("ask_suicidal_thoughts", "condition", **before("ask_condition")) == ["condition", "topic", "more"]
    assert planned("ask_suicidal_thoughts", "condition", condition="schizophrenia", **before("ask_condition")) == [
        "condition", "topic", "more", "offer"]
    # The other questions of the message, as after any answer; a topic already among them is not added twice.
    assert planned("ask_suicidal_thoughts", topic_entities=["faq/dose"], **before("nlu_fallback")) == [
        "topic", "more", "offer"]
    assert planned("ask_suicidal_thoughts", topic="faq/dose", topic_entities=["faq/dose"], **before("faq")) == [
        "topic", "more", "offer"]
    # Nothing besides: the classifiers read the question about suicidal thoughts too, or asked back; and its answer
    # carries the crisis line, so a lean towards a crisis adds no more.
    assert planned("ask_suicidal_thoughts", **before("ask_suicidal_thoughts")) == []
    assert planned("ask_suicidal_thoughts", **before("nlu_fallback")) == []
    assert planned("ask_suicidal_thoughts", **before("ask_suicidal_thoughts", leaning=True)) == []


def test_the_topic_kept_from_before_the_guard_is_the_one_the_selector_picked():
    from clinic_nlu.answer_plan import AnswerPlan

    message = Message(data={"text": "x", "intent": {"name": "ask_suicidal_thoughts", "confidence": 1.0},
                            "crisis_guard": {"classifier": {"name": "faq", "confidence": 0.8}}})
    message.set("response_selector", {"default": {"response": {"intent_response_key": "faq/schedule"}}})
    AnswerPlan({}).process([message])
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("topic", "faq/schedule"), ("more", "yes")]


def test_a_question_with_a_part_asking_for_the_staff_or_read_as_nothing_ends_with_the_offer():
    from clinic_nlu.question_parts import PART_FOR_STAFF

    assert planned("faq", topic="faq/how_it_works", **{PART_FOR_STAFF: True}) == ["offer"]
    assert planned("faq", **{PART_FOR_STAFF: True}) == ["offer"]


def test_an_unclear_message_whose_every_question_was_read_is_marked_answered_and_offered_if_one_is_out_of_scope():
    from clinic_nlu.question_parts import PARTS_READ

    read = {PARTS_READ: True}
    assert planned("nlu_fallback", topic_entities=["faq/schedule", "faq/how_it_works"], **read) == ["topic", "topic", "answered"]
    assert planned("nlu_fallback", topic_entities=["faq/schedule", "out_of_scope/cost"], **read) == [
        "topic", "topic", "answered", "offer"]
    # Not every question read: the question back as before, which offers the staff itself.
    assert planned("nlu_fallback", topic_entities=["faq/schedule", "out_of_scope/cost"]) == ["topic", "topic"]


def test_a_reply_with_one_answer_is_not_marked():
    assert planned("faq") == []
    assert planned("ask_condition", "condition") == ["condition"]
    assert planned("book_appointment", "booking_field") == ["booking_field"]


def test_an_faq_reply_that_answers_part_of_the_question_or_an_out_of_scope_part_ends_with_the_offer():
    assert planned("faq", topic="faq/what_to_expect") == ["offer"]
    assert planned("faq", topic="faq/how_it_works") == []
    assert planned("faq", topic="faq/how_it_works", topic_entities=["out_of_scope/cost"]) == ["topic", "more", "offer"]
    assert planned("faq", topic="faq/how_it_works", topic_entities=["faq/dose"]) == ["topic", "more", "offer"]
    assert planned("faq", topic="faq/how_it_works", topic_entities=["faq/schedule"]) == ["topic", "more"]
    # a condition the article does not list: the staff are offered, as after the condition's own answer
    assert planned("faq", "condition", topic="faq/what_is", condition="schizophrenia") == ["condition", "more", "offer"]
    assert planned("faq", "condition", topic="faq/what_is", condition="ptsd") == ["condition", "more"]
    # out-of-scope and condition answers are always followed by the offer (data/rules/faq.yml)
    assert planned("out_of_scope", topic="out_of_scope/cost") == []
