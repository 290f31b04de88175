"""Conversation claims: live takeover by staff (issue 16, item 3).

Revision ID: 0006_conversation_claims
Revises: 0005_alert_outbox
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_conversation_claims"
down_revision = "0005_alert_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("staff", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.Column("last_activity_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("sender_id", name="uq_conversation_claims_sender_id"),
    )


def downgrade() -> None:
    op.drop_table("conversation_claims")
