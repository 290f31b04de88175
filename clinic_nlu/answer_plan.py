"""Whether a reply needs more than its one answer: the marker entities `more` and `offer` that the
dialogue rules read (data/rules/faq.yml).

Rasa's rules match a message's entity names exactly, so a rule for "an FAQ with a named condition" does
not fire for an FAQ with a named condition and another question. The details (`condition` from
clinic_nlu.condition_extractor, `topic` from clinic_nlu.question_parts, `alternative` from
clinic_nlu.retrieval_topic) therefore do not steer the dialogue (domain.yml); this component adds one
`more` entity when any of them asks for more than the main answer, and actions/answers.py says it all.

An FAQ reply ends with the staff offer (`offer`) when it answers a question, or a part of one, that is
out of scope or that the article covers only in part (clinic.topics.PARTLY_ANSWERED: an answer that
says what the article leaves out), when the message names a condition the article does not list, or
when a part of it asks for the staff ("how long is an infusion and how do I book?": clinic_nlu.question_parts)
or reads as no topic at all ("how does it work? also my cat keeps staring at me, normal?").
The offer is the rules' own `utter_offer_staff`, so that "yes" to it starts the handoff
(data/rules/handoff.yml). Out-of-scope and condition answers always end with it.

A message the crisis detector leans towards reading as a crisis without being sure
(clinic.intents.crisis_guessed, clinic_nlu.crisis_guard) gets `more` too: its answers, then the crisis line;
so do a thank-you, a goodbye and an off-topic message ("goodbye, thank you for everything"), whose one
reply the line follows.

A message the crisis guard answers as a question about suicidal thoughts (clinic_nlu.crisis_guard: a history
it reads as long over, or told beside a question) keeps the question the classifiers read before the guard: its
topic becomes a `topic` entity, and the reply answers it after the answer about suicidal thoughts ("I made an
attempt at 17, I'm 42 now and stable. Do you treat OCD?" is told about OCD too), as it answers the message's other
questions and the conditions it names (data/rules/safety.yml). That answer carries the crisis line already, so a
lean towards a crisis adds no `more` to it.

An unclear message (`nlu_fallback`) whose every question reads clearly on its own (`parts_read`,
clinic_nlu.question_parts) gets `answered`: its answers are the reply, with no question back
(actions/clarify.py), and `offer` too when one of them leaves something to the staff
(data/rules/fallback.yml).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE, INTENT
from rasa.shared.nlu.training_data.message import Message

from clinic.conditions import default_lexicon
from clinic.intents import (
    ALTERNATIVE_ENTITY,
    ANSWERED_ENTITY,
    ASK_SUICIDAL_THOUGHTS,
    BOOK_APPOINTMENT,
    CONDITION_ENTITY,
    FALLBACK_INTENT,
    GOODBYE,
    GUARD_KEY,
    MORE_ENTITY,
    OFF_TOPIC,
    OFFER_ENTITY,
    OFFER_WHEN_MARKED,
    REQUEST_STAFF,
    RETRIEVAL_INTENTS,
    THANK,
    TOPIC_ENTITY,
    crisis_line_owed,
    retrieval_intent,
)
from clinic.topics import needs_staff
from clinic_nlu.question_parts import PART_FOR_STAFF, PARTS_READ, answered_topic
from clinic_nlu.stateless import StatelessComponent

# What each intent's answer can be followed by (an ask_condition answer is the condition's already);
# every one of them but the answer about suicidal thoughts by the crisis line, when the message may be a crisis the
# guard did not confirm.
DETAILS = {
    **{intent: {CONDITION_ENTITY, TOPIC_ENTITY, ALTERNATIVE_ENTITY} for intent in RETRIEVAL_INTENTS},
    "ask_condition": {TOPIC_ENTITY},
    # Its answer carries the crisis line itself (domain.yml), so a lean towards a crisis adds nothing to it.
    ASK_SUICIDAL_THOUGHTS: {CONDITION_ENTITY, TOPIC_ENTITY},
    # A request to book or for a person that also asks a question: the answer, then the booking
    # (data/rules/handoff.yml).
    BOOK_APPOINTMENT: {TOPIC_ENTITY},
    REQUEST_STAFF: {TOPIC_ENTITY},
    # Nothing but the crisis line (data/rules/basics.yml).
    THANK: set(),
    GOODBYE: set(),
    OFF_TOPIC: set(),
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AnswerPlan(StatelessComponent, EntityExtractorMixin):
    def process(self, messages: List[Message]) -> List[Message]:
        lexicon = default_lexicon()
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            entities = message.get(ENTITIES) or []
            kept = _asked_before_the_guard(message) if intent == ASK_SUICIDAL_THOUGHTS else None
            added = []
            if kept and kept not in [e.get(ENTITY_ATTRIBUTE_VALUE) for e in entities]:
                added = self.add_extractor_name([{ENTITY_ATTRIBUTE_TYPE: TOPIC_ENTITY, ENTITY_ATTRIBUTE_VALUE: kept}])
                entities = entities + added
            markers = []
            details = DETAILS.get(intent)
            if details is not None and (
                crisis_line_owed(message.data)
                or any(entity.get(ENTITY_ATTRIBUTE_TYPE) in details for entity in entities)
            ):
                markers.append(MORE_ENTITY)
            answered = [retrieval_intent(message.data) or ""] + [
                entity.get(ENTITY_ATTRIBUTE_VALUE) or ""
                for entity in entities
                if entity.get(ENTITY_ATTRIBUTE_TYPE) == TOPIC_ENTITY
            ]
            named = [
                lexicon.conditions.get(entity.get(ENTITY_ATTRIBUTE_VALUE))
                for entity in entities
                if entity.get(ENTITY_ATTRIBUTE_TYPE) == CONDITION_ENTITY
            ]
            names_unlisted = any(condition is not None and not condition.listed for condition in named)
            needs_offer = names_unlisted or message.get(PART_FOR_STAFF) or any(needs_staff(t) for t in answered)
            if intent == FALLBACK_INTENT and message.get(PARTS_READ):
                markers.append(ANSWERED_ENTITY)
            if needs_offer and (intent in OFFER_WHEN_MARKED or ANSWERED_ENTITY in markers):
                markers.append(OFFER_ENTITY)
            marked = [{ENTITY_ATTRIBUTE_TYPE: name, ENTITY_ATTRIBUTE_VALUE: "yes"} for name in markers]
            if marked or added:
                message.set(ENTITIES, entities + self.add_extractor_name(marked), add_to_output=True)
        return messages


def _asked_before_the_guard(message: Message) -> Optional[str]:
    """The topic the classifiers answered before the crisis guard put its intent in their prediction's place."""
    before: Dict[str, Any] = (message.get(GUARD_KEY) or {}).get("classifier") or {}
    return answered_topic(Message(data={**message.data, INTENT: before}))
