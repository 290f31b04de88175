"""After the crisis reply: an urgent handoff so staff see the conversation first."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import reset_booking
from actions.crisis_handoffs import record_crisis


class ActionEscalateCrisis(Action):
    def name(self) -> Text:
        return "action_escalate_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        record_crisis(tracker)
        # A crisis ends any booking in progress (rules expect the loop closed either way).
        if tracker.active_loop.get("name"):
            return [ActiveLoop(None), *reset_booking()]
        return [ActiveLoop(None)]
