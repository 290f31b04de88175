"""The rest of a message that asked more than one thing: the other topics it asked about (the `topic`
entities of clinic_nlu.question_parts) and the conditions it named, after the answer to its main
question (or, for a request to book or for a person, before the booking starts: data/rules/handoff.yml);
then, when the NLU found other topics nearly as likely as the one answered (`alternative` entities of
clinic_nlu.retrieval_topic), those as choices; then the crisis line when the message may be a crisis the
crisis guard could not confirm (clinic.intents.crisis_guessed), which is all it says after a thank-you,
a goodbye or an off-topic message's reply (data/rules/basics.yml), and a handoff asking staff to read the
conversation (actions/crisis_handoffs.py). The staff offer that may follow is
the rules' own `utter_offer_staff` (clinic_nlu.answer_plan says when), so that a "yes" to it starts the
handoff; when it follows, the choices do not offer the staff a second time."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import SOMETHING_ELSE, answer_topics, said_events
from actions.conditions import answer_conditions
from actions.crisis_handoffs import record_possible_crisis
from clinic.intents import (
    ALTERNATIVE_ENTITY,
    ASK_CONDITION,
    ASK_SUICIDAL_THOUGHTS,
    OFFER_ENTITY,
    OFFER_WHEN_MARKED,
    crisis_line_owed,
    retrieval_intent,
)
from clinic.topics import CONDITIONS_TOPIC, TOPICS


class ActionAnswerMore(Action):
    def name(self) -> Text:
        return "action_answer_more"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        own = (tracker.latest_message.get("intent") or {}).get("name")
        topics = answer_topics(dispatcher, tracker)
        # What the reply says, none of it offered again as a choice (as in actions/clarify.py).
        answered = [retrieval_intent(tracker.latest_message), *topics]
        if own != ASK_CONDITION and answer_conditions(dispatcher, tracker, list_said=CONDITIONS_TOPIC in answered):
            answered.append(CONDITIONS_TOPIC)
        # The classifiers' close topics, offered as choices; not after the answer about suicidal thoughts, which the
        # crisis guard gave in place of their reading: its reply answers the questions read, and offers no other.
        alternatives = [
            TOPICS[key]
            for key in dict.fromkeys(tracker.get_latest_entity_values(ALTERNATIVE_ENTITY))
            if key in TOPICS and key not in answered and own != ASK_SUICIDAL_THOUGHTS
        ]
        if alternatives:
            buttons = [{"title": topic.title, "payload": topic.question} for topic in alternatives]
            offer_next = offer_follows(own, tracker)
            response = "utter_ask_alternatives_before_offer" if offer_next else "utter_ask_alternatives"
            dispatcher.utter_message(response=response, buttons=[*buttons, SOMETHING_ELSE])
        # (After the answer about suicidal thoughts, which carried the line, action_note_possible_crisis records it.)
        if crisis_line_owed(tracker.latest_message):
            dispatcher.utter_message(response="utter_crisis_line")
            record_possible_crisis(tracker)
        return said_events(topics)


def offer_follows(own: Any, tracker: Tracker) -> bool:
    """Whether the rules end this reply, whose intent is `own`, with the staff offer (data/rules/faq.yml,
    data/rules/safety.yml): every reply that says more does, but an FAQ answer's or the answer about suicidal
    thoughts' without the `offer` marker."""
    return own not in OFFER_WHEN_MARKED or bool(list(tracker.get_latest_entity_values(OFFER_ENTITY)))
