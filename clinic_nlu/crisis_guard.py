"""The crisis guard: a deterministic safety net that runs after every intent classifier.

Whatever the classifiers predicted, a message that the crisis lexicon (clinic/lexicons/crisis.yml)
recognises as a crisis gets the `crisis` intent with confidence 1.0, and a general question about
ketamine and suicidal thoughts gets `ask_suicidal_thoughts`. The classifier's own prediction stays in
the intent ranking, and the matched lexicon entries are recorded in the parse data under
`crisis_guard` so staff can see why a message was flagged.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic import crisis
from clinic_nlu.stateless import StatelessComponent

CRISIS_INTENT = "crisis"
INFORMATIONAL_INTENT = "ask_suicidal_thoughts"
GUARD_KEY = "crisis_guard"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisGuard(StatelessComponent, IntentClassifier):
    def __init__(self) -> None:
        self._lexicon = crisis.default_lexicon()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            result = self._lexicon.check(message.get(TEXT) or "")
            if result.assessment is crisis.Assessment.CRISIS:
                self._override(message, CRISIS_INTENT, result)
            elif result.assessment is crisis.Assessment.INFORMATIONAL:
                self._override(message, INFORMATIONAL_INTENT, result)
        return messages

    @staticmethod
    def _override(message: Message, intent_name: Text, result: crisis.CrisisCheck) -> None:
        intent = {"name": intent_name, "confidence": 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") != intent_name
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        message.set(
            GUARD_KEY,
            {"assessment": result.assessment.value, "matched": result.matched},
            add_to_output=True,
        )
