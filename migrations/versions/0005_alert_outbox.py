"""Alert outbox: one row per (handoff, event, channel), claimed by one sender at a time.

Revision ID: 0005_alert_outbox
Revises: 0004_staff_roles_sessions
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_alert_outbox"
down_revision = "0004_staff_roles_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("handoff_id", "event", "channel", name="uq_alert_outbox_handoff_event_channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dropped')", name="ck_alert_outbox_status"),
    )
    op.create_index("ix_alert_outbox_status_due_at", "alert_outbox", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_outbox_status_due_at", table_name="alert_outbox")
    op.drop_table("alert_outbox")
