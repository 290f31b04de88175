"""Conversations as staff see them, read straight from Rasa's tracker store table (`events`).

Rasa's `SQLTrackerStore.retrieve` returns only the latest session of a conversation; staff need all of
it, so this module reads every event of a sender, in the order they were stored (`id`). The table is
Rasa's (created by the Rasa server); it is described here, on a MetaData of its own, only to be read and,
by the retention purge, deleted from. `tests/staff/test_retention.py` checks it still matches Rasa's.
"""

import heapq
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.channels import CHANNEL_CHOICES, channel_of, text_of  # noqa: F401  (CHANNEL_CHOICES: the pages')
from clinic.feedback import ratings
from clinic.feedback.models import ConversationRating
from clinic.handoffs import kinds
from clinic.handoffs.models import Handoff
from clinic.intents import CRISIS, GUARD_KEY, OUT_OF_SCOPE, UNANSWERED_INTENTS, crisis_guessed, full_intent, unanswered

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
E = EVENTS.c

FALLBACK_ACTION = "action_default_fallback"
FLAGS = ("crisis", "possible_crisis", "handoff", "unanswered")
LIST_LIMIT = 300


def has_events(session: Session) -> bool:
    """False until the Rasa server has created its table (a fresh database)."""
    return sa.inspect(session.connection()).has_table("events")


@overload
def to_datetime(timestamp: float) -> datetime: ...


@overload
def to_datetime(timestamp: None) -> None: ...


