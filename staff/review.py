"""The review inbox (`/staff/review`, administrators only): the messages the assistant did not handle
well, grouped, for a reviewer to label. Nothing here changes the running bot: a decision is a row of
`review_decisions`, which `make export-reviewed` (staff/review_export.py) turns into training data.

A message is in the inbox when it ended in a fallback (the NLU's `nlu_fallback` or Rasa's
`action_default_fallback`), a clarifying question (`action_clarify`), low confidence (the intent's
confidence below REVIEW_LOW_CONFIDENCE, default 0.6), out of scope, or a 👎 from the patient
(clinic.feedback). Form answers (a name, a phone number), button payloads and crisis messages are not.
Messages are grouped by their normalised text (staff.conversations.normalise_question), then groups
that say nearly the same thing are merged:
- in words ("how much does it cost" and "how much does it costs"): the cosine similarity of their
  character n-grams, the NLU's own typo-proof features (config.yml's CountVectorsFeaturizer: char_wb,
  2 to 4), at least SIMILAR;
- in meaning ("is there a payment plan" and "can I pay monthly"): the NLU read them the same way, as
  stored with each message (its `parse_data`): the same topic, and the confidences it gave every
  intent and topic (`intent_ranking`, the response selector's `ranking`) at least SAME_MEANING alike
  (cosine). A message without rankings, one the NLU has no reading of (a fallback, the general
  out-of-scope topic, off topic: NO_READING) and a 👎 (its row has no parse data) are grouped in words
  only. The sentence encoder itself is not loaded by the
  website (it would bring TensorFlow into every web worker): its reading is in those confidences.
SAME_MEANING was chosen on labelled pairs of questions (tests/unit/test_review_grouping.py,
docs/improving.md).
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from clinic import settings
from clinic.channels import channel_of, text_of
from clinic.feedback.models import AnswerFeedback
from clinic.intents import (
    CLARIFY_ACTION,
    CRISIS,
    FALLBACK_INTENT,
    GENERAL_OUT_OF_SCOPE,
    OFF_TOPIC,
    OUT_OF_SCOPE,
    RETRIEVAL_INTENTS,
    full_intent,
    retrieval_intent,
)
from staff import accounts
from staff.auth import admin_required
from staff.conversations import FALLBACK_ACTION, E, FormTracker, has_events, normalise_question, to_datetime
from staff.models import ReviewDecision
from staff.review_export import training_topics
from staff.views import blueprint, client_ip, db

REASONS = {
    "fallback": "not understood (fallback)",
    "clarify": "asked back (clarifying question)",
    "low_confidence": "low confidence",
    "out_of_scope": "out of scope",
    "thumbs_down": "the patient said it did not help",
}
DECISIONS = {
    "confirm": "the assistant's topic is right",
    "relabel": "the right topic is another one",
    "new_topic": "a new topic the article does not cover",
    "ignore": "ignored",
}
SORTS = {"frequent": "most frequent first", "newest": "newest first"}
VIEWS = {"open": "to review", "decided": "decided", "all": "all"}
DEFAULT_DAYS = 90
MAX_NOTE = 500
SIMILAR = 0.8
SAME_MEANING = 0.962
# What the NLU says when it has no reading of a message: not understood, or none of the topics it knows
# (two such messages look alike to it whatever they ask).
NO_READING = (FALLBACK_INTENT, GENERAL_OUT_OF_SCOPE, OFF_TOPIC)


def low_confidence() -> float:
    return settings.number("REVIEW_LOW_CONFIDENCE", 0.6)


@dataclass
class ReviewMessage:
    sender_id: str
    at: datetime
    text: str
    topic: str
    channel: str
    reasons: Set[str] = field(default_factory=set)
    meaning: Dict[str, float] = field(default_factory=dict)  # meaning_of its parse data


def meaning_of(parse_data: Dict[str, Any]) -> Dict[str, float]:
    """The NLU's reading of a message, one label -> confidence map: its confidence in each intent, the
    share it gave the FAQ and out-of-scope intents spread over their topics (the response selector's
    ranking). Empty when the parse data has no ranking or the NLU has no reading of the message
    (NO_READING)."""
    ranking = parse_data.get("intent_ranking")
    if not isinstance(ranking, list) or retrieval_intent(parse_data) in (None, *NO_READING):
        return {}
    scores = dict(_ranked(ranking, "name"))
    scores.pop(FALLBACK_INTENT, None)
    selector = parse_data.get("response_selector") or {}
    intent = (parse_data.get("intent") or {}).get("name")
    topics = _ranked(((selector.get(intent) or selector.get("default") or {}).get("ranking")), "intent_response_key")
    if topics:
        share = sum(scores.pop(name, 0.0) for name in RETRIEVAL_INTENTS)
        scores.update((key, share * confidence) for key, confidence in topics)
    return scores


def _ranked(ranking: Any, label: str) -> List[Tuple[str, float]]:
    """(label, confidence) of a ranking as Rasa stores it, leaving out what is not."""
    return [
        (entry[label], float(entry["confidence"]))
        for entry in ranking or []
        if isinstance(entry, dict)
        and isinstance(entry.get(label), str)
        and isinstance(entry.get("confidence"), (int, float))
    ]


def review_messages(session: Session, since: Optional[datetime] = None) -> List[ReviewMessage]:
    """Every message that belongs in the inbox, from `since` on, oldest first."""
    messages: List[ReviewMessage] = []
    if has_events(session):
        messages += _from_events(session, since)
    feedback = session.query(AnswerFeedback).filter(AnswerFeedback.helpful.is_(False))
    if since:
        feedback = feedback.filter(AnswerFeedback.updated_at >= since)
    for row in feedback:
        if normalise_question(row.message):
            messages.append(
                ReviewMessage(row.sender_id, row.updated_at, row.message, row.topic, row.channel, {"thumbs_down"})
            )
    return sorted(messages, key=lambda m: m.at)


def _from_events(session: Session, since: Optional[datetime]) -> List[ReviewMessage]:
    query = (
        sa.select(E.id, E.sender_id, E.type_name, E.action_name, E.intent_name, E.timestamp, E.data)
        .where(E.type_name.in_(("user", "action", "active_loop", "session_started", "restart")))
        .order_by(E.sender_id, E.id)
    )
    if since:
        query = query.where(E.timestamp >= (since - datetime(1970, 1, 1)).total_seconds())
    found: List[ReviewMessage] = []
    forms: Dict[str, FormTracker] = {}
    current: Optional[ReviewMessage] = None
    threshold = low_confidence()
    for row in session.execute(query):
        in_form = forms.setdefault(row.sender_id, FormTracker()).see(row)
        if row.type_name == "action":
            if current is not None and current.sender_id == row.sender_id:
                if row.action_name == FALLBACK_ACTION:
                    current.reasons.add("fallback")
                elif row.action_name == CLARIFY_ACTION:
                    current.reasons.add("clarify")
            continue
        if row.type_name != "user":
            continue
        if current is not None and current.reasons:
            found.append(current)
        current = None
        data = json.loads(row.data or "{}")
        text = text_of(data).strip()
        intent = ((data.get("parse_data") or {}).get("intent")) or {}
        name = intent.get("name")
        if not normalise_question(text) or text.startswith("/") or name == CRISIS:
            continue
        if in_form and name != OUT_OF_SCOPE:
            continue  # a name, a number or a time given to the booking form
        current = ReviewMessage(
            row.sender_id,
            to_datetime(row.timestamp),
            text,
            full_intent(data.get("parse_data") or {}) or "",
            channel_of(data),
            meaning=meaning_of(data.get("parse_data") or {}),
        )
        if name == FALLBACK_INTENT:
            current.reasons.add("fallback")
        elif name == OUT_OF_SCOPE:
            current.reasons.add("out_of_scope")
        confidence = intent.get("confidence")
        if isinstance(confidence, (int, float)) and confidence < threshold and name != FALLBACK_INTENT:
            current.reasons.add("low_confidence")
    if current is not None and current.reasons:
        found.append(current)
    return found


@dataclass
class ReviewGroup:
    key: str
    text: str
    count: int = 0
    last_at: datetime = datetime.min
    last_sender_id: str = ""
    topics: Counter = field(default_factory=Counter)
    reasons: Set[str] = field(default_factory=set)
    channels: Set[str] = field(default_factory=set)
    wordings: Set[str] = field(default_factory=set)
    conversations: Set[str] = field(default_factory=set)
    keys: Set[str] = field(default_factory=set)  # the normalised texts merged into this group
    meaning: Counter = field(default_factory=Counter)  # its messages' meaning_of, summed
    decision: Optional[ReviewDecision] = None

    @property
    def topic(self) -> str:
        """What the assistant understood most often (the topic a reviewer can confirm)."""
        return self.topics.most_common(1)[0][0] if self.topics else ""

    @property
    def confirmable(self) -> bool:
        return self.topic.split("/")[0] in RETRIEVAL_INTENTS and "/" in self.topic


def group_messages(messages: List[ReviewMessage]) -> List[ReviewGroup]:
    """The same question (normalised text) asked several times is one group; nearly the same ones too."""
    groups: Dict[str, ReviewGroup] = {}
    for message in messages:
        key = normalise_question(message.text)
        group = groups.setdefault(key, ReviewGroup(key, message.text, keys={key}))
        group.count += 1
        group.topics[message.topic or "fallback"] += 1
        group.reasons |= message.reasons
        group.channels.add(message.channel)
        group.wordings.add(message.text)
        group.conversations.add(message.sender_id)
        group.meaning.update(message.meaning)
        if message.at >= group.last_at:
            group.text, group.last_at, group.last_sender_id = message.text, message.at, message.sender_id
    return merge_similar(list(groups.values()))


def merge_similar(
    groups: List[ReviewGroup], threshold: float = SIMILAR, same_meaning: float = SAME_MEANING
) -> List[ReviewGroup]:
    """Groups that say nearly the same thing (in words: their texts' character n-grams at least
    `threshold` alike; in meaning: the same topic and the NLU's confidences at least `same_meaning`
    alike), merged into the most frequent of them (its key stays the group's key, so a decision keeps
    applying)."""
    if len(groups) < 2:
        return groups
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Counts, as the featurizer gives them (no weighting learnt from a handful of texts), unit length.
    texts = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), use_idf=False).fit_transform(
        [g.key for g in groups]
    )
    parent = list(range(len(groups)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for a, b in _alike(texts, range(len(groups)), threshold) + _alike_in_meaning(groups, same_meaning):
        parent[root(a)] = root(b)
    components: Dict[int, List[ReviewGroup]] = {}
    for index, group in enumerate(groups):
        components.setdefault(root(index), []).append(group)
    merged = []
    for members in components.values():
        main = max(members, key=lambda g: (g.count, g.last_at))
        for other in members:
            if other is main:
                continue
            main.count += other.count
            main.topics += other.topics
            for name in ("reasons", "channels", "wordings", "conversations", "keys", "meaning"):
                getattr(main, name).update(getattr(other, name))
            if other.last_at > main.last_at:
                main.text, main.last_at, main.last_sender_id = other.text, other.last_at, other.last_sender_id
        merged.append(main)
    return merged


def _alike(vectors, indices: Sequence[int], threshold: float) -> List[Tuple[int, int]]:
    """The pairs of `indices` (one per row of `vectors`, unit length) whose cosine is at least `threshold`."""
    similar = (vectors @ vectors.T).tocoo()
    return [
        (indices[a], indices[b])
        for a, b, value in zip(similar.row, similar.col, similar.data)
        if a < b and value >= threshold
    ]


def _alike_in_meaning(groups: List[ReviewGroup], threshold: float) -> List[Tuple[int, int]]:
    """The pairs of groups the NLU read the same way: the same topic, their meanings at least `threshold` alike."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.preprocessing import normalize

    by_topic: Dict[str, List[int]] = {}
    for index, group in enumerate(groups):
        if group.meaning:
            by_topic.setdefault(group.topic, []).append(index)
    pairs: List[Tuple[int, int]] = []
    for indices in by_topic.values():
        if len(indices) > 1:
            vectors = normalize(DictVectorizer().fit_transform([groups[i].meaning for i in indices]))
            pairs += _alike(vectors, indices, threshold)
    return pairs


