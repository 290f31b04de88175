"""The learned crisis detector: how likely a message is from a person in crisis, on its meaning.

A binary logistic regression (scikit-learn) over the same sentence features as the topic classifier
(clinic_nlu.linear_component), trained on the `crisis` intent's examples
against every other example, the crisis look-alikes of data/nlu/crisis_lookalikes.yml among them.
Classes are weighted to their sizes, so the few crisis examples count as much as the many others.

It only scores: it sets `crisis_score` (0 to 1) on the message, and clinic_nlu.crisis_guard decides
with the lexicon. Why a second model when the topic classifier has a `crisis` label: spread over
some sixty labels, the crisis probability of a paraphrase the lexicon does not know stays low; a
two-way model weighted to recall reads those paraphrases (measured on the crisis probe set,
docs/nlu-evaluation.md).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.intents import CRISIS
from clinic_nlu.linear_component import LinearComponent

SCORE_KEY = "crisis_score"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisDetector(LinearComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation; dense_weight: the encoder block's weight against the n-grams'.
        return {"C": 1.0, "dense_weight": 2.0}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT) == CRISIS for m in examples]
        if all(labels) or not any(labels):
            return self._resource
        return self._fit(examples, labels, class_weight="balanced")

    def process(self, messages: List[Message]) -> List[Message]:
        if self._classifier is None or not messages:
            return messages
        crisis_column = list(self._classifier.classes_).index(True)
        for message, row in zip(messages, self._classifier.predict_proba(self._features(messages))):
            message.set(SCORE_KEY, float(row[crisis_column]), add_to_output=True)
        return messages
