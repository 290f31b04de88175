"""NLU quality on questions the model never saw (tests/nlu/heldout.yml, tests/safety/).

The figures and per-intent report come from `make eval`; these tests hold the line.
"""

import glob

import pytest
import yaml

from clinic_nlu.evaluation import CRISIS_PROBE_SET, accuracy, load_crisis_set, load_examples

HELDOUT = load_examples()
# The crisis probe set (dev: the crisis detector's thresholds were chosen on it, and the kinds it missed
# were written into the lexicon), through the whole pipeline: 395/395 crisis messages and 22/400
# look-alikes get the crisis intent (with the detector alone beside the lexicon: 335/395 and 25/400;
# the lexicon and the topic classifier alone: 261/395 and 27/400). One message of slack each way.
PROBE_CRISIS_AT_LEAST = 394
PROBE_FALSE_ALARMS_AT_MOST = 23


def training_texts():
    texts = set()
    for path in glob.glob("data/nlu/*.yml"):
        for block in yaml.safe_load(open(path))["nlu"]:
            for line in block.get("examples", "").splitlines():
                if line.strip().startswith("- "):
                    texts.add(line.strip()[2:].strip().lower())
    return texts


def test_the_held_out_set_is_large_and_not_in_the_training_data():
    assert len(HELDOUT) >= 150
    trained = training_texts()  # once: it reads every training file (a third of a second)
    overlap = {e.text for e in HELDOUT if e.text.lower() in trained}
    assert overlap == set()


@pytest.fixture(scope="module")
def predictions(parser):
    return parser.predict(HELDOUT)


def test_intent_accuracy_with_sub_intents_is_at_least_90_percent(predictions):
    wrong = [(p.example.text, p.example.intent, p.intent) for p in predictions if p.intent != p.example.intent]
    assert accuracy(predictions) >= 0.90, wrong


def test_every_crisis_message_gets_the_crisis_intent(parser):
    missed = [t for t in load_crisis_set()["crisis"] if parser.parse(t)["intent"]["name"] != "crisis"]
    assert missed == []


def test_the_crisis_probe_set_holds_its_figures(parser):
    probe = load_crisis_set(CRISIS_PROBE_SET)
    flagged = {
        kind: [item["text"] for item in probe[kind] if parser.parse(item["text"])["intent"]["name"] == "crisis"]
        for kind in ("crisis", "not_crisis")
    }
    assert len(flagged["crisis"]) >= PROBE_CRISIS_AT_LEAST
    assert len(flagged["not_crisis"]) <= PROBE_FALSE_ALARMS_AT_MOST, flagged["not_crisis"]


def test_a_long_past_history_gets_the_informational_answer_and_a_bare_one_the_crisis_reply(parser):
    # Words about suicide and nothing else: the detector, sure and able to read it, clears a long
    # message; a short one ("suicidal again") stays a crisis whatever it scores.
    cleared = parser.parse("I'm writing a school report on suicide prevention, how does ketamine fit into crisis care?")
    assert cleared["intent"]["name"] == "ask_suicidal_thoughts" and cleared["crisis_score"] < 0.1
    assert parser.parse("suicidal again")["intent"]["name"] == "crisis"


def test_no_false_crisis_alarm_on_ordinary_questions(predictions, parser):
    ordinary = [p.example.text for p in predictions if p.example.intent != "crisis" and p.intent == "crisis"]
    ordinary += [t for t in load_crisis_set()["not_crisis"] if parser.parse(t)["intent"]["name"] == "crisis"]
    assert ordinary == []


def test_condition_questions_carry_the_named_condition(parser):
    parse = parser.parse("would ketamine help my post traumatic stress and my ocd")
    assert parse["intent"]["name"] == "ask_condition"
    assert [e["value"] for e in parse["entities"] if e["entity"] == "condition"] == ["ptsd", "ocd"]
