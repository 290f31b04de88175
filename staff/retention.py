"""Retention: conversations are deleted after a number of days; handoffs are kept, finished ones redacted.

What happens to each kind of record older than the retention period (README "Retention"):
- conversation events (Rasa's `events` table): deleted;
- processed SMS message ids and the replies given (`sms_messages`): deleted;
- handoffs: kept, as the clinic's record that someone asked to be contacted and what staff did. Once a
  handoff is finished (booked or closed), its contact details (name, phone, email, preferred time) and
  its reason (which may quote the person's question) are removed and `redacted_at` is set; the reference,
  dates, topics, urgency and status history stay. Open handoffs (new, contacted) are never redacted:
  nobody waiting for a call is lost;
- SMS opt-outs (`sms_senders`) are kept: carriers require honouring them;
- the staff audit log is kept.
"""

import os
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.handoffs.models import Handoff, utc_now
from clinic.sms.models import SmsMessage
from staff.accounts import audit
from staff.conversations import EVENTS, has_events
from staff.queue import BOOKED, CLOSED

DEFAULT_RETENTION_DAYS = 365
REDACTED_REASON = "(removed after the retention period)"


def retention_days() -> int:
    return int(os.environ.get("CONVERSATION_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS)))


@dataclass(frozen=True)
class PurgeResult:
    events_deleted: int
    conversations_affected: int
    sms_messages_deleted: int
    handoffs_redacted: int


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
    redacted = session.execute(
        sa.update(Handoff)
        .where(Handoff.created_at < cutoff, Handoff.status.in_((BOOKED, CLOSED)), Handoff.redacted_at.is_(None))
        .values(name=None, phone=None, email=None, preferred_time=None, reason=REDACTED_REASON,
                redacted_at=utc_now())
        .execution_options(synchronize_session=False)
    ).rowcount
    result = PurgeResult(events, conversations, sms, redacted)
    audit(session, username, "purge_conversations", f"older than {days} days",
          f"{events} events ({conversations} conversations), {sms} SMS message ids deleted; "
          f"{redacted} finished handoffs redacted")
    return result


def cutoff_description(days: int, now: Optional[object] = None) -> str:
    return ((now or utc_now()) - timedelta(days=days)).isoformat(sep=" ", timespec="seconds") + " UTC"
