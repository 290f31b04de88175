"""Answers "does it help with <condition>?" for the conditions the person actually named."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic.conditions import default_lexicon


class ActionAnswerCondition(Action):
    def name(self) -> Text:
        return "action_answer_condition"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        lexicon = default_lexicon()
        named = []
        for value in tracker.get_latest_entity_values("condition"):
            if value in lexicon.conditions and value not in named:
                named.append(value)

        if not named:
            dispatcher.utter_message(response="utter_faq/who_for")
            return []

        for key in named:
            condition = lexicon.get(key)
            if condition.listed:
                dispatcher.utter_message(
                    response="utter_condition_listed", condition_name=condition.display
                )
            else:
                dispatcher.utter_message(
                    response="utter_condition_not_listed", condition_name=condition.display
                )
        return []
