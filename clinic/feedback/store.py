"""Feedback on an answer: the request checked, the answer found in the conversation, the row written.

What is stored comes from the conversation itself: the answer is the bot message sent at `answer_at`
in the caller's own conversation, and it must be an FAQ answer (clinic.intents.is_faq_answer); the
message and topic are those of the patient's message before it. A request can only name an answer of
the conversation whose id it holds (the widget's session id, which only that browser knows), and one
answer has one row: voting again replaces the vote.
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

from sqlalchemy.orm import Session

from clinic.channels import channel_of, text_of
from clinic.db import utc_now
from clinic.feedback.models import MAX_COMMENT, AnswerFeedback
from clinic.intents import is_faq_answer, retrieval_intent

# The widget's conversation ids: what clinic.channels.socketio issues (a uuid4 in hex).
WIDGET_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Rasa's event timestamps and JSON's numbers are the same doubles; a little slack all the same.
SAME_TIME = 1e-3


@dataclass(frozen=True)
class FeedbackRequest:
    session_id: str
    answer_at: float
    helpful: bool
    comment: Optional[str]


def parse_request(body: Any) -> Union[FeedbackRequest, str]:
    """The request, or the reason it is refused."""
    if not isinstance(body, dict):
        return 'Expected a JSON object: {"session_id", "answer_at", "helpful", "comment"}.'
    session_id, answer_at, helpful, comment = (body.get(k) for k in ("session_id", "answer_at", "helpful", "comment"))
    if not isinstance(session_id, str) or not WIDGET_SESSION_ID.fullmatch(session_id):
        return '"session_id" must be the conversation id the chat was given.'
    if not isinstance(answer_at, (int, float)) or isinstance(answer_at, bool):
        return '"answer_at" must be the time of the answer (a number).'
    if not isinstance(helpful, bool):
        return '"helpful" must be true or false.'
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        return f'"comment" must be text of at most {MAX_COMMENT} characters.'
    cleaned = " ".join(comment.split()) if comment else None
    return FeedbackRequest(session_id, float(answer_at), helpful, cleaned or None)


@dataclass(frozen=True)
class RatedAnswer:
    message: str
    answer: str
    topic: str
    channel: str


def find_answer(events: Sequence[Dict[str, Any]], answer_at: float) -> Optional[RatedAnswer]:
    """The FAQ answer sent at `answer_at` among a conversation's events (Rasa's event dicts, in order),
    with the patient's message before it; None when there is no such answer."""
    last_user: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "user":
            last_user = event
        elif event.get("event") == "bot" and abs(float(event.get("timestamp") or 0) - answer_at) < SAME_TIME:
            if not is_faq_answer((event.get("metadata") or {}).get("utter_action")):
                return None
            return RatedAnswer(
                message=text_of(last_user),
                answer=text_of(event),
                topic=retrieval_intent(last_user.get("parse_data") or {}) or "",
                channel=channel_of(last_user) if last_user else "unknown",
            )
    return None


def record(session: Session, sender_id: str, answer_at: float, rated: RatedAnswer, request: FeedbackRequest) -> bool:
    """Writes (or replaces) the feedback on one answer; True when it is the first for that answer."""
    row = (
        session.query(AnswerFeedback)
        .filter(AnswerFeedback.sender_id == sender_id)
        .filter(AnswerFeedback.answer_at.between(answer_at - SAME_TIME, answer_at + SAME_TIME))
        .one_or_none()
    )
    first = row is None
    if row is None:
        row = AnswerFeedback(sender_id=sender_id, answer_at=answer_at)
        session.add(row)
    row.channel, row.message, row.answer, row.topic = rated.channel, rated.message, rated.answer, rated.topic
    row.helpful = request.helpful
    if request.comment or request.helpful:
        row.comment = request.comment  # a 👍 after a 👎 drops what the 👎 said
    row.updated_at = utc_now()
    return first


def feedback_rows(session: Session, sender_ids: Optional[List[str]] = None) -> List[AnswerFeedback]:
    query = session.query(AnswerFeedback).order_by(AnswerFeedback.id)
    if sender_ids is not None:
        query = query.filter(AnswerFeedback.sender_id.in_(sender_ids))
    return query.all()
