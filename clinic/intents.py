"""How a user message was understood, read from its parse data: shared by the actions (topics asked,
the last unanswered question) and the staff console (transcripts, unanswered questions)."""

from typing import Any, Dict, Optional, Text

FALLBACK_INTENT = "nlu_fallback"
# Intents whose answer the ResponseSelector picks (faq/boosters, out_of_scope/cost).
RETRIEVAL_INTENTS = ("faq", "out_of_scope")
# Where clinic_nlu.retrieval_topic keeps the likely topics of a message it was not sure about.
TOPIC_CHOICES_KEY = "topic_choices"
# The entity naming a topic close to the answered one, offered as a choice after the answer.
ALTERNATIVE_ENTITY = "alternative"
# A user message with one of these intents is one the bot could not answer.
UNANSWERED_INTENTS = {"out_of_scope", FALLBACK_INTENT}


def full_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The intent with its retrieval sub-intent (`faq/boosters`) or named conditions (`ask_condition:ptsd`)."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent in RETRIEVAL_INTENTS:
        selector = parse_data.get("response_selector") or {}
        selected = selector.get(intent) or selector.get("default") or {}
        key = (selected.get("response") or {}).get("intent_response_key")
        return key or intent
    if intent == "ask_condition":
        conditions = [e["value"] for e in parse_data.get("entities", []) if e.get("entity") == "condition"]
        return "ask_condition:" + "+".join(conditions) if conditions else intent
    return intent
