"""The crisis guard: a deterministic safety net that runs after every intent classifier.

Whatever the classifiers predicted, a message that the crisis lexicon (clinic/lexicons/crisis.yml)
recognises as a crisis gets the `crisis` intent with confidence 1.0, and a general question about
ketamine and suicidal thoughts gets `ask_suicidal_thoughts`. The classifier's own prediction stays in
the intent ranking, and the matched lexicon entries are recorded in the parse data under
`crisis_guard` so staff can see why a message was flagged.

The classifier's `crisis` intent is the second net, for phrasings the lexicon does not know. Where
the lexicon saw nothing and the classifier is not sure (below `classifier_crisis_threshold`), the
message becomes `nlu_fallback`: the person is asked to rephrase, and that reply carries the 988 line
too, so an uncertain guess is neither ignored nor a false alarm.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic import crisis
from clinic.intents import ASK_SUICIDAL_THOUGHTS, FALLBACK_INTENT
from clinic.intents import CRISIS as CRISIS_INTENT
from clinic_nlu.intent_override import set_intent
from clinic_nlu.stateless import StatelessComponent

INFORMATIONAL_INTENT = ASK_SUICIDAL_THOUGHTS
GUARD_KEY = "crisis_guard"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisGuard(StatelessComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"classifier_crisis_threshold": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._lexicon = crisis.default_lexicon()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            result = self._lexicon.check(message.get(TEXT) or "")
            if result.assessment is crisis.Assessment.CRISIS:
                self._override(message, CRISIS_INTENT, result)
            elif result.assessment is crisis.Assessment.INFORMATIONAL:
                self._override(message, INFORMATIONAL_INTENT, result)
            elif self._uncertain_classifier_crisis(message):
                self._override(message, FALLBACK_INTENT, result, confidence=message.get(INTENT)["confidence"])
        return messages

    def _uncertain_classifier_crisis(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        threshold = self.component_config["classifier_crisis_threshold"]
        return intent.get("name") == CRISIS_INTENT and (intent.get("confidence") or 0.0) < threshold

    @staticmethod
    def _override(message: Message, intent_name: Text, result: crisis.CrisisCheck, confidence: float = 1.0) -> None:
        set_intent(message, intent_name, confidence)
        message.set(
            GUARD_KEY,
            {"assessment": result.assessment.value, "matched": result.matched},
            add_to_output=True,
        )
