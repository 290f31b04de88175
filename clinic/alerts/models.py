"""The alert outbox (schema: migrations/versions/0005_alert_outbox.py). Times are naive UTC."""

import sqlalchemy as sa

from clinic.db import Base, utc_now

NEW_HANDOFF, ESCALATION = "new_handoff", "escalation"
PENDING, SENT, DROPPED = "pending", "sent", "dropped"


class AlertOutbox(Base):
    """One notification to send: one row per (handoff, event, channel), whatever retries or replicas."""

    __tablename__ = "alert_outbox"

    id = sa.Column(sa.Integer, primary_key=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    event = sa.Column(sa.String(16), nullable=False)
    channel = sa.Column(sa.String(16), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=PENDING)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    # Not sent before this time: now for a new handoff, later for an escalation or after a failure.
    due_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    # Set by the sender that claimed the row; another sender may take it only once this has passed.
    locked_until = sa.Column(sa.DateTime)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.String(500))
    sent_at = sa.Column(sa.DateTime)

    __table_args__ = (
        sa.UniqueConstraint("handoff_id", "event", "channel", name="uq_alert_outbox_handoff_event_channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dropped')", name="ck_alert_outbox_status"),
        sa.Index("ix_alert_outbox_status_due_at", "status", "due_at"),
    )
