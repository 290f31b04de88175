"""Whether a reply needs more than its one answer: the marker entity `more` that the dialogue rules
read (data/rules/faq.yml).

Rasa's rules match a message's entity names exactly, so a rule for "an FAQ with a named condition" does
not fire for an FAQ with a named condition and another question. The details (`condition` from
clinic_nlu.condition_extractor, `topic` from clinic_nlu.question_parts, `alternative` from
clinic_nlu.retrieval_topic) therefore do not steer the dialogue (domain.yml); this component adds one
`more` entity when any of them asks for more than the main answer, or when the main answer is one that
says the article does not cover part of the question (clinic.topics.PARTLY_ANSWERED: the staff are
offered after it), and actions/answers.py says it all.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT
from rasa.shared.nlu.training_data.message import Message

from clinic.intents import ALTERNATIVE_ENTITY, MORE_ENTITY, RETRIEVAL_INTENTS, retrieval_intent
from clinic.topics import PARTLY_ANSWERED
from clinic_nlu.stateless import StatelessComponent

# What each intent's answer can be followed by (an ask_condition answer is the condition's already).
DETAILS = {
    **{intent: {"condition", "topic", ALTERNATIVE_ENTITY} for intent in RETRIEVAL_INTENTS},
    "ask_condition": {"topic"},
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AnswerPlan(StatelessComponent, EntityExtractorMixin):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            details = DETAILS.get((message.get(INTENT) or {}).get("name") or "", set())
            entities = message.get(ENTITIES) or []
            partly_answered = retrieval_intent(message.data) in PARTLY_ANSWERED
            if partly_answered or any(entity.get("entity") in details for entity in entities):
                marker = self.add_extractor_name([{"entity": MORE_ENTITY, "value": "yes"}])
                message.set(ENTITIES, entities + marker, add_to_output=True)
        return messages
