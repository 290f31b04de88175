"""After the crisis reply: the 988 line's Spanish option when the message was written in another language,
and an urgent handoff so staff see the conversation first. After a reply that
carries the crisis line by itself (the low-mood reply, the answer about suicidal thoughts): the handoff
asking staff to read a possible crisis, when the message may be one the crisis guard could not confirm
(clinic.intents.crisis_guessed), as after an answer (actions/answers.py)."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import reset_booking
from actions.crisis_handoffs import record_crisis, record_possible_crisis
from clinic.intents import crisis_guessed, in_another_language


class ActionEscalateCrisis(Action):
    def name(self) -> Text:
        return "action_escalate_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        # The crisis reply is in English; a person in crisis who wrote in Spanish (or another language) is
        # told how to reach the line in Spanish, or through its interpreters.
        if in_another_language(tracker.latest_message.get("intent_ranking") or []):
            dispatcher.utter_message(response="utter_crisis_line_in_spanish")
        record_crisis(tracker)
        # A crisis ends any booking in progress (rules expect the loop closed either way).
        if tracker.active_loop.get("name"):
            return [ActiveLoop(None), *reset_booking()]
        return [ActiveLoop(None)]


class ActionNotePossibleCrisis(Action):
    def name(self) -> Text:
        return "action_note_possible_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if crisis_guessed(tracker.latest_message):
            record_possible_crisis(tracker)
        return []
