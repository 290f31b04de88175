"""Asking back when unsure, and answering every part of a message: the actions on serialized trackers,
replies rendered with the domain's response texts."""

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerMore
from actions.clarify import ActionClarify
from actions.crisis import ActionNotePossibleCrisis
from actions.crisis_handoffs import POSSIBLE_REASON
from clinic.db import session_scope
from clinic.handoffs.models import Handoff
from clinic.intents import crisis_guessed
from clinic.questions import asked_parts, asks, questions_asked, segments, something_else_asked_about
from clinic_nlu.question_parts import answered_topic
from tests.unit.test_actions import RESPONSES, ROOT, load_tracker

ALL_RESPONSES = {**RESPONSES, **yaml.safe_load((ROOT / "data" / "responses" / "out_of_scope.yml").read_text())["responses"]}


@pytest.fixture(autouse=True)
def database(migrated_sqlite, tmp_path, monkeypatch):
    """The handoff log a possible crisis writes to (actions/crisis_handoffs.py)."""
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite)
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))


def handoffs():
    with session_scope() as session:
        return [(h.kind, h.urgent, h.status, h.reason, h.sender_id) for h in session.query(Handoff).order_by(Handoff.id)]


def said(action, tracker):
    dispatcher = CollectingDispatcher()
    assert action.run(dispatcher, tracker, {}) == []
    return [(ALL_RESPONSES[m["response"]][0]["text"], m.get("buttons") or []) for m in dispatcher.messages]