def to_datetime(timestamp: Optional[float]) -> Optional[datetime]:
    """Naive UTC time of a Rasa event timestamp (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)


def day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


@dataclass
class ConversationSummary:
    sender_id: str
    started: datetime
    last_activity: datetime
    messages: int
    crisis: bool
    unanswered: bool
    handoff: bool
    channel: str = "unknown"
    # A message that may have been a crisis the crisis guard did not confirm (clinic.intents.crisis_guessed):
    # its reply carried the crisis line, not the crisis reply; staff may want to check on the person.
    possible_crisis: bool = False
    first_message: str = ""


def list_conversations(
    session: Session,
    start: Optional[date] = None,
    end: Optional[date] = None,
    channel: Optional[str] = None,
    flags: Sequence[str] = (),
    sender_ids: Optional[Iterable[str]] = None,
    limit: int = LIST_LIMIT,
) -> List[ConversationSummary]:
    """Conversations with activity between `start` and `end` (inclusive days, UTC), newest first."""
    if not has_events(session):
        return []
    is_user = E.type_name == "user"
    # A possible crisis's handoff is the `possible_crisis` flag's, not a handoff the person asked for.
    handoff_senders = sa.select(Handoff.sender_id).where(Handoff.kind != kinds.POSSIBLE_CRISIS)
    urgent_senders = sa.select(Handoff.sender_id).where(Handoff.urgent.is_(True))
    crisis = sa.func.max(sa.case((sa.or_(E.intent_name == CRISIS, E.sender_id.in_(urgent_senders)), 1), else_=0))
    handoff = sa.func.max(sa.case((E.sender_id.in_(handoff_senders), 1), else_=0))
    query = (
        sa.select(
            E.sender_id,
            sa.func.min(E.timestamp).label("started"),
            sa.func.max(E.timestamp).label("last"),
            sa.func.sum(sa.case((is_user, 1), else_=0)).label("messages"),
            crisis.label("crisis"),
            handoff.label("handoff"),
            sa.func.min(sa.case((is_user, E.id))).label("first_user_event"),
        )
        .group_by(E.sender_id)
        .order_by(sa.func.max(E.timestamp).desc())
    )
    if sender_ids is not None:
        query = query.where(E.sender_id.in_(list(sender_ids)))
    if start:
        query = query.having(sa.func.max(E.timestamp) >= day_start(start))
    if end:
        query = query.having(sa.func.min(E.timestamp) < day_start(end + timedelta(days=1)))
    for flag, aggregate in (("crisis", crisis), ("handoff", handoff)):
        if flag in flags:
            query = query.having(aggregate == 1)
    rows = session.execute(query).all()
    unanswered_senders = {message.sender_id for message in unanswered_messages(session)}
    possible_crisis = possible_crisis_senders(session)
    first_events = _event_data(session, [row.first_user_event for row in rows if row.first_user_event])
    summaries = []
    for row in rows:
        first = first_events.get(row.first_user_event, {})
        summary = ConversationSummary(
            sender_id=row.sender_id,
            started=to_datetime(row.started),
            last_activity=to_datetime(row.last),
            messages=int(row.messages or 0),
            crisis=bool(row.crisis),
            unanswered=row.sender_id in unanswered_senders,
            handoff=bool(row.handoff),
            channel=channel_of(first) if first else "unknown",
            first_message=text_of(first),
            possible_crisis=row.sender_id in possible_crisis,
        )
        if (channel and summary.channel != channel) or ("unanswered" in flags and not summary.unanswered):
            continue
        if "possible_crisis" in flags and not summary.possible_crisis:
            continue
        summaries.append(summary)
        if len(summaries) >= limit:
            break
    return summaries


def possible_crisis_senders(session: Session) -> Set[str]:
    """Conversations with a message that may have been a crisis the crisis guard did not confirm. Only a
    message the guard looked at closely has its record (clinic.intents.GUARD_KEY) in the parse data."""
    rows = session.execute(
        sa.select(E.sender_id, E.data)
        .where(E.type_name == "user")
        .where(sa.or_(E.intent_name.is_(None), E.intent_name != CRISIS))
        .where(E.data.contains(f'"{GUARD_KEY}"'))
    )
    return {row.sender_id for row in rows if crisis_guessed(json.loads(row.data or "{}").get("parse_data") or {})}


def _event_data(session: Session, ids: List[int]) -> Dict[int, Dict]:
    found: Dict[int, Dict] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for event_id, data in session.execute(sa.select(E.id, E.data).where(E.id.in_(chunk))):
            found[event_id] = json.loads(data or "{}")
    return found


@dataclass
class TranscriptEntry:
    kind: str  # "user", "bot" or "session"
    at: datetime
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    channel: Optional[str] = None
    buttons: List[str] = field(default_factory=list)
    staff: Optional[str] = None  # a staff member's message during a takeover (clinic.takeover): their name
    unanswered: bool = False
    crisis: bool = False
    possible_crisis: bool = False
    form_answer: bool = False
    rating: Optional[int] = None  # a texter's "Reply 1-5", recorded as a rating (clinic.feedback.ratings)


class FormTracker:
    """Follows a conversation's events (in order) to tell which user messages answered a form's question."""

    def __init__(self):
        self.active = False

    def see(self, row) -> bool:
        """True for a user message sent while a form was asking (its name, phone...)."""
        if row.type_name == "active_loop":
            self.active = row.action_name is not None
        elif row.type_name in ("session_started", "restart"):
            self.active = False
        return row.type_name == "user" and self.active


def is_unanswered(parse_data: Dict[str, Any], in_form: bool) -> bool:
    """Out of scope always counts; a fallback counts unless it was a form answer (a name is no question) or
    each of its questions was answered (clinic.intents.unanswered)."""
    if (parse_data.get("intent") or {}).get("name") == OUT_OF_SCOPE:
        return True
    return unanswered(parse_data) and not in_form


def transcript(session: Session, sender_id: str) -> List[TranscriptEntry]:
    """Every session of the conversation, user and bot messages in the order they happened, with the
    SMS rating question and its answer, which never reach the assistant (clinic.feedback.ratings)."""
    if not has_events(session):
        return []
    return list(heapq.merge(_events(session, sender_id), _ratings(session, sender_id), key=lambda e: e.at))


def _ratings(session: Session, sender_id: str) -> List[TranscriptEntry]:
    entries = []
    for row in (
        session.query(ConversationRating)
        .filter(ConversationRating.sender_id == sender_id)
        .order_by(ConversationRating.id)
    ):
        entries.append(TranscriptEntry(kind="bot", at=row.asked_at, text=ratings.QUESTION))
        if row.rating is not None and row.rated_at is not None:
            entries.append(
                TranscriptEntry(
                    kind="user", at=row.rated_at, text=str(row.rating), channel=row.channel, rating=row.rating
                )
            )
    return entries


def _events(session: Session, sender_id: str) -> List[TranscriptEntry]:
    rows = session.execute(
        sa.select(E.type_name, E.action_name, E.timestamp, E.data)
        .where(E.sender_id == sender_id)
        .where(
            sa.or_(
                E.type_name.in_(("user", "bot", "session_started", "active_loop", "restart")),
                E.action_name == FALLBACK_ACTION,
            )
        )
        .order_by(E.id)
    ).all()
    entries: List[TranscriptEntry] = []
    last_user: Optional[TranscriptEntry] = None
    form = FormTracker()
    for row in rows:
        at = to_datetime(row.timestamp)
        in_form = form.see(row)
        if row.type_name in ("active_loop", "restart"):
            continue
        if row.type_name == "session_started":
            entries.append(TranscriptEntry(kind="session", at=at))
            continue
        if row.action_name == FALLBACK_ACTION:
            if last_user and not last_user.form_answer:
                last_user.unanswered = True
            continue
        data = json.loads(row.data or "{}")
        if row.type_name == "user":
            parse_data = data.get("parse_data") or {}
            intent = parse_data.get("intent") or {}
            last_user = TranscriptEntry(
                kind="user",
                at=at,
                text=text_of(data),
                intent=full_intent(parse_data),
                confidence=intent.get("confidence"),
                channel=channel_of(data),
                crisis=intent.get("name") == CRISIS,
                possible_crisis=crisis_guessed(parse_data),
                form_answer=in_form,
            )
            last_user.unanswered = is_unanswered(parse_data, in_form)
            entries.append(last_user)
        else:
            bot_data = data.get("data") or {}
            buttons = [b.get("title", "") for b in bot_data.get("buttons") or [] if isinstance(b, dict)]
            staff = (data.get("metadata") or {}).get("staff")
            entries.append(
                TranscriptEntry(
                    kind="bot",
                    at=at,
                    text=text_of(data),
                    buttons=buttons,
                    staff=staff if isinstance(staff, str) else None,
                )
            )
    return entries


def normalise_question(text: str) -> str:
    """What makes two questions "the same" for counting: case, spacing, accents and end punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ?!.,;:")


