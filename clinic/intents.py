"""How a user message was understood, read from its parse data: shared by the actions (topics asked,
the last unanswered question) and the staff console (transcripts, unanswered questions)."""

from typing import Any, Dict, Optional, Text

# A user message with one of these intents is one the bot could not answer.
UNANSWERED_INTENTS = {"out_of_scope", "nlu_fallback"}


def full_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The intent with its retrieval sub-intent (`faq/boosters`) or named conditions (`ask_condition:ptsd`)."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent in ("faq", "out_of_scope"):
        selector = parse_data.get("response_selector") or {}
        selected = selector.get(intent) or selector.get("default") or {}
        key = (selected.get("response") or {}).get("intent_response_key")
        return key or intent
    if intent == "ask_condition":
        conditions = [e["value"] for e in parse_data.get("entities", []) if e.get("entity") == "condition"]
        return "ask_condition:" + "+".join(conditions) if conditions else intent
    return intent
