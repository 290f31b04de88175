"""The sentence encoder's ONNX graph: converted from the TensorFlow model at install, and checked against it.

At serving time clinic_nlu.sentence_encoder runs all-MiniLM-L6-v2 with ONNX Runtime. The graph comes from
the very weights TensorFlow loads (transformers' TFBertModel converts the safetensors file) and the same
function TensorFlow ran before (hidden states; mean pooling over the attention mask, L2 norm), converted
by tf2onnx. TensorFlow is needed here only: to build the graph and to prove that ONNX Runtime gives the
same features.

    python -m clinic_nlu.encoder_onnx export [MODEL_DIR]   # MODEL_DIR/model.onnx (make install)
    python -m clinic_nlu.encoder_onnx check                # max |ONNX Runtime - TensorFlow| on every message
    python -m clinic_nlu.encoder_onnx speed [ROUNDS]       # ms a sentence, one at a time, the two alternated

`check` encodes every message of the training data, the held-out set, the real-question splits and the
crisis sets both ways, in the featurizer's batches, and compares the sentence embeddings and the sequence
features (one row per whitespace token: the mean of the word pieces under it, as the featurizer computes).
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np
import yaml

from clinic_nlu import encoder_model
from clinic_nlu.sentence_encoder import WordPieceEncoder, load_encoder, token_features

ROOT = Path(__file__).resolve().parent.parent
# Every message the project's data and tests feed the encoder.
NLU_FILES = ("data/nlu/*.yml", "tests/nlu/heldout.yml")
OTHER_FILES = ("tests/nlu/real_questions/*.yml", "tests/safety/*.yml")
# opset 17: LayerNormalization is one operator (ONNX Runtime 1.23 reads up to opset 23).
OPSET = 17
OUTPUTS = ("hidden", "sentence")


class TensorFlowMiniLM(WordPieceEncoder):
    """all-MiniLM-L6-v2 in TensorFlow, one `tf.function` with an input signature (traced once)."""

    def __init__(self, model_dir: Path, max_length: int = 256) -> None:
        import tensorflow as tf
        from transformers import TFBertModel

        super().__init__(model_dir, max_length)
        self.model = TFBertModel.from_pretrained(str(model_dir))
        self.signature = [
            tf.TensorSpec(shape=[None, None], dtype=tf.int32, name=name)
            for name in ("input_ids", "attention_mask", "token_type_ids")
        ]
        self.function = tf.function(self._embed, input_signature=self.signature)

    def _embed(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Tuple[Any, Any]:
        import tensorflow as tf

        hidden = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            training=False,
        ).last_hidden_state
        mask = tf.cast(attention_mask, hidden.dtype)[:, :, tf.newaxis]
        summed = tf.reduce_sum(hidden * mask, axis=1)
        counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
        # sentence-transformers: Pooling(mean) then Normalize (x / max(|x|, 1e-12)).
        sentence = tf.math.l2_normalize(summed / counts, axis=1, epsilon=1e-24)
        return hidden, sentence

    def forward(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray
    ) -> Tuple[np.ndarray, np.ndarray]:
        hidden, sentence = self.function(input_ids, attention_mask, token_type_ids)
        return hidden.numpy(), sentence.numpy()


@functools.lru_cache(maxsize=None)
def tensorflow_encoder() -> TensorFlowMiniLM:
    """The reference, loaded once per process."""
    return TensorFlowMiniLM(encoder_model.default_model_dir())


def export(model_dir: Path) -> Path:
    """Writes model_dir/model.onnx from the TensorFlow function (atomically; the same bytes every time)."""
    import onnx
    import tf2onnx

    encoder = TensorFlowMiniLM(model_dir)
    model, _ = tf2onnx.convert.from_function(encoder.function, input_signature=encoder.signature, opset=OPSET)
    _canonicalise(model.graph)
    onnx.checker.check_model(model)
    target = encoder_model.onnx_path(model_dir)
    partial = target.with_name(target.name + ".partial")
    onnx.save(model, str(partial))
    partial.replace(target)
    return target


def _canonicalise(graph: Any) -> None:
    """The same computation in the same bytes, and the outputs named as the featurizer asks for them.

    tf2onnx merges identical subgraphs (the query, key and value layers' shape arithmetic) keeping
    whichever copy it meets first, in an order that changes from run to run: the graph is the same, its
    node order and names are not. Here the nodes are put in a topological order broken by what each
    computes (operator, attributes, the digests of its inputs), and every name is given by position.
    """
    import onnx

    nodes = list(graph.node)
    producer = {name: index for index, node in enumerate(nodes) for name in node.output}
    digests = {value.name: _digest(b"input:" + value.name.encode()) for value in graph.input}
    for initializer in graph.initializer:
        content = onnx.TensorProto()
        content.CopyFrom(initializer)
        content.name = ""
        digests[initializer.name] = _digest(content.SerializeToString())
    waiting = [len({name for name in node.input if name in producer}) for node in nodes]
    consumers: Dict[int, List[int]] = {}
    for index, node in enumerate(nodes):
        for name in {name for name in node.input if name in producer}:
            consumers.setdefault(producer[name], []).append(index)

    def key(index: int) -> str:
        node = nodes[index]
        attributes = _digest(b"".join(attribute.SerializeToString() for attribute in node.attribute))
        inputs = (digests[name] if name else "" for name in node.input)
        return _digest("|".join([node.op_type, node.domain, attributes, *inputs]).encode())

    ready = [(key(index), index) for index, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        digest, index = heapq.heappop(ready)
        order.append(nodes[index])
        for position, name in enumerate(nodes[index].output):
            digests[name] = _digest(f"{digest}:{position}".encode())
        for consumer in consumers.get(index, []):
            waiting[consumer] -= 1
            if waiting[consumer] == 0:
                heapq.heappush(ready, (key(consumer), consumer))
    assert len(order) == len(nodes), "the converted graph has a cycle"

    names = {output.name: name for output, name in zip(graph.output, OUTPUTS)}
    names.update({value.name: value.name for value in graph.input})

    def rename(name: str) -> str:
        return names.setdefault(name, f"t{len(names)}") if name else name

    for position, node in enumerate(order):
        node.name = f"n{position}"
        node.input[:] = [rename(name) for name in node.input]
        node.output[:] = [rename(name) for name in node.output]
    for output in graph.output:
        output.name = rename(output.name)
    initializers = list(graph.initializer)
    for initializer in initializers:
        initializer.name = rename(initializer.name)
    initializers.sort(key=lambda initializer: int(initializer.name[1:]))
    del graph.node[:]
    graph.node.extend(order)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    graph.doc_string = "all-MiniLM-L6-v2: hidden states and the mean-pooled, L2-normalised sentence embedding"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _texts_in(node: Any, key: Optional[str] = None) -> Iterator[str]:
    """Each `text:` value, and the plain strings listed under crisis/not_crisis/informational."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from _texts_in(child, child_key)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str):
                if key in ("crisis", "not_crisis", "informational"):
                    yield item
            else:
                yield from _texts_in(item)
    elif isinstance(node, str) and key == "text":
        yield node


def evaluation_texts() -> List[str]:
    """Every distinct message of the NLU data, the held-out set, the real questions and the crisis sets."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: Set[str] = set()
    for pattern in NLU_FILES:
        for path in sorted(ROOT.glob(pattern)):
            texts.update(m.get("text") for m in load_data(str(path)).training_examples)
    for pattern in OTHER_FILES:
        for path in sorted(ROOT.glob(pattern)):
            texts.update(_texts_in(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return sorted(t for t in texts if t and t.strip())


def _features(encoder: WordPieceEncoder, texts: Sequence[str], batch_size: int) -> List[np.ndarray]:
    """Per text, its sentence embedding stacked on its token rows, in the featurizer's length-sorted batches."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    ordered = sorted(texts, key=len)
    rows = []
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        sentences, pieces, offsets = encoder.encode(batch)
        for text, sentence, piece, offset in zip(batch, sentences, pieces, offsets):
            tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
            sequence = token_features(tokens, piece, offset, encoder.dimension)
            rows.append(np.vstack([sentence[np.newaxis, :], sequence]))
    return rows


def max_difference(texts: Sequence[str], batch_size: int = 32) -> float:
    """The largest |ONNX Runtime - TensorFlow| over the sentence and sequence features of these texts."""
    onnx_rows = _features(load_encoder(), texts, batch_size)
    tf_rows = _features(tensorflow_encoder(), texts, batch_size)
    return max(float(np.abs(a - b).max()) for a, b in zip(onnx_rows, tf_rows))


def milliseconds_per_sentence(texts: Sequence[str], rounds: int) -> Tuple[List[float], List[float]]:
    """Each round encodes every text alone (as a REST turn does) with ONNX Runtime, then with TensorFlow."""
    encoders: Tuple[WordPieceEncoder, ...] = (load_encoder(), tensorflow_encoder())
    for encoder in encoders:
        encoder.encode(texts[:1])  # warm: session, traced function
    times: Tuple[List[float], List[float]] = ([], [])
    for _ in range(rounds):
        for encoder, spent in zip(encoders, times):
            started = time.perf_counter()
            for text in texts:
                encoder.encode([text])
            spent.append((time.perf_counter() - started) * 1000 / len(texts))
    return times


def main(argv: Sequence[str]) -> None:
    if argv[:1] == ["export"] and len(argv) <= 2:
        print(export(Path(argv[1]) if len(argv) == 2 else encoder_model.default_model_dir()))
    elif argv == ["check"]:
        texts = evaluation_texts()
        print(f"max |ONNX Runtime - TensorFlow| = {max_difference(texts):.2e} over {len(texts)} messages")
    elif argv[:1] == ["speed"] and len(argv) <= 2:
        texts = evaluation_texts()[::10]
        onnx_ms, tf_ms = milliseconds_per_sentence(texts, int(argv[1]) if len(argv) == 2 else 7)
        print(f"{len(texts)} sentences, one at a time, each round ONNX Runtime then TensorFlow")
        for name, spent in (("ONNX Runtime", onnx_ms), ("TensorFlow", tf_ms)):
            rounds = ", ".join(f"{ms:.2f}" for ms in spent)
            print(f"{name}: median {np.median(spent):.2f} ms a sentence (rounds: {rounds})")
    else:
        sys.exit("usage: python -m clinic_nlu.encoder_onnx export [MODEL_DIR] | check | speed [ROUNDS]")


if __name__ == "__main__":
    main(sys.argv[1:])