@dataclass
class UnansweredQuestion:
    text: str
    count: int
    last_asked: datetime
    last_sender_id: str
    topic: str
    conversations: int = 0


@dataclass(frozen=True)
class UnansweredMessage:
    event_id: int
    sender_id: str
    at: datetime
    text: str
    topic: str


def unanswered_messages(session: Session) -> List[UnansweredMessage]:
    """User messages that ended in fallback (nlu_fallback, action_default_fallback) or out of scope,
    except answers to a form's questions and button payloads."""
    if not has_events(session):
        return []
    direct = sa.select(E.id).where(E.type_name == "user").where(E.intent_name.in_(UNANSWERED_INTENTS))
    fallback_actions = EVENTS.alias("fallback_actions")
    previous_user = EVENTS.alias("previous_user")
    before_fallback = (
        sa.select(sa.func.max(previous_user.c.id))
        .where(previous_user.c.sender_id == fallback_actions.c.sender_id)
        .where(previous_user.c.type_name == "user")
        .where(previous_user.c.id < fallback_actions.c.id)
        .scalar_subquery()
    )
    via_fallback = sa.select(before_fallback).where(fallback_actions.c.action_name == FALLBACK_ACTION)
    fell_back = {row[0] for row in session.execute(via_fallback) if row[0]}
    ids = {row[0] for row in session.execute(direct)} | fell_back
    if not ids:
        return []
    candidates = session.execute(
        sa.select(E.id, E.sender_id, E.timestamp, E.intent_name, E.data).where(E.id.in_(sorted(ids))).order_by(E.id)
    ).all()
    in_form = _form_answers(session, {row.sender_id for row in candidates})
    messages = []
    for row in candidates:
        data = json.loads(row.data or "{}")
        text = text_of(data).strip()
        if not normalise_question(text) or text.startswith("/"):
            continue  # button payloads and empty messages are not questions
        if row.intent_name != OUT_OF_SCOPE and row.id in in_form:
            continue
        if row.id not in fell_back and not unanswered(data.get("parse_data") or {}):
            continue  # an unclear message whose every question was answered
        topic = full_intent(data.get("parse_data") or {}) or "fallback"
        messages.append(UnansweredMessage(row.id, row.sender_id, to_datetime(row.timestamp), text, topic))
    return messages


