"""The handoff log: SQLAlchemy models owned by the project (schema changes: migrations/)."""

import sqlalchemy as sa

from clinic.db import Base, utc_now
from clinic.handoffs.kinds import KINDS, REQUEST
from clinic.handoffs.statuses import NEW, STATUSES


class Handoff(Base):
    """One request for the clinic's staff to get in touch, or to read a conversation that may be a crisis
    (`kind`: clinic/handoffs/kinds.py). Times are naive UTC."""

    __tablename__ = "handoffs"

    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(16), nullable=False, unique=True)
    idempotency_key = sa.Column(sa.String(200), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    channel = sa.Column(sa.String(32), nullable=False)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    name = sa.Column(sa.String(200))
    phone = sa.Column(sa.String(32))
    email = sa.Column(sa.String(320))
    preferred_time = sa.Column(sa.String(200))
    reason = sa.Column(sa.Text, nullable=False)
    topics = sa.Column(sa.Text, nullable=False, default="")
    urgent = sa.Column(sa.Boolean, nullable=False, default=False)
    kind = sa.Column(sa.String(16), nullable=False, default=REQUEST, server_default=REQUEST)
    consent = sa.Column(sa.Boolean, nullable=False, default=False)
    status = sa.Column(sa.String(16), nullable=False, default=NEW, index=True)
    status_changed_by = sa.Column(sa.String(100))
    status_changed_at = sa.Column(sa.DateTime)
    # Set when the retention purge removed the contact details of a finished handoff
    # (docs/staff-console.md, "Retention").
    redacted_at = sa.Column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{status}'" for status in STATUSES) + ")", name="ck_handoffs_status"
        ),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")", name="ck_handoffs_kind"),
    )
