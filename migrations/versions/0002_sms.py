"""SMS senders (opt-outs, numbered options) and processed Twilio messages.

Revision ID: 0002_sms
Revises: 0001_handoffs
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_sms"
down_revision = "0001_handoffs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_senders",
        sa.Column("sender_id", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(32), nullable=False, unique=True),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("opted_out_at", sa.DateTime),
        sa.Column("last_options", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sms_messages",
        sa.Column("message_sid", sa.String(64), primary_key=True),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("reply", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("sms_messages")
    op.drop_table("sms_senders")
