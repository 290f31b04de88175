"""The handoffs a crisis writes, once per conversation session: urgent after the crisis reply
(actions/crisis.py), and one asking staff to read the conversation after a reply that carried only the
crisis line, when the message may be a crisis the crisis guard could not confirm (clinic.intents.crisis_guessed:
actions/answers.py, actions/clarify.py)."""

from rasa_sdk import Tracker

from actions import history
from clinic.handoffs import kinds
from clinic.handoffs.service import HandoffRequest, record_handoff

REASON = "Crisis message: crisis resources (988, 911) were given. Follow up urgently."
POSSIBLE_REASON = (
    "Possible crisis, not confirmed: a message may be a sign of crisis, and the reply ended with the crisis "
    "line (988). Please read the conversation."
)


def record_crisis(tracker: Tracker) -> None:
    _record(tracker, kinds.CRISIS, REASON, urgent=True)


def record_possible_crisis(tracker: Tracker) -> None:
    """None when the crisis reply was already given in the conversation: its urgent handoff stands."""
    if not tracker.get_slot("crisis"):
        _record(tracker, kinds.POSSIBLE_CRISIS, POSSIBLE_REASON, urgent=False)


def _record(tracker: Tracker, kind: str, reason: str, urgent: bool) -> None:
    record_handoff(
        HandoffRequest(
            idempotency_key=f"{kind}:{tracker.sender_id}:{history.session_started_at(tracker)}",
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
            reason=reason,
            topics=history.topics_asked(tracker),
            urgent=urgent,
            kind=kind,
            name=tracker.get_slot("contact_name"),
            phone=tracker.get_slot("contact_phone"),
            email=tracker.get_slot("contact_email"),
        )
    )