def tracker_with(intent, entities=(), **parse):
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    tracker.latest_message.update({"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), **parse})
    return tracker


def topic(value):
    return {"entity": "topic", "value": value, "extractor": "QuestionParts"}


def test_an_unclear_question_offers_its_likely_topics_and_something_else():
    tracker = tracker_with("nlu_fallback", topic_choices=["faq/schedule", "faq/boosters", "out_of_scope/cost"])
    [(text, buttons)] = said(ActionClarify(), tracker)
    assert "Did you mean one of these?" in text and "connect you with our clinic staff" in text
    assert [b["title"] for b in buttons] == ["How many infusions", "Boosters", "Cost", "Something else"]
    assert buttons[0]["payload"] == "How many infusions will I need?"
    assert buttons[-1]["payload"] == "/something_else"


def test_a_part_that_reads_clearly_is_answered_before_the_choices_for_the_rest():
    tracker = tracker_with("nlu_fallback", [topic("out_of_scope/medications")],
                           topic_choices=["faq/treatment_resistant", "out_of_scope/medications"])
    (answer, _), (text, buttons) = said(ActionClarify(), tracker)
    assert answer.startswith("I don't have information about medications")
    assert "Did you mean one of these?" in text and "connect you with our clinic staff" in text
    assert "If you're in crisis, call or text {crisis_line}" in text
    assert [b["title"] for b in buttons] == ["When other treatments failed", "Something else"]


def test_a_part_answered_with_no_choice_left_is_followed_by_the_general_clarification():
    tracker = tracker_with("nlu_fallback", [topic("faq/effectiveness")], topic_choices=["faq/effectiveness"])
    (answer, _), (text, _) = said(ActionClarify(), tracker)
    assert answer.startswith("Ketamine infusion therapy is designed to work within a few hours")
    assert text.startswith("Sorry, I'm not sure I understood.") and "call or text {crisis_line}" in text


def test_an_unclear_message_whose_every_question_was_answered_is_not_asked_back():
    answered = {"entity": "answered", "value": "yes", "extractor": "AnswerPlan"}
    tracker = tracker_with("nlu_fallback", [topic("faq/infusion_length"), topic("faq/schedule"), answered],
                           topic_choices=["faq/infusion_length", "faq/dose"])
    texts = [text for text, _ in said(ActionClarify(), tracker)]
    assert texts[0].startswith("One infusion takes approximately 40 to 60 minutes")
    assert texts[1].startswith("On average, an infusion is given once a week")
    assert len(texts) == 2
    # When the classifiers guessed a crisis that the crisis guard did not confirm, the crisis line the
    # question back would have carried follows the answers.
    tracker.latest_message["crisis_guard"] = {"assessment": "none", "classifier": {"name": "crisis", "confidence": 0.43}}
    texts = [text for text, _ in said(ActionClarify(), tracker)]
    assert len(texts) == 3 and texts[2] == "If you're in crisis, call or text {crisis_line} any time."


def test_a_crisis_is_guessed_when_the_classifiers_read_one_and_the_guard_did_not_confirm_it():
    guard = {"crisis_guard": {"classifier": {"name": "crisis", "confidence": 0.43}}}
    assert crisis_guessed({"intent": {"name": "nlu_fallback"}, **guard})
    assert not crisis_guessed({"intent": {"name": "crisis"}, **guard})
    assert not crisis_guessed({"intent": {"name": "nlu_fallback"}, "crisis_guard": {"classifier": {"name": "faq"}}})
    assert not crisis_guessed({"intent": {"name": "nlu_fallback"}})
    # The crisis detector leaning towards a crisis the guard did not confirm (clinic_nlu.crisis_guard).
    leaning = {"crisis_guard": {"classifier": {"name": "faq"}, "leaning": True}}
    assert crisis_guessed({"intent": {"name": "faq"}, **leaning})
    assert not crisis_guessed({"intent": {"name": "crisis"}, **leaning})


def test_an_answer_to_a_message_that_may_be_a_crisis_ends_with_the_crisis_line():
    tracker = tracker_with("out_of_scope", [topic("faq/schedule")])
    tracker.latest_message["crisis_guard"] = {"classifier": {"name": "out_of_scope"}, "leaning": True}
    texts = [text for text, _ in said(ActionAnswerMore(), tracker)]
    assert texts[0].startswith("On average, an infusion is given once a week")
    assert texts[-1] == "If you're in crisis, call or text {crisis_line} any time."
    assert len(texts) == 2
    tracker.latest_message["crisis_guard"]["leaning"] = False
    assert [text for text, _ in said(ActionAnswerMore(), tracker)] == texts[:1]
    # After a thank-you's reply (data/rules/basics.yml), the line alone.
    thanks = tracker_with("thank", crisis_guard={"classifier": {"name": "thank"}, "leaning": True})
    assert [text for text, _ in said(ActionAnswerMore(), thanks)] == [texts[-1]]


def test_after_the_answer_about_suicidal_thoughts_the_other_question_is_answered_without_a_second_crisis_line():
    # That answer carries the line (domain.yml), and action_note_possible_crisis follows (data/rules/safety.yml).
    tracker = tracker_with("ask_suicidal_thoughts", [topic("faq/schedule")],
                           crisis_guard={"classifier": {"name": "faq"}, "leaning": True})
    texts = [text for text, _ in said(ActionAnswerMore(), tracker)]
    assert len(texts) == 1 and texts[0].startswith("On average, an infusion is given once a week")
    # Nor are the classifiers' close topics offered as choices after it: the guard answered in their reading's place.
    tracker.latest_message["entities"].append({"entity": "alternative", "value": "faq/boosters"})
    assert [text for text, _ in said(ActionAnswerMore(), tracker)] == texts
    tracker.latest_message["intent"]["name"] = "faq"
    assert any(text.startswith("Did you mean one of these instead?") for text, _ in said(ActionAnswerMore(), tracker))


def test_a_message_that_may_be_a_crisis_asks_staff_to_read_the_conversation_once_per_session():
    tracker = tracker_with("faq", crisis_guard={"classifier": {"name": "faq"}, "leaning": True})
    said(ActionAnswerMore(), tracker)
    said(ActionAnswerMore(), tracker)  # the same session leans again, or the action is retried
    assert handoffs() == [("possible_crisis", False, "new", POSSIBLE_REASON, tracker.sender_id)]
    # None after an ordinary answer, nor once the crisis reply has been given (its urgent handoff stands).
    ordinary = tracker_with("faq", crisis_guard={"classifier": {"name": "faq"}})
    ordinary.sender_id = "another-visitor"
    said(ActionAnswerMore(), ordinary)
    after_crisis = tracker_with("faq", crisis_guard={"classifier": {"name": "faq"}, "leaning": True})
    after_crisis.sender_id, after_crisis.slots["crisis"] = "a-third-visitor", True
    said(ActionAnswerMore(), after_crisis)
    assert len(handoffs()) == 1


def test_an_unclear_message_with_a_crisis_guessed_asks_staff_to_read_the_conversation():
    tracker = tracker_with("nlu_fallback", topic_choices=["faq/schedule"],
                           crisis_guard={"classifier": {"name": "crisis", "confidence": 0.43}})
    said(ActionClarify(), tracker)
    assert handoffs() == [("possible_crisis", False, "new", POSSIBLE_REASON, tracker.sender_id)]


def test_the_low_mood_reply_or_the_suicidal_thoughts_answer_to_a_possible_crisis_asks_staff_to_read_it():
    # Those replies carry the crisis line by themselves (data/rules/basics.yml, safety.yml): the handoff
    # comes after them when the guard leans, and not otherwise.
    low = tracker_with("low_mood", crisis_guard={"classifier": {"name": "low_mood"}, "leaning": True})
    assert said(ActionNotePossibleCrisis(), low) == []
    asked = tracker_with("ask_suicidal_thoughts")
    asked.sender_id = "another-visitor"
    said(ActionNotePossibleCrisis(), asked)
    assert handoffs() == [("possible_crisis", False, "new", POSSIBLE_REASON, low.sender_id)]


SCHIZOPHRENIA = {"entity": "condition", "value": "schizophrenia", "extractor": "ConditionEntityExtractor"}


def test_an_unclear_question_naming_a_condition_says_whether_it_is_listed_before_the_choices():
    tracker = tracker_with("nlu_fallback", [SCHIZOPHRENIA], text="could ketamine help my schizophrenia",
                           topic_choices=["faq/who_for", "faq/how_it_works"])
    (line, _), (listed, _), (text, buttons) = said(ActionClarify(), tracker)
    assert line == ALL_RESPONSES["utter_condition_not_listed"][0]["text"]
    assert listed == ALL_RESPONSES["utter_conditions_listed"][0]["text"]
    assert "Did you mean one of these?" in text
    assert [b["title"] for b in buttons] == ["How it works", "Something else"]


def test_an_unclear_message_that_asks_nothing_gets_no_condition_answer():
    tracker = tracker_with("nlu_fallback", [SCHIZOPHRENIA], text="I'm not in danger, just tired of my schizophrenia")
    [(text, _)] = said(ActionClarify(), tracker)
    assert text.startswith("Sorry, I'm not sure I understood.")


def test_a_message_asks_when_a_part_is_a_question():
    assert asks("can ketamine help with fibromyalgia") and asks("My son has PTSD. Could it help him?")
    assert asks("I have OCD. Tell me if it works for that")
    assert not asks("I'm not suicidal, just exhausted by this depression")
    assert not asks("My psychiatrist mentioned ketamine for my PTSD.")
    # Words that open a question without being split at: "which", "where", "did", "am", a texter's "r".
    assert asks("which clinic is closest") and asks("r there side effects") and asks("am I a candidate")
    assert not asks("my doctor, where I live, said no")
    # A texter's "hw", and a part that ends by asking about what it just said.
    assert asks("hw is this diff from ssris") and asks("i only tried 1 antidepressant does that matter")
    assert asks("my dad is 70, is that too old for this")
    assert not asks("I have depression and it is what it is") and not asks("my doctor said it could help")
    # A request to be told, anywhere in the part.
    assert asks("Before I commit I'd like to understand what it is") and asks("my sister is wondering if it hurts")
    assert not asks("Before I commit I'd like to think it over")


def test_with_no_likely_topics_the_general_clarification_is_given():
    [(text, _)] = said(ActionClarify(), tracker_with("nlu_fallback"))
    assert text.startswith("Sorry, I'm not sure I understood.")


def test_the_other_topics_of_a_message_are_answered_and_the_staff_offer_is_left_to_the_rules():
    tracker = tracker_with("faq", [topic("faq/schedule"), topic("out_of_scope/insurance")])
    texts = [text for text, _ in said(ActionAnswerMore(), tracker)]
    assert texts[0].startswith("On average, an infusion is given once a week for one to four weeks.")
    assert texts[1].startswith("I don't have information about insurance coverage")
    # the offer is the rules' utter_offer_staff after this action (data/rules/faq.yml), so "yes" starts a handoff
    assert len(texts) == 2


def test_a_topic_question_naming_a_condition_also_says_whether_the_condition_is_listed():
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    tracker.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    texts = [text for text, _ in said(ActionAnswerMore(), tracker)]
    assert texts[0].startswith("Yes. {condition_name} is one of the conditions")
    assert texts[1].startswith("{condition_name} is not among the conditions")
    assert texts[2].startswith("The conditions it lists are {listed_conditions}")
    assert len(texts) == 3  # all in scope: no staff offer


def test_after_the_conditions_list_an_unlisted_condition_does_not_get_the_list_again():
    schizophrenia = {"entity": "condition", "value": "schizophrenia", "extractor": "ConditionEntityExtractor"}
    who_for = {"default": {"response": {"intent_response_key": "faq/who_for"}}}
    texts = [text for text, _ in said(ActionAnswerMore(), tracker_with("faq", [schizophrenia], response_selector=who_for))]
    assert texts == [ALL_RESPONSES["utter_condition_not_listed"][0]["text"]]
    # answered as another question's topic, the same
    what_is = {"default": {"response": {"intent_response_key": "faq/what_is"}}}
    tracker = tracker_with("faq", [schizophrenia, topic("faq/who_for")], response_selector=what_is)
    texts = [text for text, _ in said(ActionAnswerMore(), tracker)]
    assert texts[0].startswith("Ketamine infusion therapy is an option") and len(texts) == 2


def test_a_message_is_split_into_its_questions():
    assert asked_parts("How long is each session, and how many will I need?") == [
        "How long is each session", "how many will I need"]
    assert asked_parts("how does it work and does insurance cover it") == ["how does it work", "does insurance cover it"]
    # A texter's "n", "+" and "&" join questions as "and" does.
    assert asked_parts("how long is each session n how many will i need?") == [
        "how long is each session", "how many will i need"]
    assert asked_parts("whats ketamine infusion therapy exactly + how quick does it kick in") == [
        "whats ketamine infusion therapy exactly", "how quick does it kick in"]
    assert asked_parts("do i need a referral? n do u go over my medical history first") == [
        "do i need a referral", "n do u go over my medical history first"]


def test_a_what_is_question_names_what_it_asks_about_when_that_is_not_the_therapy():
    assert something_else_asked_about("What is microdosing in ketamine treatment?") == "microdosing"
    assert something_else_asked_about("whats a ketamine maintenance infusion") == "maintenance"
    assert something_else_asked_about("What are booster and integration sessions?") == "booster integration sessions"
    assert something_else_asked_about("Hi! What's a k-hole? Is it dangerous?") == "k-hole"
    # The therapy itself, whatever its name, the conditions it is asked about or the words after its name.
    for therapy in (
        "What is IV ketamine therapy for PTSD?",
        "what even is ket infusion tx lol",
        "What is the ketamine treatment your clinic provides?",
        "whats the deal w ketamine infusions",
        "What Is Ketamine and How Does It Work?",
        "What is it, exactly?",
    ):
        assert something_else_asked_about(therapy) == "", therapy
    # Not a "what is" question.
    assert something_else_asked_about("How does integration work after an infusion?") == ""


def test_only_the_parts_that_ask_are_read_for_more_topics():
    story = "I've been struggling for years. My psychiatrist mentioned ketamine. How long does each infusion take"
    assert asked_parts(story + " and how many would I need?") == ["How long does each infusion take",
                                                                   "how many would I need"]
    assert asked_parts("He has tried a lot of therapies. Wanted to know how many sessions are needed and if there "
                       "is hope for him") == ["Wanted to know how many sessions are needed", "if there is hope for him"]
    assert asked_parts("Is it safe while breastfeeding? Treatment Options for Postpartum Depression") == [
        "Is it safe while breastfeeding"]
    # None asks in so many words: every part is still read.
    assert asked_parts("Dose for my depression. Length of one infusion") == ["Dose for my depression",
                                                                           "Length of one infusion"]
    # Line breaks and list numbers part questions as question marks do.
    assert asked_parts("ok 2 questions. 1) how long is the infusion 2) do i need boosters") == [
        "how long is the infusion", "do i need boosters"]
    assert asked_parts("Hi there\nI have PTSD\nhow long is an infusion") == ["how long is an infusion"]
    assert asked_parts("two things: a) is it safe b) does it hurt") == ["is it safe", "does it hurt"]
    # A comma before "also" (or "but", "so", "plus") and a question word parts two questions.
    assert asked_parts("I want to speak to someone, also do you take insurance") == ["also do you take insurance"]
    assert asked_parts("it helps depression, but is it safe for teens?") == ["but is it safe for teens"]
    assert asked_parts("What is ketamine infusion therapy?") == []
    assert asked_parts("is it covered by insurance\nalso how many will i need\ni only tried 1 antidepressant does that matter") == [
        "is it covered by insurance", "also how many will i need", "i only tried 1 antidepressant does that matter"]


def test_questions_run_together_with_nothing_between_them_are_each_a_part():
    assert asked_parts("how fast does it kick in how long does it last is it covered by bcbs") == [
        "how fast does it kick in", "how long does it last", "is it covered by bcbs"]
    assert asked_parts("is it like an acid trip is it addictive") == ["is it like an acid trip", "is it addictive"]
    # A clinic word after "how long do", and a texter's "whats" before a noun, open the next question.
    assert asked_parts("do i need a doctors note how long do effects last") == [
        "do i need a doctors note", "how long do effects last"]
    assert asked_parts("can i bring my husband whats the parking like") == [
        "can i bring my husband", "whats the parking like"]
    # A texter's "r" is the verb after "wat": "wat r the side effects" is a question of its own.
    assert asked_parts("wat r the side effects is it covered by aetna") == [
        "wat r the side effects", "is it covered by aetna"]
    assert asked_parts("can i keep taking my zoloft does it work diff than that") == [
        "can i keep taking my zoloft", "does it work diff than that"]
    # "also" (or "but", "so"...) opens the next question with it.
    assert asked_parts("hi can someone call me to set up a consult also is it iv or a nasal spray") == [
        "hi can someone call me to set up a consult", "also is it iv or a nasal spray"]
    # A verb and a subject that is no pronoun ("can ketamine", "would my insurance"), "what" or "which" and a
    # few words before a verb and its subject, a question word and "to", and "how many" with "are in".
    assert asked_parts("what exactly is ketamine can ketamine help with social anxiety") == [
        "what exactly is ketamine", "can ketamine help with social anxiety"]
    assert asked_parts("how does ketamine work for mental health conditions would my insurance be a problem") == [
        "how does ketamine work for mental health conditions", "would my insurance be a problem"]
    assert asked_parts("do i have to stop my meds before starting what kinds of disorders does ketamine treat") == [
        "do i have to stop my meds before starting", "what kinds of disorders does ketamine treat"]
    assert asked_parts("is it safe what to bring to a therapeutic ketamine infusion session") == [
        "is it safe", "what to bring to a therapeutic ketamine infusion session"]
    assert asked_parts("should i stop my meds first how many infusions are in a typical course") == [
        "should i stop my meds first", "how many infusions are in a typical course"]
    assert asked_parts("are ketamine infusions safe why are my antidepressants not working") == [
        "are ketamine infusions safe", "why are my antidepressants not working"]
    assert asked_parts("do you provide financing how long does each treatment last") == [
        "do you provide financing", "how long does each treatment last"]
    assert asked_parts("how is it different from my antidepressants how successful is the treatment") == [
        "how is it different from my antidepressants", "how successful is the treatment"]
    # A contraction's verb completes the question word's clause before the next question.
    assert asked_parts("how long before i'm functional again how many infusions will i need") == [
        "how long before i'm functional again", "how many infusions will i need"]
    # "what happens", "how" and a verb before any subject or after "has", "am"..., and "how long per".
    assert asked_parts("can ketamine help with ptsd what happens during ketamine infusion therapy") == [
        "can ketamine help with ptsd", "what happens during ketamine infusion therapy"]
    assert asked_parts("how does ketamine work for ptsd how do antidepressants complement it") == [
        "how does ketamine work for ptsd", "how do antidepressants complement it"]
    assert asked_parts("how many treatments will i need how has the provider been trained") == [
        "how many treatments will i need", "how has the provider been trained"]
    assert asked_parts("what does ketamine do in the brain how am i going to feel during the infusion") == [
        "what does ketamine do in the brain", "how am i going to feel during the infusion"]
    assert asked_parts("how does ketamine therapy work how long per session") == [
        "how does ketamine therapy work", "how long per session"]
    assert asked_parts("is it covered by insurance how many sessions do ppl usually need") == [
        "is it covered by insurance", "how many sessions do ppl usually need"]
    # "is" or "are" and a subject, after a question ("is" is a main verb too: not after a story or "this").
    assert asked_parts("what patients are candidates for ketamine therapy are ketamine infusions safe") == [
        "what patients are candidates for ketamine therapy", "are ketamine infusions safe"]
    assert asked_parts("will i need additional booster infusions is infusion therapy right for me") == [
        "will i need additional booster infusions", "is infusion therapy right for me"]
    # Not cut: a question word's own verb and subject, a question that is the object of what comes before,
    # a heading and its question, "does that" asking about the part itself, "do" as the main verb, and what
    # one looks up, plans or is not sure of.
    for text in ["How many ketamine infusions do I need?", "What age groups do you treat?",
                 "How will you determine how many infusions I will need?", "can you tell me how long it takes",
                 "not sure how long is it going to take", "can i do it after work",
                 "Treatment Resistant Depression: What Is It?", "i only tried 1 antidepressant does that matter",
                 "Can I still do ketamine if I had surgery last week", "how well can ketamine help my ptsd",
                 "I've been looking up which hotel would be quietest", "i dont know what to expect",
                 "I've been planning how to tell my family", "My biggest worry is ketamine flipping my mood",
                 "Is that normal, like why do they need all of that", "walk me through what happens during it",
                 "Please don't blame yourselves for what happens next", "If ketamine doesn't work this is my last try"]:
        assert len(segments(text)) == 1, text


def test_a_question_about_the_words_before_its_comma_is_one_part_with_them():
    assert asked_parts("do people get addicted to it? and the 40 min thing, is that each visit") == [
        "do people get addicted to it", "and the 40 min thing, is that each visit"]
    # Words before the comma that are a clause of their own stay a part of their own.
    assert segments("My biggest worry is ketamine flipping me into hypomania, is that a real risk") == [
        ("My biggest worry is ketamine flipping me into hypomania", False), ("is that a real risk", True)]
    assert asked_parts("How long is it, how many do I need") == ["How long is it", "how many do I need"]
    # A subject asked about in a word or two beside a question is a question too; alone, it does not make the story
    # around it no question.
    assert asked_parts("side effects?? and how long r u there") == ["side effects", "and how long r u there"]
    assert asked_parts("cost? insurance? how many sessions do ppl need") == ["cost", "insurance", "how many sessions do ppl need"]
    assert asked_parts("is it safe? ok? how long is it") == ["is it safe", "how long is it"]
    assert asked_parts("infusion #4 done. slept 11 hrs. normal?") == ["infusion #4 done", "slept 11 hrs"]


def test_a_question_that_depends_on_the_answer_before_it_is_read_without_if_not():
    assert questions_asked("is it covered by insurance? if not can i still book a consult") == [
        "is it covered by insurance", "can i still book a consult"]
    assert questions_asked("do you take insurance? If so, which plans do you take?") == [
        "do you take insurance", "which plans do you take"]


def test_a_request_to_be_told_with_an_also_and_a_whether_after_a_comma_are_questions():
    # "I'd also like to know ..." asks, as "I'd like to know ..." does; ", whether ..." starts a question.
    assert questions_asked("How is it different from my SSRI? I'd also like to know if I should keep taking it.") == [
        "How is it different from my SSRI", "I'd also like to know if I should keep taking it"]
    assert questions_asked("I'm curious how long a session lasts, whether it hurts, and if I can drive after") == [
        "I'm curious how long a session lasts", "whether it hurts", "if I can drive after"]
    # Not knowing, said of a question after "and": "... and I have no idea how many sessions I'd need".
    assert questions_asked("I'm wondering how fast it works and I have no idea how many sessions I'd need") == [
        "I'm wondering how fast it works", "I have no idea how many sessions I'd need"]
    # "and which ..." asks a second question; so does not knowing said without "I" ("no idea how ...").
    assert questions_asked("Is ketamine safe for seniors and which side effects are most common?") == [
        "Is ketamine safe for seniors", "which side effects are most common"]
    assert questions_asked("Had my consult today. no idea what the first infusion feels like. can I drive home?") == [
        "no idea what the first infusion feels like", "can I drive home"]
    # Not a question of its own: "whether" inside a clause, with no comma before it.
    assert questions_asked("My doctor is unsure whether it suits me. How long is a session?") == [
        "How long is a session"]


def test_a_statement_that_asks_after_another_question_is_a_question_of_its_own():
    # After a comma, an "and" or nothing at all, "wondering about ...", "curious if ...", "I'd like to know ..."
    # ask a second question (before: one part, its second question left unsaid).
    assert questions_asked("how does it actually work in the brain, wondering about the side effects as well") == [
        "how does it actually work in the brain", "wondering about the side effects as well"]
    assert questions_asked("How long does an infusion take and I would like to know if insurance covers it") == [
        "How long does an infusion take", "I would like to know if insurance covers it"]
    assert questions_asked("how long does an infusion take also wondering if insurance covers it") == [
        "how long does an infusion take", "also wondering if insurance covers it"]
    assert questions_asked("how many sessions will i need im just curious about the cost") == [
        "how many sessions will i need", "curious about the cost"]
    # Not cut after "i am" or "still" (the question is the request from "curious" on); not before "if that ...",
    # which asks about what came before it.
    assert questions_asked("is it safe i am still curious how long it takes") == [
        "is it safe", "curious how long it takes"]
    assert questions_asked("She's breastfeeding too so I'm wondering if that rules it out") == []


def test_a_question_asked_in_the_negative_is_a_question():
    # "isn't ketamine an anesthetic" asks, its subject after the verb (before: the part was dropped as a
    # statement and only the dose was answered); a texter's "isnt", "dont i".
    assert questions_asked("Isn't ketamine an anesthetic, and how is the dose different from the dose for surgery?") == [
        "Isn't ketamine an anesthetic", "how is the dose different from the dose for surgery"]
    assert questions_asked("how long is each session, dont i need a referral first") == [
        "how long is each session", "dont i need a referral first"]
    assert asks("isnt ketamine a horse tranquilizer")
    # Not a negative with no subject after it: "don't want to wait" asks nothing.
    assert not asks("don't want to wait months for another antidepressant to kick in")


def test_a_request_to_be_told_inside_a_part_is_read_without_the_story_before_it():
    # "many people wonder exactly what ketamine is" asks what it is; "with ketamine's growing notoriety" is no
    # part of the question (read with it, the part read as the expert's view).
    assert questions_asked(
        "With ketamine's growing notoriety, many people wonder exactly what ketamine is, and how it compares to"
        " antidepressants."
    ) == ["wonder exactly what ketamine is", "how it compares to antidepressants"]
    assert questions_asked(
        "My therapist suggested it. Before I go down this road I'd like to understand what the treatment even is."
    ) == ["I'd like to understand what the treatment even is"]
    # Kept whole when the request points back at the story ("if that rules it out").
    assert questions_asked("Is it used for PPD? She's breastfeeding too so I'm wondering if that rules it out.") == [
        "Is it used for PPD", "She's breastfeeding too so I'm wondering if that rules it out"]


def test_a_heading_asks_the_question_after_its_colon_and_about_each_item_it_lists():
    # A heading's question after its colon asks ("Ketamine for Bipolar: How Fast It Helps"), and a heading that
    # lists what it covers asks about each item, with its subject; not a heading of one question.
    assert questions_asked("Ketamine for Bipolar: How Fast It Helps and How Long It Lasts") == [
        "Ketamine for Bipolar: How Fast It Helps", "How Long It Lasts"]
    assert questions_asked("IV Ketamine for PTSD: Cost, Sessions and Aftercare") == [
        "IV Ketamine for PTSD: Cost", "IV Ketamine for PTSD: Sessions", "IV Ketamine for PTSD: Aftercare"]
    assert questions_asked("Ketamine for Anxiety: What You Should Know") == []


def test_two_things_joined_by_and_or_or_are_each_a_question():
    assert questions_asked("Is ketamine addictive or dangerous?") == ["Is ketamine addictive?", "Is ketamine dangerous?"]
    assert questions_asked("I've read a lot. What is the cost and length of treatment?") == [
        "What is the cost of treatment", "What is the length of treatment"]
    # Not two questions: clauses ("can I eat and then drive"), a comparison, a plain question, no question.
    assert questions_asked("can I eat and then drive") == []
    assert questions_asked("Are esketamine and ketamine the same medication?") == []
    assert questions_asked("What is ketamine infusion therapy?") == []
    assert questions_asked("I have depression and anxiety") == []


def test_a_messages_own_topic_is_the_answer_its_reply_gives_not_the_selectors_guess():
    from rasa.shared.nlu.training_data.message import Message

    selected = {"default": {"response": {"intent_response_key": "faq/what_to_expect"}}}

    def parsed(intent):
        return Message(data={"text": "x", "intent": {"name": intent}, "response_selector": selected})

    assert answered_topic(parsed("faq")) == "faq/what_to_expect"
    # The condition's answer says the conditions list; the bot asks back; a booking answers no topic.
    assert answered_topic(parsed("ask_condition")) == "faq/who_for"
    assert answered_topic(parsed("nlu_fallback")) is None
    assert answered_topic(parsed("book_appointment")) is None


def test_topics_nearly_as_likely_as_the_answered_one_are_offered_after_the_answer():
    alternative = {"entity": "alternative", "value": "faq/boosters", "extractor": "RetrievalTopic"}
    texts_and_buttons = said(ActionAnswerMore(), tracker_with("faq", [alternative]))
    (text, buttons) = texts_and_buttons[-1]
    assert text.startswith("Did you mean one of these instead?") and "connect you with our clinic staff" in text
    assert [b["title"] for b in buttons] == ["Boosters", "Something else"]
    assert buttons[0]["payload"] == "Will I need booster treatments?"


def test_after_a_named_conditions_answer_who_it_is_for_is_not_offered_as_a_choice():
    alternatives = [
        {"entity": "alternative", "value": value, "extractor": "RetrievalTopic"}
        for value in ("faq/who_for", "faq/boosters")
    ]
    tracker = load_tracker("ask_condition_ptsd_and_schizophrenia")
    tracker.latest_message.update({"intent": {"name": "faq", "confidence": 0.9}})
    tracker.latest_message["entities"] = tracker.latest_message["entities"] + alternatives
    (first, _), *_, (text, buttons) = said(ActionAnswerMore(), tracker)
    assert first.startswith("Yes. {condition_name} is one of the conditions")
    assert text.startswith("Did you mean one of these instead?")
    assert [b["title"] for b in buttons] == ["Boosters", "Something else"]


@pytest.mark.parametrize(
    "intent, markers",
    [("faq", [{"entity": "offer", "value": "yes"}]), ("out_of_scope", []), ("ask_condition", [])],
)
def test_choices_before_the_staff_offer_do_not_offer_the_staff_themselves(intent, markers):
    alternative = {"entity": "alternative", "value": "faq/boosters", "extractor": "RetrievalTopic"}
    (text, buttons) = said(ActionAnswerMore(), tracker_with(intent, [alternative, *markers]))[-1]
    assert text == "Did you mean one of these instead?"
    assert [b["title"] for b in buttons] == ["Boosters", "Something else"]

