"""The outcomes dashboard (`/staff/dashboard`, every staff member): how the assistant is doing over a
period and a channel, each measure as a figure and a chart by day (inline SVG drawn here: no script,
no CDN). The definitions below are the ones the page shows.

Read with SQLAlchemy Core from Rasa's `events` table and the project's tables (handoffs, answer
feedback): plain selects that SQLite and PostgreSQL run alike; the counting is done here.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
from flask import render_template, request
from flask_login import login_required
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from clinic.channels import CHANNEL_CHOICES, channel_of
from clinic.feedback.models import AnswerFeedback, ConversationRating
from clinic.handoffs import kinds
from clinic.handoffs.models import Handoff
from clinic.intents import CRISIS, FALLBACK_INTENT, OUT_OF_SCOPE, RETRIEVAL_INTENTS, is_faq_answer, retrieval_intent
from staff import review
from staff.conversations import FALLBACK_ACTION, E, FormTracker, day_start, has_events, to_datetime
from staff.views import blueprint, db

BOOKING_FORM = "booking_form"
OUTCOMES = ("crisis", "handed_off", "abandoned", "unanswered", "answered", "other")
DEFINITIONS = {
    "conversations": "Conversation ids with at least one patient message in the period; the channel is "
    "that of their first message in it. A day's chart counts conversations by the day of that message.",
    "crisis": "A patient message understood as a crisis, or an urgent handoff, in the period. Counted first: "
    "a crisis conversation is in no other outcome.",
    "handed_off": "Not crisis, and a handoff (booking or a request for the staff) was logged in the period.",
    "abandoned": "Not crisis, no handoff, and the booking form was still asking when the conversation "
    "ended (left mid-form).",
    "unanswered": "None of the above, and the last question ended in a fallback (not understood) or out " "of scope.",
    "answered": "None of the above, and the last question got an FAQ answer (one of the article's topics "
    "or a listed condition).",
    "other": "Everything else (a greeting only, a question answered by a clarifying choice left unpressed...).",
    "booking": "Conversations in which the booking form started, and how many of them logged a booking "
    "(a handoff that is not urgent) in the period: the booking conversion.",
    "topics": "Patient messages by the topic the assistant understood (faq/* and out_of_scope/*).",
    "unanswered_groups": "The review inbox's groups (same question, normalised text) in the period, most "
    "frequent first.",
    "thumbs": 'Patients\' votes on answers in the period ("Was this helpful?": yes or no), the latest vote on '
    "each answer; the rate is helpful / (helpful + not helpful).",
}
LABELS = {
    "conversations": "Conversations",
    "booking_started": "Booking form started",
    "booking_confirmed": "Booking logged",
    "thumbs_up": "Helpful votes",
    "thumbs_down": "Not helpful votes",
    "ratings": "SMS ratings",
    "crisis": "Crisis",
    "handed_off": "Handed off",
    "abandoned": "Abandoned",
    "unanswered": "Unanswered",
    "answered": "Answered",
    "other": "Other",
}
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass
class Conversation:
    sender_id: str
    first_at: datetime
    channel: str
    crisis: bool = False
    last_question: Optional[str] = None  # "answered" / "unanswered"
    form_open: bool = False
    booking_started: bool = False
    handoff: bool = False
    booked: bool = False
    outcome: str = "other"


@dataclass
class Figures:
    start: date
    end: date
    channel: Optional[str]
    conversations: List[Conversation] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    booking_started: int = 0
    booking_confirmed: int = 0
    topics: List[Tuple[str, int]] = field(default_factory=list)
    unanswered_groups: List[review.ReviewGroup] = field(default_factory=list)
    thumbs_up: int = 0
    thumbs_down: int = 0
    ratings: List[int] = field(default_factory=list)
    by_day: Dict[str, Dict[date, int]] = field(default_factory=dict)

    @property
    def days(self) -> List[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _rate(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def figures(session: Session, start: date, end: date, channel: Optional[str] = None) -> Figures:
    """Every measure for the days `start` to `end` (inclusive, UTC) and one channel (None: all)."""
    result = Figures(start, end, channel)
    low, high = day_start(start), day_start(end + timedelta(days=1))
    since, until = to_datetime(low), to_datetime(high)
    conversations: Dict[str, Conversation] = {}
    topics: Counter = Counter()
    if has_events(session):
        rows = session.execute(
            sa.select(E.sender_id, E.type_name, E.action_name, E.intent_name, E.timestamp, E.data)
            .where(E.timestamp >= low, E.timestamp < high)
            .where(E.type_name.in_(("user", "bot", "action", "active_loop", "session_started", "restart")))
            .order_by(E.sender_id, E.id)
        )
        forms: Dict[str, FormTracker] = {}
        for row in rows:
            in_form = forms.setdefault(row.sender_id, FormTracker()).see(row)
            talk = conversations.get(row.sender_id)
            if row.type_name == "user":
                data = json.loads(row.data or "{}")
                if talk is None:
                    talk = conversations[row.sender_id] = Conversation(
                        row.sender_id, to_datetime(row.timestamp), channel_of(data)
                    )
                if channel and talk.channel != channel:
                    continue
                topic = retrieval_intent(data.get("parse_data") or {}) or ""
                if topic.split("/")[0] in RETRIEVAL_INTENTS and "/" in topic:
                    topics[topic] += 1
                if row.intent_name == CRISIS:
                    talk.crisis = True
                elif row.intent_name == OUT_OF_SCOPE:
                    talk.last_question = "unanswered"
                elif row.intent_name == FALLBACK_INTENT and not in_form:
                    talk.last_question = "unanswered"
            elif talk is None or (channel and talk.channel != channel):
                continue
            elif row.type_name == "action" and row.action_name == FALLBACK_ACTION and not in_form:
                talk.last_question = "unanswered"
            elif row.type_name == "bot":
                data = json.loads(row.data or "{}")
                if is_faq_answer((data.get("metadata") or {}).get("utter_action")):
                    talk.last_question = "answered"
            elif row.type_name == "active_loop":
                talk.form_open = row.action_name == BOOKING_FORM
                talk.booking_started = talk.booking_started or row.action_name == BOOKING_FORM
            elif row.type_name in ("session_started", "restart"):
                talk.form_open = False
    # A possible crisis asks staff to read the conversation: no one asked for them, and no booking was made.
    handoffs = session.query(Handoff.sender_id, Handoff.urgent).filter(
        Handoff.created_at >= since, Handoff.created_at < until, Handoff.kind != kinds.POSSIBLE_CRISIS
    )
    for sender_id, urgent in handoffs:
        talk = conversations.get(sender_id)
        if talk is None:
            continue
        talk.handoff = True
        if urgent:
            talk.crisis = True
        else:
            talk.booked = True
    chosen = [c for c in conversations.values() if not channel or c.channel == channel]
    for talk in chosen:
        talk.outcome = (
            "crisis"
            if talk.crisis
            else "handed_off"
            if talk.handoff
            else "abandoned"
            if talk.form_open
            else talk.last_question or "other"
        )
    result.conversations = chosen
    result.outcomes = Counter(t.outcome for t in chosen)
    result.booking_started = sum(t.booking_started for t in chosen)
    result.booking_confirmed = sum(t.booking_started and t.booked for t in chosen)
    result.topics = topics.most_common(10)
    senders = {t.sender_id for t in chosen}
    messages = [m for m in review.review_messages(session, since) if m.at < until and m.sender_id in senders]
    result.unanswered_groups = sorted(
        review.group_messages(messages), key=lambda g: (g.count, g.last_at), reverse=True
    )[:10]
    votes = session.query(AnswerFeedback).filter(AnswerFeedback.updated_at >= since, AnswerFeedback.updated_at < until)
    if channel:
        votes = votes.filter(AnswerFeedback.channel == channel)
    by_day_votes: Dict[str, Counter] = {"thumbs_up": Counter(), "thumbs_down": Counter()}
    for vote in votes:
        kind = "thumbs_up" if vote.helpful else "thumbs_down"
        by_day_votes[kind][vote.updated_at.date()] += 1
    result.thumbs_up = sum(by_day_votes["thumbs_up"].values())
    result.thumbs_down = sum(by_day_votes["thumbs_down"].values())
    rated = session.query(ConversationRating).filter(
        ConversationRating.rating.isnot(None), ConversationRating.rated_at >= since, ConversationRating.rated_at < until
    )
    if channel:
        rated = rated.filter(ConversationRating.channel == channel)
    rated_rows = rated.all()
    result.ratings = [row.rating for row in rated_rows]
    result.by_day = {
        "ratings": dict(Counter(row.rated_at.date() for row in rated_rows)),
        "conversations": dict(Counter(t.first_at.date() for t in chosen)),
        **{o: dict(Counter(t.first_at.date() for t in chosen if t.outcome == o)) for o in OUTCOMES},
        "booking_started": dict(Counter(t.first_at.date() for t in chosen if t.booking_started)),
        "booking_confirmed": dict(Counter(t.first_at.date() for t in chosen if t.booking_started and t.booked)),
        **{kind: dict(counts) for kind, counts in by_day_votes.items()},
    }
    return result


def bar_chart(title: str, days: List[date], counts: Dict[date, int], width: int = 320, height: int = 90) -> Markup:
    """A small bar chart of counts by day, as inline SVG with a text alternative."""
    values = [counts.get(day, 0) for day in days]
    most = max(values, default=0)
    top = most or 1
    step = width / max(len(days), 1)
    bars = []
    for index, (day, value) in enumerate(zip(days, values)):
        bar = (height - 16) * value / top
        bars.append(
            f'<rect x="{index * step + 1:.1f}" y="{height - 14 - bar:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{bar:.1f}"><title>{day.isoformat()}: {value}</title></rect>'
        )
    label = f"{title} by day, {days[0].isoformat()} to {days[-1].isoformat()}: most in one day {most}"
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
        f'<line x1="0" y1="{height - 14}" x2="{width}" y2="{height - 14}" class="axis"/>{"".join(bars)}'
        f'<text x="0" y="{height - 2}" class="tick">{days[0].strftime("%b %d")}</text>'
        f'<text x="{width}" y="{height - 2}" class="tick" text-anchor="end">{days[-1].strftime("%b %d")}</text>'
        f'<text x="0" y="10" class="tick">max {most}</text></svg>'
    )


def _period() -> Tuple[date, date]:
    today = datetime.utcnow().date()
    try:
        end = date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
        start = date.fromisoformat(request.args.get("start", "")) if request.args.get("start") else None
    except ValueError:
        end, start = today, None
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_DAYS - 1)), end


@blueprint.get("/dashboard")
@login_required
def dashboard_page():
    start, end = _period()
    channel = request.args.get("channel") or None
    if channel not in CHANNEL_CHOICES:
        channel = None
    with db() as dbs:
        found = figures(dbs, start, end, channel)
    charts = {name: bar_chart(LABELS.get(name, name), found.days, counts) for name, counts in found.by_day.items()}
    return render_template(
        "staff/dashboard.html",
        f=found,
        charts=charts,
        labels=LABELS,
        definitions=DEFINITIONS,
        outcomes=OUTCOMES,
        channels=CHANNEL_CHOICES,
        rate=_rate,
    )
