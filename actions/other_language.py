"""A message in a language the assistant does not answer: after the reply (the staff's phone, the crisis
line in Spanish too), a handoff asks staff to read the conversation and reply, once per conversation
session. The assistant cannot tell what such a message asks, a crisis included: the crisis guard's
detector learned English only, and its lexicon knows a few phrasings in a few languages."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.session_handoffs import record_session_handoff

REASON = (
    "Wrote in a language the assistant does not answer (it answers in English only): please read the "
    "conversation and reply. It may be about anything, a crisis included."
)


class ActionReferOtherLanguage(Action):
    def name(self) -> Text:
        return "action_refer_other_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        record_session_handoff(tracker, "language", REASON)
        return []
