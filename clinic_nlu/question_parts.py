"""The other questions inside one message: "how long is each session and how many will I need?".

The intent classifier and the ResponseSelector read a message as one question. This component splits
it into its parts and, for each part that asks something (clinic.questions.questions_asked: the story
around a forum question is not a question of its own; "is it addictive or dangerous?" asks two),
predicts its FAQ or out-of-scope topic with a small model of its own trained on the same examples as
the topic classifier: a logistic regression (scikit-learn) on the part's all-MiniLM-L6-v2 sentence
embedding (the same encoder as the pipeline's featurizer) and its character n-gram TF-IDF. A part whose
topic is likely (at least `min_confidence`, chosen on the dev split) and is not the message's own topic becomes a
`topic` entity; the rules then answer every topic (actions/answers.py). At most `max_extra` parts
(three: a message's own reading and one of its parts can be near twins, "it works in hours, is that
true?" read as effectiveness and as how fast, and a fourth question would otherwise be cut). A
message's own topic is the answer its reply gives: the selector's for a question, the conditions list
for a question about a condition (the condition's answer says it), none for a message the bot is unsure
of (`nlu_fallback`: its reply answers its parts, one more than `max_extra`, then asks back,
actions/clarify.py; not when every part read as a likely topic, `parts_read`: "How does ketamine work,
how many sessions, and does insurance cover it?" gets all three and the staff offer, although the
selector's guess for the whole was one of them).

A question about a named condition asks two things in one clause: "How does ketamine treat bipolar?"
is how it works *and* whether bipolar disorder is a condition it is for. The classifiers read the
condition's name as the question (the list of conditions), and the condition answer
(actions/conditions.py) says only the second. So a message that asks something (clinic.questions.asks:
"I'm not suicidal, just exhausted by this depression" asks nothing) is also read with each condition it
names (the `condition` entities) replaced by "my condition" ("How does ketamine treat my condition?"),
and a likely topic of that reading other than who it is for becomes a `topic` entity too; so is each
question of several that asks about treating a condition ("can I drive after? also is it effective for
OCD": the second part alone reads as the list of conditions) when it reads as that list or as nothing
(`_part_reading`). When the answer chosen is the conditions list itself, which the condition answer
repeats, the topic the selector found nearly as likely (clinic_nlu.retrieval_topic's closest FAQ
`alternative`: "How can you treat PTSD with ketamine?", how it works) is answered too, instead of being
offered as a choice; and so is a question of several's second likeliest topic when the question asks how or
what about treating a condition and reads as the list with and without its name ("How long does each
infusion take and how does ketamine treat bipolar?").

A "what is" question is about the therapy unless it names something else ("What is integration in ketamine
therapy?"): then the answer saying what the therapy is would answer another question, and the message is
answered by what that something reads as alone (`_about_what_is_asked`), and so is such a question of several.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Set, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from clinic.conditions import default_lexicon
from clinic.intents import (
    ALTERNATIVE_ENTITY,
    ASK_CONDITION,
    BOOK_APPOINTMENT,
    CONDITION_ENTITY,
    FAQ,
    GENERAL_OUT_OF_SCOPE,
    OUT_OF_SCOPE,
    REQUEST_STAFF,
    RETRIEVAL_INTENTS,
    TOPIC_ENTITY,
    retrieval_intent,
    selector_ranking,
)
from clinic.questions import asks, questions_asked, something_else_asked_about
from clinic.topics import CONDITIONS_TOPIC, WHAT_IS_TOPIC
from clinic_nlu import linear_model
from clinic_nlu.intent_override import set_answer
from clinic_nlu.linear_component import teaches_topics
from clinic_nlu.sentence_encoder import load_encoder

CONDITION_STAND_IN = "my condition"
# What comes before a condition that a question asks about treating: "for PTSD", "with my OCD",
# "treat bipolar", "help anxiety".
_TREATING = re.compile(
    r"\b(?:(?P<preposition>for|with|on|against)|treat\w*|help\w*|cure\w*|fix\w*)\s+"
    r"(?P<whose>(?:(?:my|his|her|their|the|your)\s+)?)$",
    re.IGNORECASE,
)
# What joins a condition to the one named before it: "for PTSD and OCD", "with anxiety, my depression".
_LISTED_WITH = re.compile(r"\s*(?:,|and|or|&|/)\s*(?:(?:my|his|her|their|the|your)\s+)?", re.IGNORECASE)
# A question asking how or what, not yes or no ("and how does ketamine treat bipolar", "what is ketamine therapy
# for OCD"): about a condition, it asks more than whether the condition is on the list (`_part_reading`).
_ASKS_WHAT_OR_HOW = re.compile(
    r"^(?:(?:and|also|so|but|then|ok|okay)\W+)*(?:how|hw|what|wat|whats|what's|why|when|which)\b", re.IGNORECASE
)
# Requests for the staff, learnt beside the topics so that a part asking to book ("what's the first step
# to get started?") reads as that, not as its nearest topic. In a request to book such a part is the
# request; in a question, the reply ends with the staff offer (`PART_FOR_STAFF`), a "yes" to which starts
# the booking, after saying what the first step is when the part asks to book (its `topic` entity
# `book_appointment`, said by `utter_first_step`).
STAFF_REQUESTS = (BOOK_APPOINTMENT, REQUEST_STAFF)
# A part of the question that asks for the staff, or that no topic is likely for (below `min_confidence`:
# the reply does not answer it): the reply ends with the staff offer (clinic_nlu.answer_plan) rather than
# leave the part unsaid.
PART_FOR_STAFF = "part_for_staff"
# An unclear message (no topic of its own) of several questions, each read as a likely topic ("how long r
# the sessions, how often do i come in n can i go back to work after"): its answers say it all, so the
# reply does not ask back (clinic_nlu.answer_plan, actions/clarify.py).
PARTS_READ = "parts_read"


def without_conditions(message: Message) -> str:
    """The message with each condition it names replaced by "my condition", or "" if it names none."""
    spans = [
        (entity["start"], entity["end"], CONDITION_STAND_IN)
        for entity in message.get(ENTITIES) or []
        if entity.get("entity") == CONDITION_ENTITY and "start" in entity
    ]
    return _stand_in(message.get(TEXT) or "", spans)


def without_treated_conditions(part: str) -> str:
    """The part without each condition it asks about treating, or "" if it asks about treating none ("what is
    bipolar?" asks about the condition itself): what the part asks for any condition. A condition the part's
    verb treats or helps becomes "my condition" ("can ketamine treat bipolar": "can ketamine treat" would ask
    nothing), and so does one a yes-or-no question asks about ("is it used for PTSD": whether it is on the
    list is the question); in a question of how or what, a phrase that names what it asks about goes ("how
    fast does it work for PPD": "how fast does it work"; read with "for my condition" instead, "what should I
    expect from ketamine therapy for OCD" read as who it is for)."""
    drop = bool(_ASKS_WHAT_OR_HOW.match(part))
    spans: List[Tuple[int, int, str]] = []
    for mention in default_lexicon().find(part):
        treating = _TREATING.search(part[: mention.start])
        if spans and _LISTED_WITH.fullmatch(part[spans[-1][1] : mention.start]):  # "for PTSD and OCD"
            spans[-1] = (spans[-1][0], mention.end, spans[-1][2])
        elif treating and treating["preposition"] and drop:
            spans.append((treating.start(), mention.end, ""))
        elif treating:  # "help my OCD" becomes "help my condition"
            spans.append((treating.start("whose"), mention.end, CONDITION_STAND_IN))
    return _stand_in(part, spans)


def _stand_in(text: str, spans: List[Tuple[int, int, str]]) -> str:
    """The text with each (start, end, replacement) span replaced, spaces around it made one, or "" if there is
    none."""
    for start, end, replacement in sorted(spans, reverse=True):
        before, after = text[:start].rstrip(), text[end:].lstrip()
        text = " ".join(piece for piece in (before, replacement) if piece)
        text += (" " if after[:1].isalnum() else "") + after
    return text if spans else ""


def answered_topic(message: Message) -> Optional[str]:
    """The topic the reply answers, whatever the selector read: the selector's for a question, the
    conditions list for a question about a condition (the condition's answer says it), none when the
    reply asks back (`nlu_fallback`) or answers no question (a request to book)."""
    intent = (message.get(INTENT) or {}).get("name")
    if intent in RETRIEVAL_INTENTS:
        topic = retrieval_intent(message.data)
        return topic if topic != intent else None  # no topic selected: `faq` alone is no answer
    return CONDITIONS_TOPIC if intent == ASK_CONDITION else None


def runners_up(message: Message) -> List[Tuple[str, float]]:
    """The FAQ topics clinic_nlu.retrieval_topic found nearly as likely as the answered one (its
    `alternative` entities), with the selector's confidence in each."""
    confidence = {
        entry["intent_response_key"]: entry.get("confidence", 0.0) for entry in selector_ranking(message.data)
    }
    return [
        (entity["value"], float(confidence.get(entity["value"], 0.0)))
        for entity in message.get(ENTITIES) or []
        if entity.get("entity") == ALTERNATIVE_ENTITY and str(entity.get("value")).startswith(FAQ + "/")
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class QuestionParts(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # dense_weight: the embedding's weight against the n-grams' (as clinic_nlu.topic_classifier).
        # condition_second_at: a part read as the conditions list also answers its second likeliest topic
        # from there (`_part_reading`; chosen on the dev splits and the joined dev questions).
        return {"min_confidence": 0.4, "max_extra": 3, "dense_weight": 2.0, "condition_second_at": 0.25}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizer: Optional[TfidfVectorizer] = None,
        classifier: Optional[LogisticRegression] = None,
    ):
        self.component_config = config
        self._storage, self._resource = model_storage, resource
        self._vectorizer, self._classifier = vectorizer, classifier

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionParts":
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @staticmethod
    def _new_vectorizer(vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True, vocabulary=vocabulary
        )

    def _features(self, texts: List[str], embeddings: Optional[np.ndarray] = None) -> scipy.sparse.csr_matrix:
        if embeddings is None:
            embeddings = load_encoder().encode(texts)[0]
        dense = scipy.sparse.csr_matrix(embeddings * self.component_config["dense_weight"])
        assert self._vectorizer is not None  # trained or loaded
        return scipy.sparse.hstack([dense, self._vectorizer.transform(texts)]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            m
            for m in training_data.intent_examples
            if teaches_topics(m)
            and (m.get(INTENT) in RETRIEVAL_INTENTS and m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) in STAFF_REQUESTS)
        ]
        texts = [m.get(TEXT) for m in examples]
        self._vectorizer = self._new_vectorizer()
        self._vectorizer.fit(texts)
        # The sentence embeddings the pipeline's SentenceEncoderFeaturizer already put on each example.
        embeddings = np.vstack([m.get_dense_features(TEXT)[1].features.reshape(-1) for m in examples])
        self._classifier = LogisticRegression(C=10.0, max_iter=5000).fit(
            self._features(texts, embeddings), [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        )
        self._persist()
        return self._resource

    def _persist(self) -> None:
        # JSON and NumPy arrays rather than pickle: loading a model never runs code from it.
        assert self._vectorizer is not None and self._classifier is not None  # just trained
        with self._storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(
                json.dumps({gram: int(index) for gram, index in self._vectorizer.vocabulary_.items()})
            )
            np.savez(directory / "weights.npz", idf=self._vectorizer.idf_, **linear_model.arrays(self._classifier))

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "QuestionParts":
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / "vocabulary.json").read_text())
                weights = np.load(directory / "weights.npz", allow_pickle=False)
                vectorizer = cls._new_vectorizer(vocabulary)
                vectorizer.idf_ = weights["idf"]
                classifier = linear_model.from_arrays(weights)
        except ValueError:  # nothing was trained (no retrieval examples)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, vectorizer, classifier)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._classifier is None:
            return messages
        for message in messages:
            self._read_what_is_asked_about(message)
            # Each question of the message and its two likeliest topics, read once for both readings below.
            parts = questions_asked(message.get(TEXT) or "")
            ranked_parts = self._top_topics(parts) if parts else []
            self._answer_in_the_order_asked(message, parts, ranked_parts)
            found, for_staff, every_part_read = self._other_topics(message, parts, ranked_parts)
            for flag, value in ((PART_FOR_STAFF, for_staff), (PARTS_READ, every_part_read)):
                if value:
                    message.set(flag, True, add_to_output=True)
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(
                    [
                        {"entity": TOPIC_ENTITY, "value": topic, "confidence_entity": confidence}
                        for topic, confidence in found
                    ]
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def _read_what_is_asked_about(self, message: Message) -> None:
        """A message answered as what the therapy is that asks what something else is (`_about_what_is_asked`)
        is answered by that something's reading instead."""
        own = answered_topic(message)
        if own == WHAT_IS_TOPIC:
            topic, _ = self._about_what_is_asked(message.get(TEXT) or "", (own, 1.0))
            if topic != own:
                set_answer(message, topic)

    def _answer_in_the_order_asked(self, message: Message, parts: List[str], ranked_parts: List[tuple]) -> None:
        """A message of several questions, each read as a likely topic of its own, one of them the topic the
        message was read as whole, is answered in the order asked: its first question's answer first ("How does
        ketamine work, how many sessions, and does insurance cover it?", read as a whole as the schedule, is told
        how it works, then the schedule, then about insurance), and no topic the whole was nearly read as is
        offered as a choice after (its `alternative` entities, clinic_nlu.retrieval_topic): each question got its
        answer. A message naming a condition is left to the condition's readings (`_other_topics`)."""
        own = answered_topic(message)
        entities = message.get(ENTITIES) or []
        if own is None or any(entity.get("entity") == CONDITION_ENTITY for entity in entities):
            return
        if len(parts) < 2:
            return
        read = [self._about_what_is_asked(part, first) for part, (first, _) in zip(parts, ranked_parts)]
        topics = [topic for topic, _ in read]
        likely = all(
            confidence >= self.component_config["min_confidence"] and topic.split("/")[0] in RETRIEVAL_INTENTS
            for topic, confidence in read
        )
        if not likely or own not in topics or len(set(topics)) < len(topics):
            return
        # One out-of-scope answer to a reply (`_other_topics`): a first question out of scope keeps its place when
        # another is, so that the more telling answer the message was read as ("can I eat before, and do I need a
        # ride home?": driving) is not put aside for the other's.
        out_of_scope = [topic for topic in topics if topic.split("/")[0] == OUT_OF_SCOPE]
        if topics[0] != own and not (topics[0] in out_of_scope and len(out_of_scope) > 1):
            set_answer(message, topics[0])
        kept = [entity for entity in entities if entity.get("entity") != ALTERNATIVE_ENTITY]
        message.set(ENTITIES, kept, add_to_output=True)

    def _about_what_is_asked(self, text: str, topic: Tuple[str, float]) -> Tuple[str, float]:
        """The topic of a question read as what the therapy is (`topic`), unless it asks what something else
        is ("What is integration in ketamine therapy?", "What is ketamine maintenance therapy?": clinic.
        questions.something_else_asked_about): then what that something reads as alone, "maintenance" as
        boosters; read as no topic, or as what the therapy is again ("integration"), the out-of-scope answer
        and its staff offer, as sure as the question was read. The therapy's definition would answer another
        question."""
        subject = something_else_asked_about(text) if topic[0] == WHAT_IS_TOPIC else ""
        if not subject:
            return topic
        (read, confidence), _ = self._top_topics([subject])[0]
        answerable = read.split("/", 1)[0] in RETRIEVAL_INTENTS and read != WHAT_IS_TOPIC
        if answerable and confidence >= self.component_config["min_confidence"]:
            return read, confidence
        return GENERAL_OUT_OF_SCOPE, topic[1]

    def _other_topics(
        self, message: Message, parts: List[str], ranked_parts: List[tuple]
    ) -> Tuple[List[tuple], bool, bool]:
        # (text, topics its answer would only repeat): each question of several (`parts`, read as `ranked_parts`),
        # and the message read without the conditions it names, whose own answer says whether they are on the list.
        text = message.get(TEXT) or ""
        readings: List[Tuple[str, Set[str]]] = [(part, set()) for part in parts]
        masked = without_conditions(message) if asks(text) else ""
        if masked:
            readings.append((masked, {CONDITIONS_TOPIC}))
        # Each question of several that asks about treating a condition, read without it too (`_part_reading`).
        masked_parts = [without_treated_conditions(part) for part in parts] if masked else []
        if not readings:
            return [], False, False
        own = answered_topic(message)
        requested = (message.get(INTENT) or {}).get("name") in STAFF_REQUESTS
        others = [reading for reading, _ in readings[len(parts) :]] + [p for p in masked_parts if p]
        ranked = ranked_parts + (self._top_topics(others) if others else [])
        predicted = iter(first for first, _ in ranked)
        topics = [next(predicted) for _ in readings]
        topics[: len(parts)] = [self._about_what_is_asked(part, topic) for part, topic in zip(parts, topics)]
        # Each question's second likeliest topic, taken when another question surer of it was read as its first: a
        # message does not ask the same thing twice ("How does it work & how can it help me": how it helps).
        seconds = [second for _, second in ranked[: len(parts)]]
        # The parts whose topic is what they ask besides a condition's place on the list (`_part_reading`):
        # answered however likely (the condition's answer says the rest).
        besides_condition: Set[int] = set()
        for i, masked_part in enumerate(masked_parts):
            if masked_part:
                topics[i], readings[i], besides = self._part_reading(
                    topics[i], next(predicted), readings[i], seconds[i]
                )
                if besides:
                    besides_condition.add(i)
        minimum = self.component_config["min_confidence"]
        # Of two questions read as the same topic, the one less sure of it (the later one if as sure) takes its
        # second ("how fast does it work for postpartum and can i still breastfeed": the first read as
        # breastfeeding, 0.53 against the second's 0.99, and as how fast, 0.40).
        first_readings = topics[: len(parts)]
        for i, ((topic, confidence), (_, read_without)) in enumerate(zip(first_readings, readings)):
            surer_twin = any(
                other == topic and (other_confidence > confidence or (other_confidence == confidence and j < i))
                for j, (other, other_confidence) in enumerate(first_readings)
                if j != i
            )
            if surer_twin and not read_without and seconds[i][1] >= minimum:
                topics[i] = seconds[i]
        found: List[tuple] = []
        staff_asked = unread = False
        for i, ((_, answered_already), (topic, confidence)) in enumerate(zip(readings, topics)):
            unread = unread or (not answered_already and confidence < minimum)
            if topic in STAFF_REQUESTS:
                staff_asked = staff_asked or confidence >= minimum
                if topic != BOOK_APPOINTMENT or requested:
                    continue  # a request for a person, or the booking request's own part: no answer of its own
            same_family = own is not None and topic.split("/")[0] == own.split("/")[0] == OUT_OF_SCOPE
            if (
                (confidence >= minimum or i in besides_condition)
                and topic != own
                and topic not in answered_already
                and not same_family
                and topic not in [t for t, _ in found]
            ):
                found.append((topic, confidence))
        if masked and own == CONDITIONS_TOPIC:
            found += [entry for entry in runners_up(message)[:1] if entry[0] not in [t for t, _ in found]]
        # Beside the main answer, `max_extra` more; with none (a question back), one more than that.
        room = self.component_config["max_extra"] + (own is None)
        every_part_read = own is None and len(parts) > 1 and 0 < len(found) <= room and not unread
        return found[:room], staff_asked or unread, every_part_read

    def _top_topics(self, texts: List[str]) -> List[Tuple[Tuple[str, float], Tuple[str, float]]]:
        """Each text's two likeliest topics, each with its probability."""
        assert self._classifier is not None  # process() asks only a trained component
        probabilities = self._classifier.predict_proba(self._features(texts))
        classes = self._classifier.classes_
        ranked = [np.argsort(-row)[:2] for row in probabilities]
        return [
            ((str(classes[first]), float(row[first])), (str(classes[second]), float(row[second])))
            for row, (first, second) in zip(probabilities, ranked)
        ]

    def _part_reading(
        self,
        topic: Tuple[str, float],
        masked: Tuple[str, float],
        reading: Tuple[str, Set[str]],
        second: Tuple[str, float],
    ) -> Tuple[Tuple[str, float], Tuple[str, Set[str]], bool]:
        """A question of several that asks about treating a condition, read as the conditions list or as nothing
        ("is it safe while breastfeeding? and how fast does it work for ppd": the second part reads as
        who it is for), is read without the condition (`without_treated_conditions`: "how fast does it work")
        when that reads as another likely topic; the condition's own answer says whether it is listed.
        A part already read as another topic keeps it: its masked reading would add a near twin ("how
        fast does it work for OCD" read as how fast, and again as how effective it is). A part still read as
        the conditions list is the condition's answer's; a question of "how" or "what" about the condition
        asks more, its second likeliest topic when that is likely enough (`condition_second_at`): "how does
        ketamine treat bipolar?" asks how it works (0.46 beside the list's 0.49), as a question of one part
        gets the selector's close second (`runners_up`). A yes-or-no question ("can it help my depression",
        "does ketamine help PTSD") is answered by the condition's answer alone. The topic, the reading (with
        what its answer would only repeat) and whether the topic is that second, asked besides the condition."""
        minimum = self.component_config["min_confidence"]
        read_as_list_or_nothing = topic[0] == CONDITIONS_TOPIC or topic[1] < minimum
        if read_as_list_or_nothing and masked[0] != CONDITIONS_TOPIC and masked[1] >= minimum:
            return masked, (reading[0], {CONDITIONS_TOPIC}), False
        if topic[0] == CONDITIONS_TOPIC:
            asks_more = (
                bool(_ASKS_WHAT_OR_HOW.match(reading[0]))
                and second[0].startswith(FAQ + "/")
                and second[1] >= self.component_config["condition_second_at"]
            )
            return second if asks_more else topic, (reading[0], {CONDITIONS_TOPIC}), asks_more
        return topic, reading, False
