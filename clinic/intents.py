"""How a user message was understood, read from its parse data: shared by the actions (topics asked,
the last unanswered question) and the staff console (transcripts, unanswered questions)."""

from typing import Any, Dict, List, Optional, Sequence, Text

# The intents the code names (the rest are only in data/ and domain.yml).
FAQ = "faq"
OUT_OF_SCOPE = "out_of_scope"
ASK_CONDITION = "ask_condition"
ASK_SUICIDAL_THOUGHTS = "ask_suicidal_thoughts"
CRISIS = "crisis"
BOOK_APPOINTMENT = "book_appointment"
REQUEST_STAFF = "request_staff"
CANCEL = "cancel"
AFFIRM = "affirm"
DENY = "deny"
BOT_CHALLENGE = "bot_challenge"
HELP = "help"
FALLBACK_INTENT = "nlu_fallback"
NON_ENGLISH = "non_english"
OFF_TOPIC = "off_topic"
THANK = "thank"
GOODBYE = "goodbye"
# Retrieval intents: the topic classifier picks their answer (faq/boosters, out_of_scope/cost) and
# reports it as Rasa's ResponseSelector would, under `response_selector`.
RETRIEVAL_INTENTS = (FAQ, OUT_OF_SCOPE)
# The general out-of-scope answer, when no out-of-scope topic fits.
GENERAL_OUT_OF_SCOPE = OUT_OF_SCOPE + "/other"
# Questions about a topic: what a conversation "asked about".
TOPIC_INTENTS = (FAQ, OUT_OF_SCOPE, ASK_CONDITION, ASK_SUICIDAL_THOUGHTS)
# Where clinic_nlu.retrieval_topic keeps the likely topics of a message it was not sure about.
TOPIC_CHOICES_KEY = "topic_choices"
# The entity naming a topic close to the answered one, offered as a choice after the answer.
ALTERNATIVE_ENTITY = "alternative"
# Another topic the message asks about (clinic_nlu.question_parts), answered beside the main one.
TOPIC_ENTITY = "topic"
# A condition the message names (clinic_nlu.condition_extractor, from clinic/lexicons/conditions.yml).
CONDITION_ENTITY = "condition"
# The entities marking an FAQ reply that says more than its one answer, and one that ends with the staff
# offer (clinic_nlu.answer_plan, data/rules/faq.yml); and an unclear message whose every question was
# read, answered without asking back (data/rules/fallback.yml).
MORE_ENTITY = "more"
OFFER_ENTITY = "offer"
ANSWERED_ENTITY = "answered"
# The intents whose reply ends with the staff offer only when it is marked `offer` (the rest that say more
# always end with it: data/rules/faq.yml, data/rules/safety.yml).
OFFER_WHEN_MARKED = (FAQ, ASK_SUICIDAL_THOUGHTS)
# A user message with one of these intents is one the bot could not answer (`unanswered`).
UNANSWERED_INTENTS = {OUT_OF_SCOPE, FALLBACK_INTENT}
# The responses that answer a question from the article (the `utter_action` Rasa stores with a bot
# message): what a patient can rate (clinic.feedback) and what "answered" means on the dashboard.
FAQ_ANSWER_PREFIX = "utter_faq/"
CONDITION_ANSWER = "utter_condition_listed"
# The action that asks back with the likely topics (actions/clarify.py).
CLARIFY_ACTION = "action_clarify"
# Where clinic_nlu.crisis_guard records what it decided on, the classifiers' intent before it included.
GUARD_KEY = "crisis_guard"


def is_faq_answer(utter_action: Any) -> bool:
    return isinstance(utter_action, str) and (
        utter_action.startswith(FAQ_ANSWER_PREFIX) or utter_action == CONDITION_ANSWER
    )


def retrieval_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The intent with its retrieval sub-intent (`faq/boosters`), as the NLU evaluation scores it."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent in RETRIEVAL_INTENTS:
        selector = parse_data.get("response_selector") or {}
        selected = selector.get(intent) or selector.get("default") or {}
        key = (selected.get("response") or {}).get("intent_response_key")
        return key or intent
    return intent


def selector_ranking(parse_data: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """The topics the selector ranked for the message, likeliest first, each with its
    `intent_response_key` and `confidence`."""
    selected = (parse_data.get("response_selector") or {}).get("default") or {}
    return [entry for entry in selected.get("ranking") or [] if entry.get("intent_response_key")]


def full_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The intent with its retrieval sub-intent (`faq/boosters`) or named conditions (`ask_condition:ptsd`)."""
    intent = retrieval_intent(parse_data)
    if intent == ASK_CONDITION:
        conditions = [e["value"] for e in parse_data.get("entities", []) if e.get("entity") == CONDITION_ENTITY]
        return ASK_CONDITION + ":" + "+".join(conditions) if conditions else intent
    return intent


def unanswered(parse_data: Dict[Text, Any]) -> bool:
    """Whether the bot could not answer the message: out of scope, or unclear, unless each of its questions
    was answered in scope (`answered` without `offer`: "how long r the sessions, how often do i come in")."""
    intent = (parse_data.get("intent") or {}).get("name")
    markers = {entity.get("entity") for entity in parse_data.get("entities") or []}
    if intent == FALLBACK_INTENT and ANSWERED_ENTITY in markers and OFFER_ENTITY not in markers:
        return False
    return intent in UNANSWERED_INTENTS


def in_another_language(ranking: Sequence[Dict[Text, Any]]) -> bool:
    """Whether the classifiers read a message as written in a language other than English: `non_english` at
    0.5 or more in its intent ranking, whatever intent the crisis guard put first."""
    return any(entry.get("name") == NON_ENGLISH and (entry.get("confidence") or 0.0) >= 0.5 for entry in ranking)


def crisis_guessed(parse_data: Dict[Text, Any]) -> bool:
    """Whether the classifiers read the message as a crisis that the crisis guard did not confirm (an unsure
    guess, or words a denial negates), or the crisis detector leans towards one below its thresholds
    (clinic_nlu.crisis_guard): the reply carries the crisis line all the same."""
    guard = parse_data.get(GUARD_KEY) or {}
    guessed = (guard.get("classifier") or {}).get("name") == CRISIS or bool(guard.get("leaning"))
    return guessed and (parse_data.get("intent") or {}).get("name") != CRISIS


def crisis_line_owed(parse_data: Dict[Text, Any]) -> bool:
    """Whether a crisis is guessed (`crisis_guessed`) and the reply's own answer does not carry the crisis line: the
    answer about suicidal thoughts does (domain.yml), so nothing adds the line after it."""
    return crisis_guessed(parse_data) and (parse_data.get("intent") or {}).get("name") != ASK_SUICIDAL_THOUGHTS
