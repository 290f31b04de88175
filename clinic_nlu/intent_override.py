"""Puts another intent in place of the classifiers' prediction, keeping their ranking after it (shared by
the components that override it: CrisisGuard, RetrievalTopic, QuestionParts), or another answer in place of
the selector's (RetrievalTopic, QuestionParts)."""

from __future__ import annotations

from typing import Text

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def set_intent(message: Message, name: Text, confidence: float) -> None:
    intent = {"name": name, "confidence": confidence}
    others = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *others], add_to_output=True)


def set_answer(message: Message, key: Text) -> None:
    """Puts the answer `key` (`faq/boosters`, `out_of_scope/other`) in place of the one the selector picked
    (`response_selector.default`, which `utter_faq` and `utter_out_of_scope` answer from), and its family
    as the intent."""
    selected = message.get("response_selector")["default"]
    selected["response"] = {**selected["response"], "intent_response_key": key, "utter_action": "utter_" + key}
    replace_intent(message, key.split("/", 1)[0])


def replace_intent(message: Message, name: Text) -> None:
    """Puts the intent `name` first, with the predicted intent's confidence, unless it is already the intent."""
    intent = message.get(INTENT) or {}
    if name != intent.get("name"):
        set_intent(message, name, intent.get("confidence", 0.0))
