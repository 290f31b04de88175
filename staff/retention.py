"""Retention: conversations are deleted after a number of days; handoffs are kept, finished ones redacted.

What happens to each kind of record older than the retention period (docs/staff-console.md, "Retention"):
- conversation events (Rasa's `events` table): deleted;
- processed SMS message ids and the replies given (`sms_messages`): deleted;
- handoffs: kept, as the clinic's record that someone asked to be contacted and what staff did. Once a
  handoff is finished (booked or closed), its contact details (name, phone, email, preferred time), its
  reason (which may quote the person's question) and its conversation id (`sender_id`: for SMS a hash
  of the number, which would join it back to the number) are removed and `redacted_at` is set; the
  reference, dates, channel, topics, urgency and status history stay. Open handoffs (new, contacted)
  are never redacted: nobody waiting for a call is lost;
- SMS numbers (`sms_senders`): a number that opted out is kept (carriers require honouring it); any
  other number is deleted once its conversation is gone and it has not texted within the period;
- patients' feedback on answers (`answer_feedback`: their message, the answer, what they were looking
  for) and SMS ratings (`conversation_ratings`): deleted;
- the review inbox's decisions (`review_decisions`) are kept (the clinic's labelling work), with their
  example's personal details masked as the export masks them (staff.review_export.mask_personal);
- the staff audit log is kept.
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.db import utc_now
from clinic.feedback.models import AnswerFeedback, ConversationRating
from clinic.handoffs.models import Handoff
from clinic.handoffs.statuses import FINISHED
from clinic.sms.models import SmsMessage, SmsSender
from staff.accounts import audit
from staff.conversations import EVENTS, has_events
from staff.models import ReviewDecision

DEFAULT_RETENTION_DAYS = 365
REDACTED_REASON = "(removed after the retention period)"
REDACTED_SENDER = "(redacted)"


def retention_days() -> int:
    return int(os.environ.get("CONVERSATION_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS)))


@dataclass(frozen=True)
class PurgeResult:
    events_deleted: int
    conversations_affected: int
    sms_messages_deleted: int
    sms_numbers_deleted: int
    handoffs_redacted: int
    feedback_deleted: int = 0
    decisions_masked: int = 0


def purge(session: Session, days: int, username: str = "cli", now=None) -> PurgeResult:
    if days < 1:
        raise ValueError("The retention period must be at least 1 day.")
    cutoff = (now or utc_now()) - timedelta(days=days)
    cutoff_timestamp = cutoff.replace(tzinfo=timezone.utc).timestamp()
    events = conversations = 0
    if has_events(session):
        old = EVENTS.c.timestamp < cutoff_timestamp
        conversations = session.execute(sa.select(sa.func.count(sa.distinct(EVENTS.c.sender_id))).where(old)).scalar()
        events = session.execute(sa.delete(EVENTS).where(old)).rowcount
    sms = session.execute(sa.delete(SmsMessage).where(SmsMessage.received_at < cutoff)).rowcount
    forgotten = sa.and_(SmsSender.opted_out.is_(False), SmsSender.updated_at < cutoff)
    if has_events(session):
        conversation_left = sa.select(EVENTS.c.id).where(EVENTS.c.sender_id == SmsSender.sender_id).exists()
        forgotten = sa.and_(forgotten, ~conversation_left)
    numbers = session.execute(
        sa.delete(SmsSender).where(forgotten).execution_options(synchronize_session=False)
    ).rowcount
    redacted = session.execute(
        sa.update(Handoff)
        .where(Handoff.created_at < cutoff, Handoff.status.in_(FINISHED), Handoff.redacted_at.is_(None))
        .values(
            name=None,
            phone=None,
            email=None,
            preferred_time=None,
            reason=REDACTED_REASON,
            sender_id=REDACTED_SENDER,
            redacted_at=utc_now(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    # Handoffs redacted before sender ids were (an older version of this purge) lose theirs too.
    session.execute(
        sa.update(Handoff)
        .where(Handoff.redacted_at.is_not(None), Handoff.sender_id != REDACTED_SENDER)
        .values(sender_id=REDACTED_SENDER)
        .execution_options(synchronize_session=False)
    )
    feedback = session.execute(
        sa.delete(AnswerFeedback).where(AnswerFeedback.updated_at < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    feedback += session.execute(
        sa.delete(ConversationRating)
        .where(ConversationRating.asked_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    masked = _mask_old_decisions(session, cutoff)
    result = PurgeResult(events, conversations, sms, numbers, redacted, feedback, masked)
    audit(
        session,
        username,
        "purge_conversations",
        f"older than {days} days",
        f"{events} events ({conversations} conversations), {sms} SMS message ids, {numbers} SMS numbers "
        f"deleted; {redacted} finished handoffs redacted; {feedback} feedback rows deleted; {masked} review "
        "examples masked",
    )
    return result


def _mask_old_decisions(session: Session, cutoff: datetime) -> int:
    from staff.review_export import mask_personal

    names = [name for (name,) in session.query(Handoff.name).filter(Handoff.name.isnot(None)).distinct()]
    masked = 0
    for decision in session.query(ReviewDecision).filter(ReviewDecision.decided_at < cutoff):
        example = "\n".join(mask_personal(line, names) for line in decision.example.splitlines())
        note = mask_personal(decision.note, names) if decision.note else decision.note
        if (example, note) != (decision.example, decision.note):
            decision.example, decision.note = example, note
            masked += 1
    return masked


def cutoff_description(days: int, now: Optional[datetime] = None) -> str:
    return ((now or utc_now()) - timedelta(days=days)).isoformat(sep=" ", timespec="seconds") + " UTC"
