"""The handoffs a crisis writes, once per conversation session: urgent after the crisis reply
(actions/crisis.py), and one asking staff to read the conversation after a reply that carried only the
crisis line, when the message may be a crisis the crisis guard could not confirm (clinic.intents.crisis_guessed:
actions/answers.py, actions/clarify.py, and actions/crisis.py after the low-mood reply or the answer about
suicidal thoughts)."""

from rasa_sdk import Tracker

from actions.session_handoffs import record_session_handoff
from clinic.handoffs import kinds

REASON = "Crisis message: crisis resources (988, 911) were given. Follow up urgently."
POSSIBLE_REASON = (
    "Possible crisis, not confirmed: a message may be a sign of crisis, and the reply ended with the crisis "
    "line (988). Please read the conversation."
)


def record_crisis(tracker: Tracker) -> None:
    record_session_handoff(tracker, kinds.CRISIS, REASON, kind=kinds.CRISIS, urgent=True)


def record_possible_crisis(tracker: Tracker) -> None:
    """None when the crisis reply was already given in the conversation: its urgent handoff stands."""
    if not tracker.get_slot("crisis"):
        record_session_handoff(tracker, kinds.POSSIBLE_CRISIS, POSSIBLE_REASON, kind=kinds.POSSIBLE_CRISIS)
