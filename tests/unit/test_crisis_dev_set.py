"""The crisis lexicon on its development set (tests/safety/crisis_dev.yml, written before its patterns
changed; the fresh test set is checked through the whole bot in tests/nlu/test_real_questions.py)."""

from pathlib import Path

import yaml

from clinic import crisis

DEV = yaml.safe_load((Path(__file__).resolve().parents[1] / "safety" / "crisis_dev.yml").read_text())


def test_every_crisis_message_of_the_dev_set_is_recognised():
    missed = [i for i in DEV["crisis"] if crisis.check(i["text"]).assessment is not crisis.Assessment.CRISIS]
    assert missed == []


def test_no_look_alike_of_the_dev_set_raises_the_alarm():
    alarmed = [i for i in DEV["not_crisis"] if crisis.check(i["text"]).assessment is crisis.Assessment.CRISIS]
    assert alarmed == []
