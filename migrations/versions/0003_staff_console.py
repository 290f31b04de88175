"""Staff console: staff accounts, login throttling, handoff status history, audit log, redaction.

Revision ID: 0003_staff_console
Revises: 0002_sms
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_staff_console"
down_revision = "0002_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("password_changed_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
        sa.Column("session_token", sa.String(64)),
    )
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
    )
    op.create_index("ix_staff_login_failures_at", "staff_login_failures", ["at"])
    op.create_index("ix_staff_login_failures_username", "staff_login_failures", ["username"])
    op.create_index("ix_staff_login_failures_ip", "staff_login_failures", ["ip"])
    op.create_table(
        "handoff_status_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_handoff_status_changes_handoff_id", "handoff_status_changes", ["handoff_id"])
    op.create_table(
        "staff_audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(64)),
    )
    op.create_index("ix_staff_audit_log_at", "staff_audit_log", ["at"])
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("redacted_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("redacted_at")
    op.drop_index("ix_staff_audit_log_at", table_name="staff_audit_log")
    op.drop_table("staff_audit_log")
    op.drop_index("ix_handoff_status_changes_handoff_id", table_name="handoff_status_changes")
    op.drop_table("handoff_status_changes")
    op.drop_index("ix_staff_login_failures_ip", table_name="staff_login_failures")
    op.drop_index("ix_staff_login_failures_username", table_name="staff_login_failures")
    op.drop_index("ix_staff_login_failures_at", table_name="staff_login_failures")
    op.drop_table("staff_login_failures")
    op.drop_table("staff_users")
