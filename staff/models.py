"""The staff console's own tables (schema: migrations/versions/0003_staff_console.py, 0004_staff_roles_sessions.py,
0007_feedback_and_review.py).

They live on the same declarative Base as the handoff log (`clinic.handoffs.models`), so one Alembic
history migrates everything the project owns.
"""

import sqlalchemy as sa

from clinic.db import Base, utc_now


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(100), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    password_changed_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    last_login_at = sa.Column(sa.DateTime)
    # `admin`: everything, plus the audit trail, exports of all transcripts or handoffs, accounts.
    # `staff`: the queue, conversations, search, unanswered questions, one transcript's export.
    role = sa.Column(sa.String(16), nullable=False, default="staff")

    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'staff')", name="ck_staff_users_role"),)


class StaffSession(Base):
    """One login: the cookie carries the row's id and a random token (only its hash is stored here).
    Ended by logout, a new password, disabling the account, STAFF_IDLE_MINUTES without a request or
    STAFF_SESSION_HOURS in all (staff.auth): the row is deleted and the cookie stops working."""

    __tablename__ = "staff_sessions"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    last_seen_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)


class LoginFailure(Base):
    """One failed login, by account name and address: the throttle counts recent rows (all workers)."""

    __tablename__ = "staff_login_failures"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utc_now, index=True)
    username = sa.Column(sa.String(100), nullable=False, index=True)
    ip = sa.Column(sa.String(64), nullable=False, index=True)


class HandoffStatusChange(Base):
    """Every move of a handoff through new -> contacted -> booked / closed: who, when, from what."""

    __tablename__ = "handoff_status_changes"

    id = sa.Column(sa.Integer, primary_key=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = sa.Column(sa.String(16), nullable=False)
    to_status = sa.Column(sa.String(16), nullable=False)
    changed_by = sa.Column(sa.String(100), nullable=False)
    changed_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)


class AuditEntry(Base):
    """What a staff member did (logins, status changes, exports, purges): never patient text."""

    __tablename__ = "staff_audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utc_now, index=True)
    username = sa.Column(sa.String(100), nullable=False)
    action = sa.Column(sa.String(50), nullable=False)
    target = sa.Column(sa.String(255), nullable=False, default="")
    detail = sa.Column(sa.Text, nullable=False, default="")
    ip = sa.Column(sa.String(64))


class ReviewDecision(Base):
    """A reviewer's decision on one group of the review inbox (staff/review.py): the group is its
    normalised text. `confirm` (the bot's topic was right), `relabel` (`topic` is the right one),
    `new_topic` (not in the article: goes to the out-of-scope examples, with `note`) or `ignore`.
    `make export-reviewed` turns the first three into training examples; the running bot never reads it."""

    __tablename__ = "review_decisions"

    id = sa.Column(sa.Integer, primary_key=True)
    group_key = sa.Column(sa.String(1000), nullable=False)
    example = sa.Column(sa.Text, nullable=False)
    decision = sa.Column(sa.String(16), nullable=False)
    topic = sa.Column(sa.String(255))
    note = sa.Column(sa.Text)
    decided_by = sa.Column(sa.String(100), nullable=False)
    decided_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)

    __table_args__ = (
        sa.UniqueConstraint("group_key", name="uq_review_decisions_group_key"),
        sa.CheckConstraint(
            "decision IN ('confirm', 'relabel', 'new_topic', 'ignore')", name="ck_review_decisions_decision"
        ),
    )
