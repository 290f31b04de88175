"""The crisis guard: a deterministic safety net that runs after every intent classifier.

Whatever the classifiers predicted, a message that the crisis lexicon (clinic/lexicons/crisis.yml)
recognises as a crisis gets the `crisis` intent with confidence 1.0, and a general question about
ketamine and suicidal thoughts gets `ask_suicidal_thoughts`. The classifier's own prediction stays in
the intent ranking, and the matched lexicon entries are recorded in the parse data under
`crisis_guard` so staff can see why a message was flagged.

The learned crisis detector (clinic_nlu.crisis_detector) is the second net, for phrasings the
lexicon does not know: a message it scores at `detector_crisis_at` or above is a crisis, or at
`detector_venting_at` when it vents about an everyday thing the lexicon lists ("this insurance
process is killing me": the detector learned that such words go with crises). It also
reconsiders the lexicon's weakest kind of match, words about suicide with nothing else (no danger,
despair or history pattern): an English message of at least `detector_clear_min_words` words scored
below `detector_clear_below` ("I attempted suicide 25 years ago, would that disqualify me?") gets the
informational answer, which carries the 988 line too, instead of the crisis reply; a history the lexicon
reads as long past and over gets that answer whatever the detector scores, and one only dated long ago
(clinic.crisis_time) gets it unless the detector calls it a crisis. A message of
several sentences is also a crisis when one of its sentences, read alone, scores `detector_sentence_at`
or above (and at least the whole message's threshold), unless the lexicon or the classifiers read it
as a question about suicidal thoughts: a crisis told in one sentence of a long message or beside a
clinic question. The thresholds were chosen on the crisis development sets (docs/nlu-evaluation.md).

The topic classifier's `crisis` intent is the third. Where neither the lexicon nor the detector
flagged the message and the classifier is not sure (below `classifier_crisis_threshold`), it becomes
`nlu_fallback`: the person is asked to rephrase, and that reply carries the 988 line too, so an
uncertain guess is neither ignored nor a false alarm. So does a sure one on a message that denies
suicidal thoughts, self-harm or attempts ("I'm not suicidal, just exhausted"): the classifier reads the
denied words as a crisis, while the lexicon and the detector read what the message says besides them.

Below the detector's crisis thresholds lies a band where it leans towards a crisis without being sure:
a message (or one of its sentences) it scores at `detector_line_at` or above keeps its intent and its
answer, and the guard records that it leans (`leaning`, clinic.intents.crisis_guessed), so that the reply
also carries the crisis line ("How much is one infusion? I need to know before I give up completely").
A veiled crisis the guard cannot confirm still meets the 988 line, and an ordinary message in the band
gets one line more, not the crisis reply and an urgent handoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic import crisis
from clinic.intents import ASK_SUICIDAL_THOUGHTS, FALLBACK_INTENT, GUARD_KEY, in_another_language
from clinic.intents import CRISIS as CRISIS_INTENT
from clinic_nlu.crisis_detector import SCORE_KEY, SENTENCE_SCORE_KEY
from clinic_nlu.intent_override import set_intent
from clinic_nlu.stateless import StatelessComponent

INFORMATIONAL_INTENT = ASK_SUICIDAL_THOUGHTS
DEFAULT_CONFIG: Dict[Text, Any] = {
    "classifier_crisis_threshold": 0.8,
    "detector_crisis_at": 0.85,
    "detector_venting_at": 0.9,
    "detector_sentence_at": 0.9,
    "detector_clear_below": 0.1,
    "detector_clear_min_words": 8,
    "detector_line_at": 0.7,
}


@dataclass(frozen=True)
class Evidence:
    """What the guard decides on: the message, the lexicon's check, the detector's scores (the whole
    message's and its highest sentence's) and the classifiers' prediction before the guard (intent and
    ranking as Rasa writes them)."""

    text: Text
    check: crisis.CrisisCheck
    score: Optional[float]
    intent: Dict[Text, Any]
    ranking: List[Dict[Text, Any]]
    sentence_score: Optional[float] = None


def decide(evidence: Evidence, config: Dict[Text, Any]) -> Optional[Text]:
    """The intent the guard puts in place of the classifiers' prediction, or None to keep it."""
    result, score = evidence.check, evidence.score
    if result.topic_only and _cleared_by_detector(evidence, config):
        return INFORMATIONAL_INTENT
    if result.assessment is crisis.Assessment.CRISIS:
        return CRISIS_INTENT
    # A history the lexicon reads as long past and over ("an attempt when I was 17, I'm 42 now and stable"): the
    # detector reads the attempt, not the years since.
    if result.resolved:
        return INFORMATIONAL_INTENT
    crisis_at = config["detector_venting_at"] if result.vents else config["detector_crisis_at"]
    if score is not None and score >= crisis_at:
        return CRISIS_INTENT
    if result.assessment is crisis.Assessment.INFORMATIONAL:
        return INFORMATIONAL_INTENT
    intent, sure_at = evidence.intent, config["classifier_crisis_threshold"]
    sentence_at = max(config["detector_sentence_at"], crisis_at)
    sentence = evidence.sentence_score
    if sentence is not None and sentence >= sentence_at and intent.get("name") != INFORMATIONAL_INTENT:
        return CRISIS_INTENT
    # A message that denies ("I'm not suicidal, just exhausted") or speaks in a figure ("I'd kill for a
    # coffee") and that neither the lexicon nor the detector (which reads around those words) calls a
    # crisis: the classifier read the denied words, or words in another sense.
    if intent.get("name") == CRISIS_INTENT and ((intent.get("confidence") or 0.0) < sure_at or result.set_aside):
        return FALLBACK_INTENT
    return None


