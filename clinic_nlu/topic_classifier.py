"""One classifier for every intent and every FAQ / out-of-scope topic, on the sentence's meaning.

A logistic regression (scikit-learn) over the sentence features of the pipeline's featurizers: the
all-MiniLM-L6-v2 embedding (clinic_nlu.sentence_encoder) and the character n-gram counts, each block
L2-normalised so that neither a long message nor one block dominates. Its labels are the full names
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
selector picked an out-of-scope topic). Weights are kept as JSON/NumPy, never pickle.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from clinic.intents import RETRIEVAL_INTENTS
from clinic_nlu import linear_model

SELECTOR_KEY = "response_selector"
RANKING_LENGTH = 10


def sentence_features(message: Message, dense_weight: float) -> np.ndarray:
    """The message's sentence features: dense block(s) and sparse block(s), each L2-normalised."""
    blocks = []
    for sparse in (False, True):
        getter = message.get_sparse_features if sparse else message.get_dense_features
        features = getter(TEXT)[1]
        if features is None:
            continue
        row = features.features
        row = np.asarray(row.todense() if scipy.sparse.issparse(row) else row, dtype=np.float64).reshape(-1)
        norm = np.linalg.norm(row)
        blocks.append((row / norm if norm else row) * (dense_weight if not sparse else 1.0))
    return np.concatenate(blocks) if blocks else np.zeros(0)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TopicClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation; dense_weight: the encoder block's weight against the n-grams'.
        return {"C": 10.0, "dense_weight": 2.0}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: Optional[LogisticRegression] = None,
    ) -> None:
        self.component_config = config
        self._storage, self._resource = model_storage, resource
        self._classifier = classifier

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TopicClassifier":
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def _features(self, messages: List[Message]) -> np.ndarray:
        return np.vstack([sentence_features(m, self.component_config["dense_weight"]) for m in messages])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        self._classifier = LogisticRegression(C=self.component_config["C"], max_iter=5000)
        self._classifier.fit(self._features(examples), labels)
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / "weights.npz", **linear_model.arrays(self._classifier))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TopicClassifier":
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                weights = np.load(directory / "weights.npz", allow_pickle=False)
                classifier = linear_model.from_arrays(weights)
        except ValueError:  # nothing was trained
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, classifier)

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
