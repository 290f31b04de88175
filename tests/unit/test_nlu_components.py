"""The custom NLU components on Rasa messages, as the pipeline calls them."""

import numpy as np
from rasa.shared.nlu.training_data.message import Message

from clinic.intents import crisis_guessed
from clinic.questions import questions_asked
from clinic_nlu.condition_extractor import ConditionEntityExtractor
from clinic_nlu.crisis_detector import neighbour_margin, sentence_spans
from clinic_nlu.crisis_guard import CrisisGuard
from clinic_nlu.question_parts import QuestionParts, runners_up, without_conditions, without_treated_conditions

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


def scored(text, score):
    message = classified(text)
    message.set("crisis_score", score)
    return message


def test_the_detector_alone_needs_more_to_call_venting_about_everyday_things_a_crisis():
    # The lexicon sees no danger in either; the detector scores both 0.85 (its threshold is 0.8).
    vented = GUARD.process([scored("this insurance process is killing me", 0.85)])[0]
    assert vented.get("intent") == {"name": "faq", "confidence": 0.97}
    plain = GUARD.process([scored("i am so tired of all of it", 0.85)])[0]
    assert plain.get("intent")["name"] == "crisis"
    sure = GUARD.process([scored("this insurance process is killing me", 0.95)])[0]
    assert sure.get("intent")["name"] == "crisis"


def test_a_history_told_as_long_over_gets_the_informational_answer_however_sure_the_detector_is():
    # The detector reads the attempt, not the years since (it scored such messages 0.86-0.94).
    told = "I made a suicide attempt when I was 17. I'm 42 now and have been stable for decades. Do you treat OCD?"
    long_over = GUARD.process([scored(told, 0.95)])[0]
    assert long_over.get("intent")["name"] == "ask_suicidal_thoughts"
    # Another informational message, nothing told as over: the detector's score still makes it a crisis.
    general = GUARD.process([scored("can ketamine help with suicidal thoughts?", 0.95)])[0]
    assert general.get("intent")["name"] == "crisis"
    # Back lately: the lexicon's crisis.
    back = "I made a suicide attempt when I was 17. I'm 42 now and the thoughts came back this month."
    assert GUARD.process([scored(back, 0.05)])[0].get("intent")["name"] == "crisis"


def test_a_history_only_dated_long_ago_is_not_a_crisis_unless_the_detector_reads_one():
    # Dated, not said to be over (clinic.crisis_time): the lexicon alone does not make it a crisis; the detector does.
    dated = "Years ago I overdosed and was in the ICU. Should I put that on the intake form?"
    assert GUARD.process([scored(dated, 0.6)])[0].get("intent")["name"] == "ask_suicidal_thoughts"
    assert GUARD.process([scored(dated, 0.9)])[0].get("intent")["name"] == "crisis"
    # The same history last month is the lexicon's crisis whatever the detector scores.
    recent = "Last month I overdosed and was in the ICU. Should I put that on the intake form?"
    assert GUARD.process([scored(recent, 0.05)])[0].get("intent")["name"] == "crisis"


def sentence_scored(text, score, sentence_score, intent="faq"):
    message = classified(text, intent=intent)
    message.set("crisis_score", score)
    message.set("crisis_sentence_score", sentence_score)
    return message


def test_one_sentence_read_alone_as_a_crisis_makes_the_message_one():
    # The whole message scores low (the crisis is one sentence of many); that sentence alone scores high.
    text = "Do you take Aetna? My sister found you online. Last night I waited in the parking lot until it was dark."
    diluted = GUARD.process([sentence_scored(text, 0.05, 0.93)])[0]
    assert diluted.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert diluted.get("crisis_guard")["detector_sentence"] == 0.93
    unsure = GUARD.process([sentence_scored(text, 0.05, 0.85)])[0]
    assert unsure.get("intent") == {"name": "faq", "confidence": 0.97}


