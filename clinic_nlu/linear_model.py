"""A trained logistic regression kept as NumPy arrays, never pickle: loading a model never runs code
from it (clinic_nlu.topic_classifier, clinic_nlu.question_parts)."""

from __future__ import annotations

from typing import Dict

import numpy as np
from sklearn.linear_model import LogisticRegression


def arrays(classifier: LogisticRegression) -> Dict[str, np.ndarray]:
    return {"coef": classifier.coef_, "intercept": classifier.intercept_, "classes": np.array(classifier.classes_)}


def from_arrays(weights) -> LogisticRegression:
    classifier = LogisticRegression()
    classifier.classes_, classifier.coef_, classifier.intercept_ = (
        weights["classes"],
        weights["coef"],
        weights["intercept"],
    )
    return classifier
