"""Asks instead of guessing: the likely topics of an unclear question as choices, and "something else"
for the staff. The topics are the ones the NLU kept (clinic_nlu.retrieval_topic); with none, the
general clarification with the topic list. A part of the message that reads clearly on its own
(a `topic` entity of clinic_nlu.question_parts: "Do You Need to Stop Medications Before Ketamine for
Depression?", unclear as a whole, is about medications once the condition is set aside) is answered
first, then the same question back as without it (the crisis line included: an unclear message may be
someone struggling to say something else). So is each condition a question names ("can ketamine help with
fibromyalgia?": whether the article lists it), as actions/conditions.py says it; a message that asks
nothing ("I'm not suicidal, just exhausted by this depression") gets no condition answer. A message of
several questions each of which reads clearly (the `answered` marker of clinic_nlu.answer_plan) is not
asked back: its answers are the reply, with the crisis line when the classifiers guessed a crisis that the
crisis guard did not confirm (the question back would have carried it). Such a guess also asks staff to read
the conversation (actions/crisis_handoffs.py), as after an answer (actions/answers.py)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import answer_conditions
from actions.crisis_handoffs import record_possible_crisis
from clinic.intents import ANSWERED_ENTITY, BOOK_APPOINTMENT, TOPIC_CHOICES_KEY, TOPIC_ENTITY, crisis_guessed
from clinic.questions import asks
from clinic.topics import CONDITIONS_TOPIC, TOPICS

SOMETHING_ELSE = {"title": "Something else", "payload": "/something_else"}
# A topic's answer is its response (`utter_faq/boosters`); a part that asks to book is told the first step,
# and the booking's opening then does not say it again (the slot picks `utter_booking_start`'s variation).
OWN_RESPONSES = {BOOK_APPOINTMENT: "utter_first_step"}
FIRST_STEP_SAID = "first_step_said"


def said_events(topics: List[Text]) -> List[Dict[Text, Any]]:
    """What the conversation keeps of the answers just said: whether the first step was one."""
    return [SlotSet(FIRST_STEP_SAID, True)] if BOOK_APPOINTMENT in topics else []


def answer_topics(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Text]:
    """Says the answer of each other topic the message asks about (the `topic` entities of
    clinic_nlu.question_parts), once each; returns those topics."""
    topics = list(dict.fromkeys(tracker.get_latest_entity_values(TOPIC_ENTITY)))
    for topic in topics:
        dispatcher.utter_message(response=OWN_RESPONSES.get(topic, f"utter_{topic}"))
    return topics


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        answered = answer_topics(dispatcher, tracker)
        said = said_events(answered)
        guessed = crisis_guessed(tracker.latest_message)
        if guessed:
            # Whether the line is said below or the question back carries it (domain.yml).
            record_possible_crisis(tracker)
        if asks(tracker.latest_message.get("text") or ""):
            if answer_conditions(dispatcher, tracker, list_said=CONDITIONS_TOPIC in answered):
                answered.append(CONDITIONS_TOPIC)
        if list(tracker.get_latest_entity_values(ANSWERED_ENTITY)):
            # Every question was answered (the staff offer may follow: data/rules/fallback.yml); the crisis
            # line that the question back would have carried is said when a crisis was guessed.
            if guessed:
                dispatcher.utter_message(response="utter_crisis_line")
            return said
        choices = [
            TOPICS[key]
            for key in tracker.latest_message.get(TOPIC_CHOICES_KEY) or []
            if key in TOPICS and key not in answered
        ]
        if not choices:
            dispatcher.utter_message(response="utter_clarify")
            return said
        buttons = [{"title": topic.title, "payload": topic.question} for topic in choices]
        dispatcher.utter_message(response="utter_clarify_choices", buttons=[*buttons, SOMETHING_ELSE])
        return said
