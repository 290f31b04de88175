"""The rest of a message that asked more than one thing: the other topics it asked about (the `topic`
entities of clinic_nlu.question_parts) and the conditions it named, after the answer to its main
question; then, when the NLU found other topics nearly as likely as the one answered (`alternative`
entities of clinic_nlu.retrieval_topic), those as choices; the staff offer last when any part was out
of scope or about a condition, or got an answer that says the article does not cover all of it
(clinic.topics.PARTLY_ANSWERED)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import SOMETHING_ELSE
from actions.conditions import answer_conditions
from clinic.intents import ALTERNATIVE_ENTITY, ASK_CONDITION, OUT_OF_SCOPE, retrieval_intent
from clinic.topics import PARTLY_ANSWERED, TOPICS

OFFER_STAFF_AFTER = (OUT_OF_SCOPE, ASK_CONDITION)


class ActionAnswerMore(Action):
    def name(self) -> Text:
        return "action_answer_more"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        own = (tracker.latest_message.get("intent") or {}).get("name")
        topics = list(dict.fromkeys(tracker.get_latest_entity_values("topic")))
        for topic in topics:
            dispatcher.utter_message(response=f"utter_{topic}")
        if own != ASK_CONDITION:
            answer_conditions(dispatcher, tracker)
        alternatives = [
            TOPICS[key]
            for key in dict.fromkeys(tracker.get_latest_entity_values(ALTERNATIVE_ENTITY))
            if key in TOPICS and key not in topics
        ]
        if alternatives:
            buttons = [{"title": topic.title, "payload": topic.question} for topic in alternatives]
            dispatcher.utter_message(response="utter_ask_alternatives", buttons=[*buttons, SOMETHING_ELSE])
        answered = [retrieval_intent(tracker.latest_message) or "", *topics]
        if own in OFFER_STAFF_AFTER or any(
            topic.startswith(OUT_OF_SCOPE + "/") or topic in PARTLY_ANSWERED for topic in answered
        ):
            dispatcher.utter_message(response="utter_offer_staff")
        return []
