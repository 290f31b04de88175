"""Entity extractor for `condition`: finds the conditions a person names, from the clinic lexicon.

Deterministic (clinic/lexicons/conditions.yml holds every synonym, abbreviation and common typo), so
"PTSD", "post traumatic stress" and "p.t.s.d." all become the canonical value `ptsd`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.conditions import default_lexicon
from clinic.intents import CONDITION_ENTITY
from clinic_nlu.stateless import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ConditionEntityExtractor(StatelessComponent, EntityExtractorMixin):
    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._lexicon = default_lexicon()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [
                {
                    "entity": CONDITION_ENTITY,
                    "value": mention.condition.key,
                    "start": mention.start,
                    "end": mention.end,
                    "confidence_entity": 1.0,
                }
                for mention in self._lexicon.find(message.get(TEXT) or "")
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