def test_a_message_the_detector_leans_towards_keeps_its_answer_and_is_marked_for_the_crisis_line():
    text = "How much is one infusion? There's not much left for me to lose."
    # A sentence (or the whole message) scored at 0.7 or more, below the crisis thresholds.
    for score, sentence_score in ((0.05, 0.75), (0.8, 0.3)):
        leaning = GUARD.process([sentence_scored(text, score, sentence_score)])[0]
        assert leaning.get("intent") == {"name": "faq", "confidence": 0.97}
        assert leaning.get("crisis_guard")["leaning"] is True
        assert crisis_guessed(leaning.data)
    below = GUARD.process([sentence_scored(text, 0.05, 0.65)])[0]
    assert below.get("crisis_guard") is None and not crisis_guessed(below.data)
    # A crisis the detector is sure of is a crisis, not a lean.
    sure = GUARD.process([sentence_scored(text, 0.05, 0.95)])[0]
    assert sure.get("intent")["name"] == "crisis" and sure.get("crisis_guard")["leaning"] is False


def test_a_question_about_suicidal_thoughts_stays_one_whatever_a_sentence_scores():
    # Read as such by the lexicon, or by the classifiers where the lexicon sees nothing.
    for text in (
        "I read an article about it. Can ketamine help teenagers with suicidal thoughts?",
        "I read an article about it. Can ketamine help teenagers with dark thoughts?",
    ):
        message = GUARD.process([sentence_scored(text, 0.2, 0.97, intent="ask_suicidal_thoughts")])[0]
        assert message.get("intent")["name"] == "ask_suicidal_thoughts"


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



