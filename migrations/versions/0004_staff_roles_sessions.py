"""Staff console: roles, one row per login session (idle and total limits, ended on disable).

Accounts that exist before this migration become `admin`: until now every account could do
everything (audit trail, exports, accounts), so an upgrading clinic keeps the access it had and its
administrators can then demote accounts (`make staff-user USER=name ROLE=staff`). Accounts created
afterwards are `staff` unless ROLE=admin is given. The old per-account `session_token` column goes:
everyone logs in again once after the upgrade.

Revision ID: 0004_staff_roles_sessions
Revises: 0003_staff_console
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_staff_roles_sessions"
down_revision = "0003_staff_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="admin"))
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column("role", server_default=None, existing_type=sa.String(16), existing_nullable=False)
        batch.create_check_constraint("ck_staff_users_role", "role IN ('admin', 'staff')")
        batch.drop_column("session_token")
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(64)))
        batch.drop_constraint("ck_staff_users_role", type_="check")
        batch.drop_column("role")
