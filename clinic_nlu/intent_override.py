"""Puts another intent in place of the classifiers' prediction, keeping their ranking after it (shared by
the components that override it: CrisisGuard, RetrievalTopic)."""

from __future__ import annotations

from typing import Text

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def set_intent(message: Message, name: Text, confidence: float) -> None:
    intent = {"name": name, "confidence": confidence}
    others = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *others], add_to_output=True)
