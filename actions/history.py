"""Facts read from a conversation's events: what the person asked about, what went unanswered."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from clinic.intents import TOPIC_ENTITY, TOPIC_INTENTS, full_intent, unanswered


def user_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    return [event for event in tracker.events if event.get("event") == "user"]


def topics_asked(tracker: Tracker) -> List[Text]:
    """The FAQ, out-of-scope and condition topics of this conversation, in order, each once: each
    message's own and those of its other questions (the `topic` entities: "can I talk to a person? how
    much is it?" asked the cost)."""
    topics: List[Text] = []
    for event in user_events(tracker):
        parse_data = event.get("parse_data") or {}
        parts = [
            entity.get("value")
            for entity in parse_data.get("entities") or []
            if entity.get("entity") == TOPIC_ENTITY and entity.get("value")
        ]
        for topic in [full_intent(parse_data), *parts]:
            if topic and topic.split("/")[0].split(":")[0] in TOPIC_INTENTS and topic not in topics:
                topics.append(topic)
    return topics


def last_unanswered_question(tracker: Tracker, before_loop: Optional[Text] = None) -> Optional[Text]:
    """The last question the bot could not answer before `before_loop` last started (never a form
    answer); without a loop, the last one so far."""
    events = list(tracker.events)
    starts = [i for i, e in enumerate(events) if e.get("event") == "active_loop" and e.get("name") == before_loop]
    if before_loop is None:
        starts = []
    if starts:
        events = events[: starts[-1]]
    for event in reversed([e for e in events if e.get("event") == "user"]):
        text = event.get("text") or ""
        if unanswered(event.get("parse_data") or {}) and not text.startswith("/"):
            return text
    return None


def latest_message_id(tracker: Tracker) -> Text:
    """Stable id of the last user message (the same when Rasa retries an action)."""
    events = user_events(tracker)
    if not events:
        return "none"
    last = events[-1]
    return str(last.get("message_id") or last.get("timestamp"))


def session_started_at(tracker: Tracker) -> Text:
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return str(event.get("timestamp"))
    return "0"


def ran_this_session(tracker: Tracker, action_name: Text) -> bool:
    """Whether `action_name` has run since the conversation's session started."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "action" and event.get("name") == action_name:
            return True
    return False


def intent_that_started(tracker: Tracker, loop_name: Text) -> Optional[Text]:
    """The intent of the user message that led to the last activation of `loop_name`."""
    last_intent = None
    started_by = None
    for event in tracker.events:
        if event.get("event") == "user":
            last_intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        elif event.get("event") == "active_loop" and event.get("name") == loop_name:
            started_by = last_intent
    return started_by