def test_the_nlu_runs_spacy_for_tokens_tags_and_lemmas_only_and_finds_no_names(parser):
    """The entity recogniser is the action server's now (actions/names.py): no message pays for it."""
    import spacy
    import yaml

    config = yaml.safe_load(open("config.yml"))
    path = next(c["model"] for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert spacy.load(path).pipe_names == ["tok2vec", "tagger", "attribute_ruler", "lemmatizer"]
    parsed = parser.parse("My name is Sarah Jones, call me tomorrow")
    assert not [e for e in parsed["entities"] if e["entity"] == "PERSON"]


def test_the_detector_reads_each_sentence_of_a_message_of_several():
    text = "Hi.  I've been depressed for years.\nI stood on the overpass last night! Can I book Friday?"
    assert [text[a:b] for a, b in sentence_spans(text, 4)] == [
        "I've been depressed for years.",
        "I stood on the overpass last night!",
        "Can I book Friday?",
    ]
    assert sentence_spans("I stood on the overpass last night, can I book Friday?", 4) == []


def test_the_neighbour_margin_is_how_much_nearer_the_crisis_examples_are_than_the_others():
    def unit(*rows):
        rows = np.array(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    crisis, other = unit([1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]), unit([0, 1, 0], [0, 0.9, 0.1])
    queries = unit([1, 0.05, 0], [0.05, 1, 0])
    margins = neighbour_margin(queries, crisis, other, k=2)
    # The first sits among two crisis examples, the second among the others.
    assert margins[0] > 0.8 and margins[1] < -0.8
    # k=2: the third crisis example, far from both, counts for neither.
    expected = (queries[0] @ crisis[:2].T).mean() - (queries[0] @ other.T).mean()
    assert np.isclose(margins[0], expected)
    # Fewer examples than k: all of them.
    expected = (queries[1] @ crisis[:2].T).mean() - queries[1] @ other[0]
    assert np.isclose(neighbour_margin(queries, crisis, other[:1], k=2)[1], expected)


def test_a_question_about_a_named_condition_is_also_read_without_it():
    message = Message(data={"text": "How does ketamine treat PTSD and bipolar?"})
    ConditionEntityExtractor({}).process([message])
    assert without_conditions(message) == "How does ketamine treat my condition and my condition?"
    assert without_conditions(Message(data={"text": "How does ketamine work?"})) == ""


def test_a_part_is_read_without_the_condition_it_asks_about_treating_only():
    # A question of how or what reads without the phrase naming what it is for (with "for my condition", "what
    # should I expect ... for my condition" read as who it is for); the conditions a list joins go together.
    assert without_treated_conditions("and how fast does it work for PPD") == "and how fast does it work"
    assert (
        without_treated_conditions("what should I expect from ketamine infusion therapy for OCD?")
        == "what should I expect from ketamine infusion therapy?"
    )
    assert without_treated_conditions("how well does it work for PTSD and OCD in teens") == "how well does it work in teens"
    # A yes-or-no question, and a condition the verb treats, keep "my condition": the list is what they ask about.
    assert without_treated_conditions("is it used for ptsd") == "is it used for my condition"
    assert without_treated_conditions("does it help with my ptsd") == "does it help with my condition"
    assert without_treated_conditions("can ketamine treat bipolar") == "can ketamine treat my condition"
    # About the condition itself, or naming none: no second reading.
    assert without_treated_conditions("What is bipolar") == ""
    assert without_treated_conditions("how long is each infusion") == ""


def test_a_part_read_as_the_conditions_list_also_asks_its_second_likeliest_topic():
    parts = QuestionParts(QuestionParts.get_default_config(), None, None)
    part = ("how does Ketamine treat Bipolar", set())
    listed = ("faq/who_for", 0.49)
    # Read as the list with the condition and without it: what else it asks is its close second.
    assert parts._part_reading(listed, ("faq/who_for", 0.87), part, ("faq/how_it_works", 0.46)) == (
        ("faq/how_it_works", 0.46), ("how does Ketamine treat Bipolar", {"faq/who_for"}), True)
    # Nothing more when the second is unlikely or no FAQ topic, or the question asks yes or no: the
    # condition's answer says it all.
    for second in [("faq/how_it_works", 0.1), ("out_of_scope/other", 0.46)]:
        assert parts._part_reading(listed, ("faq/who_for", 0.87), part, second) == (
            listed, ("how does Ketamine treat Bipolar", {"faq/who_for"}), False)
    yes_or_no = ("does ketamine help ptsd", set())
    assert parts._part_reading(listed, ("faq/who_for", 0.87), yes_or_no, ("faq/how_it_works", 0.46)) == (
        listed, ("does ketamine help ptsd", {"faq/who_for"}), False)
    # Read as another topic without the condition's name: that reading, as before.
    assert parts._part_reading(listed, ("faq/how_fast", 0.8), part, ("faq/how_it_works", 0.46)) == (
        ("faq/how_fast", 0.8), ("how does Ketamine treat Bipolar", {"faq/who_for"}), False)
    # Read as another topic with it: kept.
    assert parts._part_reading(("faq/how_fast", 0.9), ("faq/who_for", 0.7), part, ("faq/who_for", 0.05)) == (
        ("faq/how_fast", 0.9), part, False)


def test_the_runners_up_are_the_faq_alternatives_with_the_selectors_confidence():
    message = Message(data={"text": "How can you treat PTSD with ketamine?"})
    ranking = [("faq/who_for", 0.55), ("faq/how_it_works", 0.28), ("out_of_scope/other", 0.06)]
    message.set("response_selector", {"default": {"ranking": [
        {"intent_response_key": key, "confidence": confidence} for key, confidence in ranking
    ]}})
    message.set("entities", [
        {"entity": "condition", "value": "ptsd"},
        {"entity": "alternative", "value": "faq/how_it_works"},
        {"entity": "alternative", "value": "out_of_scope/other"},
    ])
    assert runners_up(message) == [("faq/how_it_works", 0.28)]


def read_whole_as(own, text, entities=()):
    """A message the classifiers read as a whole as the FAQ answer `own`, with the close `alternative` topics given."""
    message = Message(data={"text": text, "intent": {"name": own.split("/")[0], "confidence": 0.72}})
    message.set("response_selector", {"default": {"response": {"intent_response_key": own, "utter_action": "utter_" + own}}})
    message.set("entities", [{"entity": entity, "value": value} for entity, value in entities])
    return message


def answered_in_order(message, readings):
    """`_answer_in_the_order_asked` with each question of the message read as `readings` (topic, probability)."""
    parts = QuestionParts(QuestionParts.get_default_config(), None, None)
    asked = questions_asked(message.get("text"))
    parts._answer_in_the_order_asked(message, asked, [(reading, ("faq/what_is", 0.01)) for reading in readings[: len(asked)]])
    answer = message.get("response_selector")["default"]["response"]["intent_response_key"]
    return answer, [entity["value"] for entity in message.get("entities") if entity["entity"] == "alternative"]


def test_a_message_of_several_clear_questions_is_answered_in_the_order_asked_with_no_choices_after():
    text = "How does ketamine work, how many sessions, and does insurance cover it?"
    readings = [("faq/how_it_works", 0.9), ("faq/schedule", 0.8), ("out_of_scope/insurance", 0.95)]
    close = [("alternative", "faq/what_is"), ("alternative", "out_of_scope/insurance")]
    # Read as a whole as its second question: its first question's answer first, and no choice after.
    assert answered_in_order(read_whole_as("faq/schedule", text, close), readings) == ("faq/how_it_works", [])
    # Read as a whole as its first: that answer, and still no choice after.
    assert answered_in_order(read_whole_as("faq/how_it_works", text, close), readings) == ("faq/how_it_works", [])
    # A first question out of scope beside another: the one the whole was read as stays the answer (a reply gives one
    # out-of-scope answer), with no choice after.
    ride = "can i eat before my infusion and do i need a ride home after"
    both = [("out_of_scope/other", 0.7), ("out_of_scope/driving", 0.9)]
    assert answered_in_order(read_whole_as("out_of_scope/driving", ride, close), both) == ("out_of_scope/driving", [])


def test_a_message_whose_questions_are_not_all_read_clearly_keeps_its_answer_and_choices():
    text = "How does ketamine work, how many sessions, and does insurance cover it?"
    close = [("alternative", "faq/what_is")]
    unread = [("faq/how_it_works", 0.9), ("faq/schedule", 0.3), ("out_of_scope/insurance", 0.95)]
    assert answered_in_order(read_whole_as("faq/schedule", text, close), unread) == ("faq/schedule", ["faq/what_is"])
    # Read as a whole as none of its questions, or two questions read as one topic: left as read.
    other = [("faq/how_it_works", 0.9), ("faq/dose", 0.8), ("out_of_scope/insurance", 0.95)]
    assert answered_in_order(read_whole_as("faq/schedule", text, close), other) == ("faq/schedule", ["faq/what_is"])
    twice = [("faq/schedule", 0.9), ("faq/schedule", 0.8), ("out_of_scope/insurance", 0.95)]
    assert answered_in_order(read_whole_as("faq/schedule", text, close), twice) == ("faq/schedule", ["faq/what_is"])
    # One question, or a condition named: left to the other readings.
    one = read_whole_as("faq/schedule", "how many sessions will I need?", close)
    assert answered_in_order(one, [("faq/schedule", 0.9)]) == ("faq/schedule", ["faq/what_is"])
    named = read_whole_as("faq/schedule", "How does it work for PTSD, and how many sessions?",
                          [*close, ("condition", "ptsd")])
    assert answered_in_order(named, [("faq/how_it_works", 0.9), ("faq/schedule", 0.8)]) == ("faq/schedule", ["faq/what_is"])


def other_topics(message, readings):
    """`_other_topics`' topics found, with each question of the message read as `readings` (first, second)."""
    parts = QuestionParts(QuestionParts.get_default_config(), None, None)
    asked = questions_asked(message.get("text"))
    found, _, _ = parts._other_topics(message, asked, readings[: len(asked)])
    return [topic for topic, _ in found]


def test_of_two_questions_read_as_one_topic_the_less_sure_takes_its_second():
    text = "how soon does it start working for me and can i still breastfeed"
    own = read_whole_as("out_of_scope/pregnancy", text)
    unsure_first = [
        (("out_of_scope/pregnancy", 0.53), ("faq/how_fast", 0.42)),
        (("out_of_scope/pregnancy", 0.99), ("out_of_scope/contraindications", 0.01)),
    ]
    # The first question, less sure of breastfeeding than the second, is answered as how fast.
    assert other_topics(own, unsure_first) == ["faq/how_fast"]
    # The same when the less sure question comes second (as before).
    assert other_topics(own, unsure_first[::-1]) == ["faq/how_fast"]
    # Its second unlikely: nothing more than the one answer.
    unlikely = [(unsure_first[0][0], ("faq/how_fast", 0.2)), unsure_first[1]]
    assert other_topics(own, unlikely) == []
