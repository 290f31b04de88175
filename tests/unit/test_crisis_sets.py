"""The crisis dev sets the crisis detector learns (clinic_nlu/crisis_sets.py), as `rasa train` imports them
with config.yml's importer."""

import subprocess
from collections import defaultdict

import pytest
import yaml
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.importers.rasa import RasaFileImporter

from clinic.intents import CRISIS, LOW_MOOD
from clinic_nlu.answers import DEV_SPLITS, TEST_SPLIT, load_questions
from clinic_nlu.crisis_sets import IN_CONTEXT_ONLY, SAFETY, key, set_messages
from clinic_nlu.evaluation import HELDOUT, load_examples
from clinic_nlu.linear_component import teaches_topics


@pytest.fixture(scope="module")
def imported():
    """Every NLU example `rasa train` learns, and those of data/ alone."""
    everything = TrainingDataImporter.load_from_config("config.yml", "domain.yml", ["data"]).get_nlu_data()
    data_only = RasaFileImporter("config.yml", "domain.yml", ["data"]).get_nlu_data()
    return everything.intent_examples, data_only.intent_examples


def learned_names():
    config = yaml.safe_load(open("config.yml"))
    return next(importer["learned"] for importer in config["importers"] if "learned" in importer)


def test_a_learned_sets_messages_are_the_detectors_own_examples(imported):
    everything, data_only = imported
    added = {key(m.get("text")): m for m in everything[len(data_only) :]}
    probe14 = set_messages(SAFETY / "crisis_probe14.yml")
    for text, intent in [(probe14["crisis"][0], CRISIS), (probe14["not_crisis"][0], LOW_MOOD)]:
        example = added[key(text)]
        assert example.get("intent") == intent and not teaches_topics(example), text
    # The topic models learn from data/ alone.
    assert [m.get("text") for m in everything if teaches_topics(m)] == [
        m.get("text") for m in data_only if teaches_topics(m)
    ]


def test_no_message_of_a_set_not_learned_or_of_the_questions_measured_is_learned(imported):
    everything, data_only = imported
    added = {key(m.get("text")) for m in everything[len(data_only) :]}
    learned = {SAFETY / f"crisis_{name}.yml" for name in learned_names()}
    not_learned = [path for path in SAFETY.glob("crisis_*.yml") if path not in learned]
    # The frozen fresh set, the two newest dev sets and the replies said in a conversation.
    assert {path.stem for path in not_learned} >= {"crisis_fresh", "crisis_probe15", "crisis_probe16", "crisis_replies"}
    never = {key(text) for path in not_learned for texts in set_messages(path).values() for text in texts}
    never |= {key(q.text) for split in (*DEV_SPLITS, TEST_SPLIT) for q in load_questions(split)}
    never |= {key(example.text) for example in load_examples(HELDOUT)}
    assert len(added) > 5000
    assert not added & never


def test_a_message_that_is_a_crisis_only_as_a_reply_is_not_learned(imported):
    everything, data_only = imported
    added = {key(m.get("text")) for m in everything[len(data_only) :]}
    fragments = [
        item["text"]
        for path in SAFETY.glob("crisis_*.yml")
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["crisis"]
        if isinstance(item, dict) and item.get("kind") in IN_CONTEXT_ONLY
    ]
    assert "ok. goodbye" in fragments
    assert not {key(text) for text in fragments} & added


def test_every_message_is_learned_under_one_intent(imported):
    everything, _ = imported
    intents = defaultdict(set)
    for message in everything:
        intents[key(message.get("text"))].add(message.get("intent"))
    assert not {text: names for text, names in intents.items() if len(names) > 1}


def test_a_model_is_trained_again_when_a_learned_set_changes():
    printed = subprocess.run(["make", "-pn", "train"], capture_output=True, text=True, check=True).stdout
    inputs = next(line for line in printed.splitlines() if line.startswith("MODEL_INPUTS :="))
    for name in learned_names():
        assert f"tests/safety/crisis_{name}.yml" in inputs
    assert "tests/nlu/heldout.yml" in inputs and "tests/nlu/real_questions/test.yml" in inputs
