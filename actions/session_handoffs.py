"""A handoff written at most once per conversation session, with what the conversation knows of the person
(topics asked, contact details given to the booking form or in the message itself: "my number is 917 555 0192
but i took a whole bottle of tylenol"): the crisis handoffs (actions/crisis_handoffs.py) and the one for a
message in another language (actions/other_language.py)."""

from rasa_sdk import Tracker

from actions import history
from clinic.handoffs import kinds
from clinic.handoffs.contact import parse_contact
from clinic.handoffs.service import HandoffRequest, record_handoff


def record_session_handoff(
    tracker: Tracker, key: str, reason: str, kind: str = kinds.REQUEST, urgent: bool = False
) -> None:
    """`key` names what the handoff is for: a retried action, or the same again in the session, finds its row."""
    given = parse_contact(tracker.latest_message.get("text") or "")
    record_handoff(
        HandoffRequest(
            idempotency_key=f"{key}:{tracker.sender_id}:{history.session_started_at(tracker)}",
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
            reason=reason,
            topics=history.topics_asked(tracker),
            urgent=urgent,
            kind=kind,
            name=tracker.get_slot("contact_name"),
            phone=tracker.get_slot("contact_phone") or given.phone,
            email=tracker.get_slot("contact_email") or given.email,
        )
    )