def leans(evidence: Evidence, config: Dict[Text, Any]) -> bool:
    """Whether the detector scores the message, or one of its sentences, in the band below its crisis
    thresholds where the reply carries the crisis line (`detector_line_at`)."""
    scores = [s for s in (evidence.score, evidence.sentence_score) if s is not None]
    return bool(scores) and max(scores) >= config["detector_line_at"]


def _cleared_by_detector(evidence: Evidence, config: Dict[Text, Any]) -> bool:
    """The detector is sure there is no crisis, and it can read the message: it says enough for that
    ("suicidal again" does not), and in English (it learned English only; the lexicon's other
    languages are the lexicon's own)."""
    other_language = in_another_language(evidence.ranking)
    long_enough = len(evidence.text.split()) >= config["detector_clear_min_words"]
    sure = evidence.score is not None and evidence.score < config["detector_clear_below"]
    return sure and long_enough and not other_language


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisGuard(StatelessComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return dict(DEFAULT_CONFIG)

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._lexicon = crisis.default_lexicon()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            evidence = Evidence(
                text,
                self._lexicon.check(text),
                message.get(SCORE_KEY),
                message.get(INTENT) or {},
                message.get(INTENT_RANKING_KEY) or [],
                message.get(SENTENCE_SCORE_KEY),
            )
            intent_name = decide(evidence, self.component_config)
            leaning = intent_name != CRISIS_INTENT and leans(evidence, self.component_config)
            if intent_name is None and not leaning:
                continue
            if intent_name is not None:
                # An uncertain classifier guess keeps its own confidence; the lexicon and detector are sure.
                confidence = evidence.intent.get("confidence") if intent_name == FALLBACK_INTENT else 1.0
                set_intent(message, intent_name, confidence or 0.0)
            message.set(
                GUARD_KEY,
                {
                    "assessment": evidence.check.assessment.value,
                    "matched": evidence.check.matched,
                    "detector": evidence.score,
                    "detector_sentence": evidence.sentence_score,
                    # What the classifiers said before the guard (clinic_nlu.evaluation's crisis sweep).
                    "classifier": evidence.intent,
                    "leaning": leaning,
                },
                add_to_output=True,
            )
        return messages
