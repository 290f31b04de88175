"""Rasa's own checks: the training data validates with no warnings, and the test stories pass."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.processes import quiet_env

ROOT = Path(__file__).resolve().parents[2]
RASA = [sys.executable, "-m", "rasa"]


def run(args, tmp_path):
    return subprocess.run(
        RASA + args, cwd=ROOT, env=quiet_env(), capture_output=True, text=True, timeout=900
    )


# Rasa's ResponsesSyncImporter adds the retrieval intents (faq, out_of_scope) declared in domain.yml
# again from data/responses/, and says so for every assistant that uses a ResponseSelector.
RETRIEVAL_NOTE = "The following duplicated intents have been found across multiple domain files: faq, out_of_scope"
UNUSED_UTTERANCE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
UNUSED_INTENT = re.compile(r"The intent '(\w+)' is not used in any story or rule\.")


def used_outside_stories(kind: str, name: str) -> bool:
    """Rasa's validator only looks at stories and rules: responses sent by actions or asked by forms,
    and intents read by slot mappings, are used all the same."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    if kind == "utterance":
        form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
        literal = re.compile(r"""(["'])""" + re.escape(name) + r"\1")  # the name itself, not a longer one
        in_actions = any(literal.search(path.read_text()) for path in (ROOT / "actions").glob("*.py"))
        return in_actions or name in {f"utter_ask_{slot}" for slot in form_slots}
    mappings = [m for slot in domain["slots"].values() for m in slot.get("mappings", [])]
    return any(m.get("intent") == name for m in mappings)


def test_training_data_validates_without_warnings(tmp_path):
    result = run(["data", "validate", "--fail-on-warnings"], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    unexplained = []
    for line in output.splitlines():
        if "UserWarning: " not in line:
            continue
        warning = line.split("UserWarning: ", 1)[1].strip()
        utterance, intent = UNUSED_UTTERANCE.match(warning), UNUSED_INTENT.match(warning)
        if warning == RETRIEVAL_NOTE:
            continue
        if utterance and used_outside_stories("utterance", utterance.group(1)):
            continue
        if intent and used_outside_stories("intent", intent.group(1)):
            continue
        unexplained.append(warning)
    assert unexplained == [], output[-4000:]


def test_every_test_story_is_predicted(model_path, tmp_path):
    out = tmp_path / "results"
    result = run(
        ["test", "core", "--stories", "tests/stories", "-m", model_path,
         "--fail-on-prediction-errors", "--successes", "--out", str(out), "--no-plot"],
        tmp_path,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]
    written = sum(
        len(yaml.safe_load(path.read_text())["stories"])
        for path in (ROOT / "tests" / "stories").glob("*.yml")
    )
    succeeded = yaml.safe_load((out / "successful_test_stories.yml").read_text())["stories"]
    assert len(succeeded) == written
