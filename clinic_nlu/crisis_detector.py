"""The learned crisis detector: how likely a message is from a person in crisis, on its meaning.

A binary logistic regression (scikit-learn) over the same sentence features as the topic classifier
(clinic_nlu.linear_component), trained on the `crisis` intent's examples
against every other example, the crisis look-alikes of data/nlu/crisis_lookalikes.yml among them.
Classes are weighted to their sizes, so the few crisis examples count as much as the many others.

It only scores, and clinic_nlu.crisis_guard decides with the lexicon:
- `crisis_score` (0 to 1): the whole message;
- `crisis_sentence_score`: the highest of its sentences of `sentence_min_words` words or more, each
  read alone, when it has more than one. A crisis told in one sentence of a long message ("... Last
  Tuesday I stood at the edge of the overpass for an hour. Can I bring my kids to appointments?") is
  diluted in the whole message's meaning (0.01 there, 0.97 alone), as is one beside a clinic question
  ("What are your hours on Saturday? I don't think I can make it to Monday"). A sentence's features are
  what the pipeline would give it alone: the encoder's embedding of its text, and the sum of the
  character n-gram counts of its tokens (the count featurizer's sentence row is that sum).

Why a second model when the topic classifier has a `crisis` label: spread over some sixty labels, the
crisis probability of a paraphrase the lexicon does not know stays low; a two-way model weighted to
recall reads those paraphrases (measured on the crisis dev sets, docs/nlu-evaluation.md).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.intents import CRISIS
from clinic_nlu.linear_component import LinearComponent, feature_row
from clinic_nlu.sentence_encoder import load_encoder

SCORE_KEY = "crisis_score"
SENTENCE_SCORE_KEY = "crisis_sentence_score"
_SENTENCE = re.compile(r"[^\s.!?;][^\n.!?;]*[.!?;]*")


def sentence_spans(text: Text, min_words: int) -> List[Tuple[int, int]]:
    """(start, end) of the message's sentences of at least `min_words` words; none for one sentence."""
    spans = [match.span() for match in _SENTENCE.finditer(text)]
    if len(spans) < 2:
        return []
    return [(start, end) for start, end in spans if len(text[start:end].split()) >= min_words]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisDetector(LinearComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation; dense_weight: the encoder block's weight against the n-grams'.
        return {"C": 1.0, "dense_weight": 2.0, "sentence_min_words": 4}

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
            sentences = self._sentence_features(message)
            if sentences is not None:
                best = float(self._classifier.predict_proba(sentences)[:, crisis_column].max())
                message.set(SENTENCE_SCORE_KEY, best, add_to_output=True)
        return messages

    def _sentence_features(self, message: Message) -> Optional[np.ndarray]:
        """One row per sentence of a message of several, the features it would have alone."""
        text = message.get(TEXT) or ""
        spans = sentence_spans(text, self.component_config["sentence_min_words"])
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        counts = message.get_sparse_features(TEXT)[0]
        if not spans or counts is None or counts.features.shape[0] != len(tokens):
            return None
        counts_per_token = counts.features.tocsr()
        embeddings = load_encoder().encode([text[start:end] for start, end in spans])[0]
        rows = []
        for (start, end), embedding in zip(spans, embeddings):
            inside = [i for i, token in enumerate(tokens) if token.start >= start and token.end <= end]
            counts_inside = counts_per_token[inside].sum(axis=0)
            rows.append(feature_row(embedding, counts_inside, self.component_config["dense_weight"]))
        return np.vstack(rows)
