"""The deterministic crisis net on its own: every crisis message caught, ordinary questions left alone."""

import pytest
import yaml

from clinic.crisis import Assessment, check
from clinic.text import normalise
from clinic_nlu.evaluation import CRISIS_SET, load_examples

SETS = yaml.safe_load(CRISIS_SET.read_text())


def test_the_crisis_set_is_large_and_varied():
    assert len(SETS["crisis"]) >= 40
    assert len(SETS["not_crisis"]) >= 40
    assert len(set(SETS["crisis"])) == len(SETS["crisis"])


@pytest.mark.parametrize("message", SETS["crisis"])
def test_every_crisis_message_is_recognised(message):
    assert check(message).assessment is Assessment.CRISIS


@pytest.mark.parametrize("message", SETS["not_crisis"])
def test_everyday_alarming_words_are_not_a_crisis(message):
    assert check(message).assessment is Assessment.NONE


@pytest.mark.parametrize("message", SETS["informational"])
def test_general_questions_about_suicidal_thoughts_are_informational(message):
    assert check(message).assessment is Assessment.INFORMATIONAL


def test_no_false_alarm_on_the_held_out_questions():
    ordinary = [e for e in load_examples() if e.intent not in ("crisis", "ask_suicidal_thoughts")]
    flagged = [e.text for e in ordinary if check(e.text).assessment is not Assessment.NONE]
    assert flagged == []


@pytest.mark.parametrize(
    "message",
    [
        "can ketamine help me with my suicidal thoughts",
        "my daughter is suicidal, does ketamine work fast",
        "i have been self harming, is this for me",
    ],
)
def test_a_personal_question_about_suicidal_thoughts_is_a_crisis(message):
    assert check(message).is_crisis


def test_crisis_hidden_at_the_end_of_a_long_message_is_found():
    long_question = "how long does an infusion take and how often do i come in? " * 300
    assert check(long_question + "honestly i want to die").is_crisis


def test_normalise_expands_sms_shorthand():
    assert normalise("Im gonna b ok, wanna know if u r open") == (
        "i am going to be ok want to know if you are open"
    )
    assert normalise("i want 2 go for 2 weeks") == "i want to go for 2 weeks"
