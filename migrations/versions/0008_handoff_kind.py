"""A handoff's kind: a request, a crisis, or a possible crisis for staff to read (issue 13).

Revision ID: 0008_handoff_kind
Revises: 0007_feedback_and_review
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_handoff_kind"
down_revision = "0007_feedback_and_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="request"))
        batch.create_check_constraint("ck_handoffs_kind", "kind IN ('request', 'crisis', 'possible_crisis')")
    # Until now only the crisis reply wrote an urgent handoff.
    op.execute("UPDATE handoffs SET kind = 'crisis' WHERE urgent")


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_constraint("ck_handoffs_kind", type_="check")
        batch.drop_column("kind")
