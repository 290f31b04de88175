"""Base of the NLU components whose one trained part is a logistic regression (scikit-learn) on the
message's sentence features: clinic_nlu.topic_classifier and clinic_nlu.crisis_detector.

The features are the sentence-level outputs of the pipeline's featurizers: the all-MiniLM-L6-v2
embedding (dense) and the character n-gram counts (sparse), each block L2-normalised so that neither
a long message nor one block dominates, the dense block then weighted by `dense_weight`. The weights
are stored as NumPy arrays (clinic_nlu.linear_model), never pickle.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.linear_model import LogisticRegression

from clinic_nlu import linear_model

WEIGHTS_FILE = "weights.npz"
# Intent metadata of the examples written for the crisis detector alone (data/nlu/crisis_lookalikes.yml,
# data/nlu/on_behalf.yml and the second block of data/nlu/crisis.yml). The topic models leave them
# out: the look-alikes' topics were given by a model, not a person, and with hundreds more crisis
# examples the topic classifier's own `crisis` label would take ordinary goodbyes and venting for a crisis.
DETECTOR_ONLY = "crisis_detector_only"


def teaches_topics(message: Message) -> bool:
    """Whether a training example is one the topic models learn from (all but the detector's own)."""
    intent_metadata = (message.get(METADATA) or {}).get(METADATA_INTENT) or {}
    return not intent_metadata.get(DETECTOR_ONLY, False)


def _normalised(row: Any) -> np.ndarray:
    """A dense or sparse row as a flat float array scaled to unit length (a zero row stays zero)."""
    row = np.asarray(row.todense() if scipy.sparse.issparse(row) else row, dtype=np.float64).reshape(-1)
    norm = np.linalg.norm(row)
    return row / norm if norm else row


def feature_row(dense: Any, sparse: Any, dense_weight: float) -> np.ndarray:
    """One row of features: the dense block then the sparse block (either may be None), each
    L2-normalised, the dense one weighted by `dense_weight`."""
    blocks = [_normalised(dense) * dense_weight] if dense is not None else []
    blocks += [_normalised(sparse)] if sparse is not None else []
    return np.concatenate(blocks) if blocks else np.zeros(0)


def sentence_features(message: Message, dense_weight: float) -> np.ndarray:
    """The message's sentence features: its dense and sparse sentence rows (feature_row)."""
    dense, sparse = message.get_dense_features(TEXT)[1], message.get_sparse_features(TEXT)[1]
    return feature_row(
        dense.features if dense is not None else None, sparse.features if sparse is not None else None, dense_weight
    )


class LinearComponent(GraphComponent):
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
        arrays: Optional[Dict[Text, np.ndarray]] = None,
    ) -> None:
        self.component_config = config
        self._storage, self._resource = model_storage, resource
        self._classifier = classifier
        # Whatever else the subclass stored beside the regression's weights (see _fit).
        self._arrays = arrays or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearComponent":
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearComponent":
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored:
                    arrays = dict(stored)
        except ValueError:  # nothing was trained
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, linear_model.from_arrays(arrays), arrays)

    def _features(self, messages: List[Message]) -> np.ndarray:
        return np.vstack([sentence_features(m, self.component_config["dense_weight"]) for m in messages])

    def _regression(self, **options: Any) -> LogisticRegression:
        return LogisticRegression(C=self.component_config["C"], max_iter=5000, **options)

    def _fit(
        self, messages: List[Message], labels: Any, arrays: Optional[Dict[Text, np.ndarray]] = None, **options: Any
    ) -> Resource:
        """Trains the regression on the messages' features and stores its weights, with `arrays` beside them."""
        return self._store(self._regression(**options).fit(self._features(messages), labels), arrays)

    def _store(self, classifier: LogisticRegression, arrays: Optional[Dict[Text, np.ndarray]] = None) -> Resource:
        """Keeps the trained regression and stores its weights, with `arrays` beside them."""
        self._classifier = classifier
        self._arrays = {**(arrays or {}), **linear_model.arrays(classifier)}
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self._arrays)
        return self._resource
