"""The alert outbox: rows written with the handoff, sent once by whichever sender claims them first."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.alerts import config, transports
from clinic.alerts.models import DROPPED, ESCALATION, NEW_HANDOFF, PENDING, SENT, AlertOutbox
from clinic.db import session_scope, utc_now
from clinic.handoffs import statuses
from clinic.handoffs.models import Handoff
from clinic.periodic import Periodic
from clinic.takeover import claims

logger = logging.getLogger(__name__)

# A claimed row belongs to its sender this long; a sender that died mid-send frees it when this passes.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=15)
BATCH = 20


def enqueue(session: Session, handoff: Handoff) -> None:
    """Adds the handoff's alerts to the session of the transaction that writes the handoff."""
    created = handoff.created_at or utc_now()
    alerts = [(NEW_HANDOFF, channel, created) for channel in config.channels()]
    if handoff.urgent:
        due = created + timedelta(minutes=config.escalate_minutes())
        alerts += [(ESCALATION, channel, due) for channel in config.channels(escalation=True)]
    for event, channel, due_at in alerts:
        session.add(
            AlertOutbox(
                handoff_id=handoff.id,
                event=event,
                channel=channel,
                status=PENDING,
                created_at=created,
                due_at=due_at,
                attempts=0,
            )
        )


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling up to 15 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def send_due(url: Optional[str] = None, now: Optional[datetime] = None) -> int:
    """Sends every alert that is due and not claimed by another sender; returns how many were sent.
    `now` (naive UTC) is the clock: tests pass their own."""
    now = now or utc_now()
    with session_scope(url) as session:
        due = [
            row_id
            for (row_id,) in session.execute(
                sa.select(AlertOutbox.id)
                .where(*_claimable(now))
                .order_by(AlertOutbox.due_at, AlertOutbox.id)
                .limit(BATCH)
            )
        ]
    return sum(_deliver(row_id, now, url) for row_id in due if _claim(row_id, now, url))


def _claimable(now: datetime) -> list:
    return [
        AlertOutbox.status == PENDING,
        AlertOutbox.due_at <= now,
        sa.or_(AlertOutbox.locked_until.is_(None), AlertOutbox.locked_until < now),
    ]


def _claim(row_id: int, now: datetime, url: Optional[str]) -> bool:
    """One conditional UPDATE: of several senders (threads, action-server replicas), exactly one gets the row."""
    with session_scope(url) as session:
        claimed = session.execute(
            sa.update(AlertOutbox)
            .where(AlertOutbox.id == row_id, *_claimable(now))
            .values(locked_until=now + LEASE, attempts=AlertOutbox.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return claimed == 1


def _finish(row_id: int, url: Optional[str], **values) -> None:
    with session_scope(url) as session:
        session.execute(
            sa.update(AlertOutbox)
            .where(AlertOutbox.id == row_id)
            .values(locked_until=None, **values)
            .execution_options(synchronize_session=False)
        )


def _deliver(row_id: int, now: datetime, url: Optional[str]) -> int:
    with session_scope(url) as session:
        row = session.get(AlertOutbox, row_id)
        handoff = session.get(Handoff, row.handoff_id)
        event, channel, attempts = row.event, row.channel, row.attempts
        if event == ESCALATION and (
            handoff.status != statuses.NEW or claims.holder(session, handoff.sender_id, now) is not None
        ):
            still_new = False  # moved on in the queue, or a staff member has taken the conversation over
        else:
            still_new = True
            alert = transports.Alert(
                event=event,
                reference=handoff.reference,
                urgent=handoff.urgent,
                kind=handoff.kind,
                topics=[topic for topic in (handoff.topics or "").split(",") if topic],
                created_at=handoff.created_at.isoformat(sep=" ", timespec="minutes"),
                console_url=f"{config.console_url()}/queue#handoff-{handoff.reference}",
                escalate_minutes=config.escalate_minutes(),
            )
    if not still_new:
        # Someone has taken the crisis handoff on (its status, or a live takeover): no second alert.
        _finish(row_id, url, status=DROPPED)
        return 0
    try:
        if channel == config.EMAIL:
            recipients = config.email_to()
            if event == ESCALATION:
                recipients += [a for a in config.escalate_to() if a not in recipients]
            transports.send_email(alert, recipients)
        else:
            transports.post_webhook(alert)
    except Exception as error:  # any failure: retry later, and show it on the queue page
        delay = retry_delay(attempts)
        reason = f"{type(error).__name__}: {error}"[:500]
        logger.warning(
            "Alert %s/%s for handoff %s failed (attempt %d, next in %ds): %s",
            event,
            channel,
            alert.reference,
            attempts,
            delay.total_seconds(),
            reason,
        )
        _finish(row_id, url, last_error=reason, due_at=now + delay)
        return 0
    _finish(row_id, url, status=SENT, sent_at=utc_now(), last_error=None)
    logger.info("Alert %s/%s for handoff %s sent", event, channel, alert.reference)
    return 1


@dataclass(frozen=True)
class Undelivered:
    reference: str
    urgent: bool
    event: str
    channel: str
    attempts: int
    last_error: str
    next_try: datetime


def undelivered(session: Session) -> List[Undelivered]:
    """Alerts that failed at least once and are still waiting for another try (the queue page shows them)."""
    rows = session.execute(
        sa.select(
            Handoff.reference,
            Handoff.urgent,
            AlertOutbox.event,
            AlertOutbox.channel,
            AlertOutbox.attempts,
            AlertOutbox.last_error,
            AlertOutbox.due_at,
        )
        .join(Handoff, Handoff.id == AlertOutbox.handoff_id)
        .where(AlertOutbox.status == PENDING, AlertOutbox.last_error.isnot(None))
        .order_by(Handoff.urgent.desc(), AlertOutbox.created_at.desc())
    )
    return [Undelivered(*row) for row in rows]


def alert_sender(interval_seconds: float, url: Optional[str] = None) -> Periodic:
    """Sends due alerts every `interval_seconds` in a background thread of the action server."""
    return Periodic("alert-sender", send_due, interval_seconds, url)