def inbox(session: Session, view: str = "open", sort: str = "frequent", days: int = DEFAULT_DAYS) -> List[ReviewGroup]:
    since = datetime.utcnow() - timedelta(days=days) if days else None
    groups = group_messages(review_messages(session, since))
    decisions = {d.group_key: d for d in session.query(ReviewDecision)}
    for group in groups:
        group.decision = decisions.get(group.key) or next(
            (decisions[key] for key in sorted(group.keys) if key in decisions), None
        )
    if view == "open":
        groups = [g for g in groups if g.decision is None]
    elif view == "decided":
        groups = [g for g in groups if g.decision is not None]
    if sort == "newest":
        return sorted(groups, key=lambda g: g.last_at, reverse=True)
    return sorted(groups, key=lambda g: (g.count, g.last_at), reverse=True)


def decide(
    session: Session, group: ReviewGroup, decision: str, topic: Optional[str], note: Optional[str], by: str
) -> ReviewDecision:
    """Records (or replaces) the decision on a group."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if decision == "confirm":
        if not group.confirmable:
            raise ValueError("There is no topic to confirm: pick the right topic instead.")
        topic = group.topic
    elif decision == "relabel":
        if topic not in training_topics():
            raise ValueError("Pick one of the topics of the training data.")
    else:
        topic = None
    row = session.query(ReviewDecision).filter(ReviewDecision.group_key == group.key).one_or_none()
    if row is None:
        row = ReviewDecision(group_key=group.key)
        session.add(row)
    # Every wording of the group, one a line: each becomes a training example.
    row.example, row.decision, row.topic = "\n".join(sorted(group.wordings)), decision, topic
    row.note = (note or "").strip()[:MAX_NOTE] or None
    row.decided_by = by
    row.decided_at = datetime.utcnow()
    return row


class DecisionForm(FlaskForm):
    group_key = HiddenField(validators=[DataRequired(), Length(max=1000)])
    topic = SelectField("Right topic", choices=[], validate_choice=False)
    note = StringField("Note (for a new topic)", validators=[Length(max=MAX_NOTE)])


def _choice(value: Optional[str], allowed) -> str:
    return value if value in allowed else next(iter(allowed))


@blueprint.get("/review")
@admin_required
def review_page():
    view = _choice(request.args.get("view"), VIEWS)
    sort = _choice(request.args.get("sort"), SORTS)
    topics = training_topics()
    with db() as dbs:
        groups = inbox(dbs, view, sort)
        forms = {}
        for index, group in enumerate(groups):
            form = DecisionForm(formdata=None, prefix=f"g{index}", group_key=group.key)
            form.topic.choices = [(t, t) for t in topics]
            if group.decision and group.decision.topic in topics:
                form.topic.data = group.decision.topic
            elif group.topic in topics:
                form.topic.data = group.topic
            forms[group.key] = form
        return render_template(
            "staff/review.html",
            groups=groups,
            forms=forms,
            view=view,
            views=VIEWS,
            sort=sort,
            sorts=SORTS,
            reasons=REASONS,
            decisions=DECISIONS,
            days=DEFAULT_DAYS,
        )


@blueprint.post("/review/decide")
@admin_required
def review_decide():
    prefix = request.form.get("prefix", "")
    form = DecisionForm(prefix=prefix if prefix.startswith("g") and prefix[1:].isdigit() else "")
    decision = request.form.get("decision", "")
    if not form.validate_on_submit() or decision not in DECISIONS:
        abort(400)
    back = url_for("staff.review_page", view=request.args.get("view", "open"), sort=request.args.get("sort"))
    with db() as dbs:
        group = next((g for g in inbox(dbs, "all") if g.key == form.group_key.data), None)
        if group is None:
            abort(404)
        try:
            row = decide(dbs, group, decision, form.topic.data, form.note.data, current_user.username)
        except ValueError as refused:
            flash(str(refused), "error")
            return redirect(back, 303)
        accounts.audit(dbs, current_user.username, "review_decision", decision, row.topic or "", ip=client_ip())
        flash(f"Saved: {DECISIONS[decision]}{f' ({row.topic})' if row.topic else ''}.", "info")
    return redirect(back, 303)
