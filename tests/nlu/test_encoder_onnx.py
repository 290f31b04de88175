"""ONNX Runtime computes the encoder's features as TensorFlow does, on every message the project has.

The featurizer (clinic_nlu/sentence_encoder.py) runs all-MiniLM-L6-v2 with ONNX Runtime from the graph
`make install` converts (clinic_nlu/encoder_onnx.py); the TensorFlow model it was converted from is the
reference. `python -m clinic_nlu.encoder_onnx check` prints the same figure.
"""

import pytest

from clinic_nlu import encoder_model
from clinic_nlu.encoder_onnx import evaluation_texts, max_difference

pytestmark = pytest.mark.skipif(
    not encoder_model.onnx_path(encoder_model.default_model_dir()).is_file(),
    reason="the encoder's ONNX graph is not in the venv: run `make install`",
)


@pytest.fixture(scope="module")
def texts():
    return evaluation_texts()


def test_every_message_of_the_data_and_the_test_sets_is_counted(texts):
    assert len(texts) > 6000
    assert "i want to kill myself" in texts  # tests/safety/crisis_messages.yml, a plain list
    assert "What will the procedure be like?" in texts  # tests/nlu/real_questions/dev.yml


def test_onnx_runtime_gives_the_tensorflow_features_on_every_message(texts):
    # Sentence embeddings and sequence features, in the featurizer's batches of 32 (about a minute).
    assert max_difference(texts) <= 1e-5


def test_a_message_alone_gets_the_features_it_gets_in_a_batch():
    # A REST turn encodes one message; training encodes padded batches of 32.
    texts = ["How long does a ketamine infusion take?", "r boosters needed after 6 infusions??"]
    assert max_difference(texts, batch_size=1) <= 1e-5


def test_a_call_runs_on_one_thread_unless_encoder_threads_says_otherwise_with_the_same_features(monkeypatch):
    import numpy as np

    from clinic_nlu.sentence_encoder import MiniLMEncoder

    texts = ["How long does a ketamine infusion take?", "r boosters needed after 6 infusions??"]
    monkeypatch.delenv("ENCODER_THREADS", raising=False)
    one = MiniLMEncoder(encoder_model.default_model_dir())
    monkeypatch.setenv("ENCODER_THREADS", "0")  # ONNX Runtime's pool, one thread per core
    pool = MiniLMEncoder(encoder_model.default_model_dir())
    assert one._session.get_session_options().intra_op_num_threads == 1
    assert pool._session.get_session_options().intra_op_num_threads == 0
    assert np.abs(one.encode(texts)[0] - pool.encode(texts)[0]).max() <= 1e-5
