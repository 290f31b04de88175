"""After the crisis reply: an urgent handoff so staff see the conversation first."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import history
from actions.booking import reset_booking
from clinic.handoffs.service import HandoffRequest, record_handoff

REASON = "Crisis message: crisis resources (988, 911) were given. Follow up urgently."


class ActionEscalateCrisis(Action):
    def name(self) -> Text:
        return "action_escalate_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        record_handoff(
            HandoffRequest(
                # One urgent handoff per conversation session, however many crisis messages.
                idempotency_key=f"crisis:{tracker.sender_id}:{history.session_started_at(tracker)}",
                channel=tracker.get_latest_input_channel() or "unknown",
                sender_id=tracker.sender_id,
                reason=REASON,
                topics=history.topics_asked(tracker),
                urgent=True,
                name=tracker.get_slot("contact_name"),
                phone=tracker.get_slot("contact_phone"),
                email=tracker.get_slot("contact_email"),
            )
        )
        # A crisis ends any booking in progress (rules expect the loop closed either way).
        if tracker.active_loop.get("name"):
            return [ActiveLoop(None), *reset_booking()]
        return [ActiveLoop(None)]
