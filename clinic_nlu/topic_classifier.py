"""One classifier for every intent and every FAQ / out-of-scope topic, on the sentence's meaning.

A logistic regression (scikit-learn) over the sentence features of the pipeline's featurizers: the
all-MiniLM-L6-v2 embedding (clinic_nlu.sentence_encoder) and the character n-gram counts
(clinic_nlu.linear_component). Its labels are the full names
the training data uses: `faq/boosters`, `out_of_scope/cost`, `book_appointment`, `greet`...

It sets what Rasa's DIETClassifier and ResponseSelector set between them, in their formats:
- `intent`: the label's intent (`faq` for `faq/boosters`), with the summed probability of its labels;
- `intent_ranking`: every intent so;
- `response_selector.default`: the best topic of the predicted retrieval intent and the ranking of
  every topic, which `utter_faq` / `utter_out_of_scope` answer from and clinic_nlu.retrieval_topic
  reads to ask back when unsure.

Why one model instead of two: measured on the dev split of real questions (docs/nlu-evaluation.md),
the sentence encoder with a linear model reads paraphrases the training data never saw better than
DIET on sparse features did, and one prediction cannot disagree with itself (DIET said `faq` while the
selector picked an out-of-scope topic). Weights are kept as NumPy arrays, never pickle.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.intents import RETRIEVAL_INTENTS
from clinic_nlu.linear_component import LinearComponent, teaches_topics

SELECTOR_KEY = "response_selector"
RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TopicClassifier(LinearComponent, IntentClassifier):
    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and teaches_topics(m)]
        return self._fit(examples, [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples])

    def process(self, messages: List[Message]) -> List[Message]:
        if self._classifier is None or not messages:
            return messages
        probabilities = self._classifier.predict_proba(self._features(messages))
        for message, row in zip(messages, probabilities):
            self._set_prediction(message, [str(c) for c in self._classifier.classes_], row)
        return messages

    @staticmethod
    def _set_prediction(message: Message, labels: List[Text], row: np.ndarray) -> None:
        by_intent: Dict[Text, float] = defaultdict(float)
        topics: Dict[Text, List[tuple]] = defaultdict(list)
        for label, probability in zip(labels, row):
            intent = label.split("/", 1)[0]
            by_intent[intent] += float(probability)
            if "/" in label:
                topics[intent].append((label, float(probability)))
        ranking = [{"name": name, "confidence": p} for name, p in sorted(by_intent.items(), key=lambda item: -item[1])]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking[:RANKING_LENGTH], add_to_output=True)
        # Every FAQ and out-of-scope topic, best first, as the ResponseSelector ranks them.
        ordered = sorted((t for name in RETRIEVAL_INTENTS for t in topics[name]), key=lambda t: -t[1])
        if not ordered:
            return
        key, confidence = ordered[0]
        message.set(
            SELECTOR_KEY,
            {
                "all_retrieval_intents": list(RETRIEVAL_INTENTS),
                "default": {
                    "response": {
                        "responses": None,
                        "confidence": confidence,
                        "intent_response_key": key,
                        "utter_action": f"utter_{key}",
                    },
                    "ranking": [
                        {"id": None, "confidence": p, "intent_response_key": name}
                        for name, p in ordered[:RANKING_LENGTH]
                    ],
                },
            },
            add_to_output=True,
        )
