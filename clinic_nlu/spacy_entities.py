"""spaCy's named entities (people's names for the booking form) without a second spaCy pass.

Rasa's `SpacyEntityExtractor` runs the whole spaCy pipeline on every message a second time, because
SpacyNLP may have lower-cased the text. With `case_sensitive: true` (config.yml) the document SpacyNLP
made is of the message's own text, so this extractor reads its entities from that document; where it is
not (another configuration), it falls back to spaCy's own extractor. Same entities, half the spaCy time.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class SharedDocEntityExtractor(SpacyEntityExtractor):
    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or doc.text != text:
                super().process([message], model)
                continue
            found = self.filter_irrelevant_entities(
                self.add_extractor_name(self._extract_entities(doc)), self._config["dimensions"]
            )
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
