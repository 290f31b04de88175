"""The sentence-encoder featurizer (clinic_nlu/sentence_encoder.py) against plain transformers."""

import numpy as np
import pytest

from clinic_nlu import encoder_model

pytestmark = pytest.mark.skipif(
    not encoder_model.onnx_path(encoder_model.default_model_dir()).is_file(),
    reason="all-MiniLM-L6-v2 not extracted and converted in the venv: run `make install`",
)

SENTENCES = [
    "How long does a ketamine infusion take?",
    "What time is it in Tokyo right now",
    "don't I need a referral from my psychiatrist first?",
]


@pytest.fixture(scope="module")
def featurizer():
    from clinic_nlu.sentence_encoder import SentenceEncoderFeaturizer

    return SentenceEncoderFeaturizer(SentenceEncoderFeaturizer.get_default_config(), "encoder")


def featurize(featurizer, texts):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={"text": text}) for text in texts]
    tokenizer.process(messages)
    featurizer.process(messages)
    return messages


def sentence_vector(message):
    return message.get_dense_features("text", [])[1].features[0]


def reference_embeddings(texts):
    """sentence-transformers' recipe, eagerly through plain transformers: mean pooling + L2 norm."""
    from transformers import BertTokenizerFast, TFBertModel

    path = str(encoder_model.default_model_dir())
    tokenizer = BertTokenizerFast.from_pretrained(path)
    model = TFBertModel.from_pretrained(path)
    vectors = []
    for text in texts:
        batch = tokenizer([text], return_tensors="np", truncation=True, max_length=256)
        hidden = model(**batch).last_hidden_state.numpy()[0]
        mean = hidden.mean(axis=0)
        vectors.append(mean / np.linalg.norm(mean))
    return np.array(vectors)


def test_sentence_feature_equals_the_plain_transformers_embedding(featurizer):
    messages = featurize(featurizer, SENTENCES)  # one padded batch through ONNX Runtime
    ours = np.array([sentence_vector(m) for m in messages])
    assert ours.shape == (3, 384)
    np.testing.assert_allclose(ours, reference_embeddings(SENTENCES), atol=1e-5)


def test_sentence_feature_is_l2_normalised(featurizer):
    for message in featurize(featurizer, SENTENCES):
        assert np.linalg.norm(sentence_vector(message)) == pytest.approx(1.0, abs=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(featurizer):
    a, b, c = (
        sentence_vector(m)
        for m in featurize(
            featurizer,
            ["How long does an infusion last?", "how many hours is one ketamine session", "Is the parking free?"],
        )
    )
    assert a @ b > a @ c + 0.2
    assert a @ b > b @ c + 0.2


def test_sequence_features_have_one_row_per_token_and_the_sentence_width(featurizer):
    message = featurize(featurizer, ["r boosters needed after 6 infusions??"])[0]
    sequence, sentence = message.get_dense_features("text", [])
    tokens = message.get("text_tokens")
    assert sequence.features.shape == (len(tokens), 384)
    assert sentence.features.shape == (1, 384)
    assert not np.allclose(sequence.features, 0)
