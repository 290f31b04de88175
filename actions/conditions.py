"""Answers "does it help with <condition>?" for the conditions the person actually named."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic.conditions import default_lexicon
from clinic.intents import CONDITION_ENTITY
from clinic.topics import CONDITIONS_TOPIC


def answer_conditions(dispatcher: CollectingDispatcher, tracker: Tracker, list_said: bool = False) -> bool:
    """Says, for each condition the person named, whether the article lists it, and, when one is not
    listed, once, which conditions the article does list (unless the reply has said it already,
    `list_said`). False if none named."""
    lexicon = default_lexicon()
    named = []
    for value in tracker.get_latest_entity_values(CONDITION_ENTITY):
        if value in lexicon.conditions and value not in named:
            named.append(value)
    conditions = [lexicon.get(key) for key in named]
    for condition in conditions:
        response = "utter_condition_listed" if condition.listed else "utter_condition_not_listed"
        dispatcher.utter_message(response=response, condition_name=condition.sentence_start)
    if not list_said and not all(condition.listed for condition in conditions):
        dispatcher.utter_message(response="utter_conditions_listed", listed_conditions=lexicon.listed_names())
    return bool(named)


class ActionAnswerCondition(Action):
    def name(self) -> Text:
        return "action_answer_condition"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if not answer_conditions(dispatcher, tracker):
            dispatcher.utter_message(response=f"utter_{CONDITIONS_TOPIC}")
        return []
