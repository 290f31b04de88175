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

Sentences are read by a reading of their own: a second regression, neighbours and calibration, learned
from the same examples and, besides them, each sentence (read alone as above) of every example of
several sentences that is not a crisis, as one more example that is not. Trained on whole messages only,
the detector read a sentence of ordinary low mood taken out of its message as a crisis ("I just want my
life back.", 0.96, in a question about how long the relief lasts). The crisis examples' sentences are not
learned (most sentences of a crisis message are not a crisis alone), and the whole message keeps the
reading of whole messages: learned by one reading, the sentences moved every message's score too, and
ordinary messages over the threshold with them. Measured on the crisis dev sets (docs/nlu-evaluation.md,
twenty-eighth round).

A denial is read around: where the lexicon finds one ("I'm not suicidal, just exhausted":
clinic.crisis.CrisisLexicon.denials, read at run time, so the lexicon's `denied` entries apply without
training), the message and each of its sentences are scored without it, as a message of what is left
would be (nothing left scores 0). The regression and the neighbours read "suicidal" whatever "not"
says before it.

A crisis word in another sense, a figure of speech ("I'd kill for a coffee", "my boss will be the death of
me", "jump at the chance": the lexicon's `other_senses`), is read around the same way,
but only ever lowers the score: the message and its sentences are scored with and without it and the
lower kept. What is left of a short message can read as a crisis by itself ("tell her thanks", a
farewell's words, after "I nearly died laughing at the nurse's joke"), and another sense is no reason to
score higher.

The score is not the regression's alone. A regression draws one boundary through the whole space of
meanings; a crisis paraphrase often sits close to a few crisis examples yet on the wrong side of that
boundary. So the score also weighs how near the message's embedding is to its nearest crisis examples
against its nearest others (`neighbours` of each, the mean cosine similarity): the regression's log-odds
times `regression_weight` plus that margin, turned into a probability by a one-feature logistic
regression fitted on the training examples' held-out values (five-fold regression scores, each example's
neighbours without itself). On the crisis dev sets this catches more crisis messages for fewer false
alarms than the regression alone (docs/nlu-evaluation.md, where `regression_weight` was chosen).

Why a second model when the topic classifier has a `crisis` label: spread over some sixty labels, the
crisis probability of a paraphrase the lexicon does not know stays low; a two-way model weighted to
recall reads those paraphrases (measured on the crisis dev sets, docs/nlu-evaluation.md).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from clinic import crisis
from clinic.intents import CRISIS
from clinic_nlu import linear_model
from clinic_nlu.linear_component import LinearComponent, feature_row
from clinic_nlu.sentence_encoder import load_encoder

SCORE_KEY = "crisis_score"
SENTENCE_SCORE_KEY = "crisis_sentence_score"
_SENTENCE = re.compile(r"[^\s.!?;][^\n.!?;]*[.!?;]*")
# The stored arrays beside the regression's weights: the training examples' embeddings by class, and the
# one-feature regression that turns the combined evidence into a probability.
CRISIS_EXAMPLES, OTHER_EXAMPLES, SCALE, BIAS = "crisis_examples", "other_examples", "scale", "bias"
# The prefix of the sentences' reading's arrays (its regression's too), stored beside the whole messages'.
SENTENCE_READING = "sentence_"
_FOLDS = 5


def sentence_spans(text: Text, min_words: int) -> List[Tuple[int, int]]:
    """(start, end) of the message's sentences of at least `min_words` words; none for one sentence."""
    spans = [match.span() for match in _SENTENCE.finditer(text)]
    if len(spans) < 2:
        return []
    return [(start, end) for start, end in spans if len(text[start:end].split()) >= min_words]


def neighbour_margin(embeddings: np.ndarray, crisis: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """Per row: the mean cosine similarity of its k nearest crisis examples minus that of its k nearest
    others (the rows are unit vectors, so a dot product is the cosine)."""
    return _margin(embeddings @ crisis.T, embeddings @ other.T, k)


def _margin(to_crisis: np.ndarray, to_other: np.ndarray, k: int) -> np.ndarray:
    """Per row: the mean of its k highest similarities to crisis examples minus that to the others."""
    return _nearest_mean(to_crisis, k) - _nearest_mean(to_other, k)


def _nearest_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    """Per row, the mean of its k highest similarities."""
    k = min(k, similarities.shape[1])
    return np.partition(similarities, -k, axis=1)[:, -k:].mean(axis=1)


def _embedding(message: Message) -> np.ndarray:
    dense = message.get_dense_features(TEXT)[1]
    return _unit(np.asarray(dense.features, dtype=np.float32).reshape(-1))


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisDetector(LinearComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation; dense_weight: the encoder block's weight against the n-grams'.
        # neighbours: how many nearest examples of each class; regression_weight: the regression's
        # log-odds against the neighbour margin (chosen on the crisis dev sets).
        return {"C": 1.0, "dense_weight": 2.0, "sentence_min_words": 4, "neighbours": 3, "regression_weight": 0.05}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = np.array([m.get(INTENT) == CRISIS for m in examples])
        if labels.all() or not labels.any():
            return self._resource
        features = self._features(examples)
        embeddings = np.vstack([_embedding(m) for m in examples])
        arrays, regression = self._learn(features, embeddings, labels)
        sentences = self._sentences_of_others(examples, labels)
        if sentences is not None:
            sentence_arrays, sentence_regression = self._learn(
                np.vstack([features, sentences[0]]),
                np.vstack([embeddings, sentences[1]]),
                np.concatenate([labels, np.zeros(len(sentences[0]), dtype=bool)]),
            )
            sentence_arrays.update(linear_model.arrays(sentence_regression))
            arrays.update({SENTENCE_READING + name: array for name, array in sentence_arrays.items()})
        return self._store(regression, arrays)

    def _learn(
        self, features: np.ndarray, embeddings: np.ndarray, labels: np.ndarray
    ) -> Tuple[Dict[Text, np.ndarray], LogisticRegression]:
        """One reading: the regression, and beside it the examples' embeddings by class and the calibration."""
        crisis, other = embeddings[labels], embeddings[~labels]
        # Held-out evidence for every training example: the regression's from the folds it was not in,
        # the neighbour margin without the example itself.
        held_out = cross_val_predict(
            self._regression(class_weight="balanced"),
            features,
            labels,
            cv=StratifiedKFold(_FOLDS, shuffle=True, random_state=0),
            method="predict_proba",
        )[:, 1]
        similarities = embeddings @ embeddings.T
        np.fill_diagonal(similarities, -np.inf)
        k = int(self.component_config["neighbours"])
        margins = _margin(similarities[:, labels], similarities[:, ~labels], k)
        evidence = self._evidence(held_out, margins)
        calibration = LogisticRegression(class_weight="balanced").fit(evidence[:, np.newaxis], labels)
        arrays = {
            CRISIS_EXAMPLES: crisis,
            OTHER_EXAMPLES: other,
            SCALE: calibration.coef_.reshape(()),
            BIAS: calibration.intercept_.reshape(()),
        }
        return arrays, self._regression(class_weight="balanced").fit(features, labels)

    def _sentences_of_others(
        self, examples: List[Message], labels: np.ndarray
    ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """Each sentence of the examples of several sentences that are not a crisis, read alone as
        process() reads a message's sentences: features and embeddings."""
        min_words = self.component_config["sentence_min_words"]
        features, embeddings = [], []
        for message, label in zip(examples, labels):
            spans = [] if label else sentence_spans(message.get(TEXT) or "", min_words)
            read = self._read(message, spans, [], min_words) if spans else None
            if read is not None:
                features.append(read[0])
                embeddings.append(read[1])
        return (np.vstack(features), np.vstack(embeddings)) if features else None

    def process(self, messages: List[Message]) -> List[Message]:
        if self._classifier is None or not messages:
            return messages
        scores = self._scores(self._features(messages), np.vstack([_embedding(m) for m in messages]))
        for message, score in zip(messages, scores):
            text = message.get(TEXT) or ""
            denials, others = crisis.default_lexicon().set_aside_spans(text)
            if denials:
                # What the message says besides its denials (see the module's docstring).
                rest = self._read(message, [(0, len(text))], denials, min_words=1)
                if rest is not None:
                    score = float(self._scores(*rest).max())
                elif not _cut(text, 0, len(text), denials):
                    score = 0.0  # the message is nothing but its denials
            if others:
                # Read without its words in other senses too, and the lower score kept (see the docstring).
                rest = self._read(message, [(0, len(text))], denials + others, min_words=1)
                if rest is not None:
                    score = min(score, float(self._scores(*rest).max()))
            message.set(SCORE_KEY, float(score), add_to_output=True)
            sentence_score = self._sentence_score(message, denials)
            without_others = self._sentence_score(message, denials + others) if others else None
            if sentence_score is not None and without_others is not None:
                sentence_score = min(sentence_score, without_others)
            if sentence_score is not None:
                message.set(SENTENCE_SCORE_KEY, sentence_score, add_to_output=True)
        return messages

    def _sentence_score(self, message: Message, left_out: List[Tuple[int, int]]) -> Optional[float]:
        """The highest score of the message's sentences, each read alone without the parts `left_out`;
        None for a message with no sentence long enough to read."""
        min_words = self.component_config["sentence_min_words"]
        spans = sentence_spans(message.get(TEXT) or "", min_words)
        sentences = self._read(message, spans, left_out, min_words)
        return None if sentences is None else float(self._scores(*sentences, by_sentence=True).max())

    def _scores(self, features: np.ndarray, embeddings: np.ndarray, by_sentence: bool = False) -> np.ndarray:
        """The crisis probability of each row: the regression's log-odds and the neighbour margin, calibrated;
        by the whole messages' reading, or the sentences'."""
        assert self._classifier is not None  # process() asks only a trained component
        classifier, arrays = self._sentence_reading if by_sentence else (self._classifier, self._arrays)
        crisis_column = list(classifier.classes_).index(True)
        regression = classifier.predict_proba(features)[:, crisis_column]
        crisis, other = arrays[CRISIS_EXAMPLES], arrays[OTHER_EXAMPLES]
        margin = neighbour_margin(embeddings, crisis, other, int(self.component_config["neighbours"]))
        return expit(arrays[SCALE] * self._evidence(regression, margin) + arrays[BIAS])

    @cached_property
    def _sentence_reading(self) -> Tuple[LogisticRegression, Dict[Text, np.ndarray]]:
        """The sentences' regression and arrays, rebuilt once from the stored ones; the whole messages' where
        none was trained (no example of several sentences)."""
        assert self._classifier is not None
        if SENTENCE_READING + "coef" not in self._arrays:
            return self._classifier, self._arrays
        prefix = len(SENTENCE_READING)
        arrays = {name[prefix:]: a for name, a in self._arrays.items() if name.startswith(SENTENCE_READING)}
        return linear_model.from_arrays(arrays), arrays

    def _evidence(self, regression: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """The regression's log-odds, weighted, plus the neighbour margin."""
        log_odds = logit(np.clip(regression, 1e-7, 1 - 1e-7))
        return self.component_config["regression_weight"] * log_odds + margins

    def _read(
        self, message: Message, spans: List[Tuple[int, int]], left_out: List[Tuple[int, int]], min_words: int
    ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """Each span of the message read alone, without the parts `left_out`: its features and embedding
        as the pipeline would give a message of that text (the encoder's embedding of it, and the sum of
        the character n-gram counts of its tokens: the count featurizer's sentence row is that sum).
        Spans of fewer than `min_words` words once those parts are out are skipped; None if none is left."""
        text = message.get(TEXT) or ""
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        counts = message.get_sparse_features(TEXT)[0]
        if counts is None or counts.features.shape[0] != len(tokens):
            return None
        texts, inside = [], []
        for start, end in spans:
            kept = _cut(text, start, end, left_out)
            if len(kept.split()) >= min_words:
                texts.append(kept)
                inside.append(
                    [
                        i
                        for i, token in enumerate(tokens)
                        if token.start >= start
                        and token.end <= end
                        and not any(token.start < out_end and token.end > out_start for out_start, out_end in left_out)
                    ]
                )
        if not texts:
            return None
        counts_per_token = counts.features.tocsr()
        embeddings = load_encoder().encode(texts)[0]
        rows = [
            feature_row(embedding, counts_per_token[indices].sum(axis=0), self.component_config["dense_weight"])
            for indices, embedding in zip(inside, embeddings)
        ]
        return np.vstack(rows), _unit(np.asarray(embeddings, dtype=np.float32))


def _cut(text: Text, start: int, end: int, left_out: List[Tuple[int, int]]) -> Text:
    """text[start:end] without the parts left out, what is kept joined by spaces."""
    kept, at = [], start
    for out_start, out_end in sorted(left_out):
        if out_end <= at or out_start >= end:
            continue
        kept.append(text[at:out_start])
        at = max(at, out_end)
    kept.append(text[at:end])
    return " ".join(part.strip() for part in kept if part.strip())