def _form_answers(session: Session, sender_ids: Set[str]) -> Set[int]:
    answers: Set[int] = set()
    senders = sorted(sender_ids)
    for chunk_start in range(0, len(senders), 200):
        rows = session.execute(
            sa.select(E.id, E.sender_id, E.type_name, E.action_name)
            .where(E.sender_id.in_(senders[chunk_start : chunk_start + 200]))
            .where(E.type_name.in_(("user", "active_loop", "session_started", "restart")))
            .order_by(E.sender_id, E.id)
        ).all()
        forms: Dict[str, FormTracker] = {}
        for row in rows:
            if forms.setdefault(row.sender_id, FormTracker()).see(row):
                answers.add(row.id)
    return answers


def unanswered_questions(session: Session) -> List[UnansweredQuestion]:
    """The unanswered messages grouped by their normalised text and counted, newest first."""
    groups: Dict[str, UnansweredQuestion] = {}
    senders: Dict[str, set] = {}
    for message in unanswered_messages(session):
        key = normalise_question(message.text)
        group = groups.get(key)
        if group is None:
            group = groups[key] = UnansweredQuestion(message.text, 0, message.at, message.sender_id, message.topic)
            senders[key] = set()
        group.count += 1
        senders[key].add(message.sender_id)
        if message.at >= group.last_asked:
            group.text, group.last_asked = message.text, message.at
            group.last_sender_id, group.topic = message.sender_id, message.topic
    for key, group in groups.items():
        group.conversations = len(senders[key])
    return sorted(groups.values(), key=lambda g: g.last_asked, reverse=True)


@dataclass
class MessageMatch:
    sender_id: str
    at: datetime
    speaker: str
    text: str


def _like_pattern(query: str) -> str:
    # The data column holds JSON: search for the query as JSON writes it (escaped quotes, \\uXXXX).
    encoded = json.dumps(query.casefold())[1:-1]
    escaped = encoded.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def search_messages(session: Session, query: str, limit: int = 200) -> List[MessageMatch]:
    """User and bot messages containing `query` (case-insensitive), newest first."""
    query = query.strip()
    if not query or not has_events(session):
        return []
    rows = session.execute(
        sa.select(E.sender_id, E.type_name, E.timestamp, E.data)
        .where(E.type_name.in_(("user", "bot")))
        .where(sa.func.lower(E.data).like(_like_pattern(query), escape="!"))
        .order_by(E.id.desc())
        .limit(limit * 4)
    ).all()
    needle = query.casefold()
    matches = []
    for row in rows:
        data = json.loads(row.data or "{}")
        text = text_of(data)
        if needle in text.casefold():
            staff = (data.get("metadata") or {}).get("staff") if row.type_name == "bot" else None
            speaker = (
                "patient" if row.type_name == "user" else f"staff: {staff}" if isinstance(staff, str) else "assistant"
            )
            matches.append(MessageMatch(row.sender_id, to_datetime(row.timestamp), speaker, text))
        if len(matches) >= limit:
            break
    return matches
