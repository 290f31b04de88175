"""The crisis guard: a deterministic safety net that runs after every intent classifier.

Whatever the classifiers predicted, a message that the crisis lexicon (clinic/lexicons/crisis.yml)
recognises as a crisis gets the `crisis` intent with confidence 1.0, and a general question about
ketamine and suicidal thoughts gets `ask_suicidal_thoughts`. The classifier's own prediction stays in
the intent ranking, and the matched lexicon entries are recorded in the parse data under
`crisis_guard` so staff can see why a message was flagged.

The learned crisis detector (clinic_nlu.crisis_detector) is the second net, for phrasings the
lexicon does not know: a message it scores at `detector_crisis_at` or above is a crisis. It also
reconsiders the lexicon's weakest kind of match, words about suicide with nothing else (no danger,
despair or history pattern): an English message of at least `detector_clear_min_words` words scored
below `detector_clear_below` ("I attempted suicide 25 years ago, would that disqualify me?") gets the
informational answer, which carries the 988 line too, instead of the crisis reply. The thresholds
were chosen on the crisis development sets (docs/nlu-evaluation.md).

The topic classifier's `crisis` intent is the third. Where neither the lexicon nor the detector
flagged the message and the classifier is not sure (below `classifier_crisis_threshold`), it becomes
`nlu_fallback`: the person is asked to rephrase, and that reply carries the 988 line too, so an
uncertain guess is neither ignored nor a false alarm.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic import crisis
from clinic.intents import ASK_SUICIDAL_THOUGHTS, FALLBACK_INTENT, NON_ENGLISH
from clinic.intents import CRISIS as CRISIS_INTENT
from clinic_nlu.crisis_detector import SCORE_KEY
from clinic_nlu.intent_override import set_intent
from clinic_nlu.stateless import StatelessComponent

INFORMATIONAL_INTENT = ASK_SUICIDAL_THOUGHTS
GUARD_KEY = "crisis_guard"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisGuard(StatelessComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "classifier_crisis_threshold": 0.8,
            "detector_crisis_at": 0.8,
            "detector_clear_below": 0.1,
            "detector_clear_min_words": 8,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._lexicon = crisis.default_lexicon()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            result = self._lexicon.check(message.get(TEXT) or "")
            score = message.get(SCORE_KEY)
            if result.topic_only and self._cleared_by_detector(message):
                self._override(message, INFORMATIONAL_INTENT, result)
            elif result.assessment is crisis.Assessment.CRISIS:
                self._override(message, CRISIS_INTENT, result)
            elif score is not None and score >= self.component_config["detector_crisis_at"]:
                self._override(message, CRISIS_INTENT, result)
            elif result.assessment is crisis.Assessment.INFORMATIONAL:
                self._override(message, INFORMATIONAL_INTENT, result)
            elif self._uncertain_classifier_crisis(message):
                self._override(message, FALLBACK_INTENT, result, confidence=message.get(INTENT)["confidence"])
        return messages

    def _cleared_by_detector(self, message: Message) -> bool:
        """The detector is sure there is no crisis, and it can read the message: it says enough for that
        ("suicidal again" does not), and in English (it learned English only; the lexicon's other
        languages are the lexicon's own)."""
        config, score = self.component_config, message.get(SCORE_KEY)
        ranking = message.get(INTENT_RANKING_KEY) or []
        other_language = any(r.get("name") == NON_ENGLISH and (r.get("confidence") or 0.0) >= 0.5 for r in ranking)
        long_enough = len((message.get(TEXT) or "").split()) >= config["detector_clear_min_words"]
        return score is not None and score < config["detector_clear_below"] and long_enough and not other_language

    def _uncertain_classifier_crisis(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        threshold = self.component_config["classifier_crisis_threshold"]
        return intent.get("name") == CRISIS_INTENT and (intent.get("confidence") or 0.0) < threshold

    @staticmethod
    def _override(message: Message, intent_name: Text, result: crisis.CrisisCheck, confidence: float = 1.0) -> None:
        set_intent(message, intent_name, confidence)
        message.set(
            GUARD_KEY,
            {"assessment": result.assessment.value, "matched": result.matched, "detector": message.get(SCORE_KEY)},
            add_to_output=True,
        )
