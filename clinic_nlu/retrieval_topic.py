"""Which FAQ or out-of-scope topic a message is about, and when to ask instead of guessing.

One ResponseSelector picks the answer for both retrieval intents (faq/*, out_of_scope/*), while the
intent classifier separately says `faq` or `out_of_scope`. When they disagree the rules followed the
intent (no staff offer after an out-of-scope answer chosen under `faq`), so here the intent follows
the answer actually selected: the selector is the one that read the question for its topic.

When the selector is not sure, it says so instead of guessing. With its top topic below `ask_below`
the message becomes `nlu_fallback`, and its likely topics are kept under `topic_choices` in the parse
data: the bot offers them as choices (actions/clarify.py), as it does when the intent classifier was
the unsure one (the FallbackClassifier's `nlu_fallback`) on a message most likely a question (faq or
out_of_scope its likeliest intent). With the top topic likely enough but the
runner-up within `ask_margin` of it, the bot answers the top topic and asks whether one of the close
ones was meant: those become `alternative` entities, which actions/answers.py offers as choices after
the answer. Unless both are out of scope: then whichever it is, the honest answer is the same (the
information does not cover it; the staff can help), so the general out-of-scope answer is given
(`out_of_scope/other`). Both thresholds are chosen on the dev split of real questions
(`python -m clinic_nlu.evaluation thresholds`, docs/nlu-evaluation.md), never on the test split.

A message that is only contact details (a phone number or an email address, with at most a few
words around it, as the booking form asks for) is about no topic: it becomes `nlu_fallback`, which
the booking form takes as its answer, instead of an out-of-scope answer to a phone number.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.handoffs.contact import EMAIL_CANDIDATE, parse_contact
from clinic.intents import (
    ALTERNATIVE_ENTITY,
    FALLBACK_INTENT,
    GENERAL_OUT_OF_SCOPE,
    OUT_OF_SCOPE,
    RETRIEVAL_INTENTS,
    TOPIC_CHOICES_KEY,
    selector_ranking,
)
from clinic_nlu.intent_override import replace_intent, set_answer
from clinic_nlu.stateless import StatelessComponent

MAX_CHOICES = 3
MAX_WORDS_AROUND_CONTACT = 4


def only_contact_details(text: str) -> bool:
    contact = parse_contact(text)
    if not (contact.phone or contact.email) or "?" in text:
        return False
    rest = EMAIL_CANDIDATE.sub(" ", text)
    words = [word for word in rest.split() if any(ch.isalpha() for ch in word)]
    return len(words) <= MAX_WORDS_AROUND_CONTACT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RetrievalTopic(StatelessComponent, IntentClassifier, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"ask_below": 0.5, "ask_margin": 0.1}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._resolve(message)
        return messages

    def _resolve(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        selected = (message.get("response_selector") or {}).get("default") or {}
        key = (selected.get("response") or {}).get("intent_response_key")
        ranking = selector_ranking(message.data)
        if intent.get("name") == FALLBACK_INTENT and key and self._unsure_about_a_topic(message):
            # The intent classifier was unsure (FallbackClassifier), most likely of a question: its
            # likely topics are the choices to offer, as when the selector itself is unsure.
            self._offer_choices(message, ranking)
            return
        if intent.get("name") not in RETRIEVAL_INTENTS or not key:
            return
        if only_contact_details(message.get(TEXT) or ""):
            replace_intent(message, FALLBACK_INTENT)
            return
        family = key.split("/", 1)[0]
        top = ranking[0]["confidence"] if ranking else selected["response"].get("confidence", 0.0)
        low = top < self.component_config["ask_below"]
        close = [
            entry for entry in ranking[1:MAX_CHOICES] if top - entry["confidence"] < self.component_config["ask_margin"]
        ]
        if low:
            replace_intent(message, FALLBACK_INTENT)
            self._offer_choices(message, ranking)
            return
        if close and all(entry["intent_response_key"].startswith(OUT_OF_SCOPE + "/") for entry in [ranking[0], *close]):
            close = []
            set_answer(message, GENERAL_OUT_OF_SCOPE)
        else:
            replace_intent(message, family)
        if close:
            message.set(
                ENTITIES,
                message.get(ENTITIES, [])
                + self.add_extractor_name(
                    [{"entity": ALTERNATIVE_ENTITY, "value": entry["intent_response_key"]} for entry in close]
                ),
                add_to_output=True,
            )

    @staticmethod
    def _unsure_about_a_topic(message: Message) -> bool:
        """The FallbackClassifier's `nlu_fallback` over a message whose likeliest intent is a question
        (faq or out_of_scope), not contact details for the booking form."""
        ranked = [entry.get("name") for entry in message.get(INTENT_RANKING_KEY) or []]
        likeliest = next((name for name in ranked if name != FALLBACK_INTENT), None)
        return likeliest in RETRIEVAL_INTENTS and not only_contact_details(message.get(TEXT) or "")

    @staticmethod
    def _offer_choices(message: Message, ranking: List[Dict[Text, Any]]) -> None:
        choices = [entry["intent_response_key"] for entry in ranking[:MAX_CHOICES]]
        message.set(TOPIC_CHOICES_KEY, choices, add_to_output=True)
