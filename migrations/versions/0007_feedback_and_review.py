"""Patients' feedback on answers, SMS ratings and the review inbox's decisions (issue 17).

Revision ID: 0007_feedback_and_review
Revises: 0006_conversation_claims
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_feedback_and_review"
down_revision = "0006_conversation_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("answer_at", sa.Float, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("sender_id", "answer_at", name="uq_answer_feedback_answer"),
    )
    op.create_index("ix_answer_feedback_sender_id", "answer_feedback", ["sender_id"])
    op.create_index("ix_answer_feedback_created_at", "answer_feedback", ["created_at"])
    op.create_table(
        "conversation_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("asked_at", sa.DateTime, nullable=False),
        sa.Column("rating", sa.Integer),
        sa.Column("rated_at", sa.DateTime),
        sa.Column("closed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_conversation_ratings_sender_id", "conversation_ratings", ["sender_id"])
    op.create_index("ix_conversation_ratings_asked_at", "conversation_ratings", ["asked_at"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("group_key", sa.String(1000), nullable=False),
        sa.Column("example", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(255)),
        sa.Column("note", sa.Text),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("group_key", name="uq_review_decisions_group_key"),
        sa.CheckConstraint(
            "decision IN ('confirm', 'relabel', 'new_topic', 'ignore')", name="ck_review_decisions_decision"
        ),
    )


def downgrade() -> None:
    op.drop_table("review_decisions")
    op.drop_index("ix_conversation_ratings_asked_at", "conversation_ratings")
    op.drop_index("ix_conversation_ratings_sender_id", "conversation_ratings")
    op.drop_table("conversation_ratings")
    op.drop_index("ix_answer_feedback_created_at", "answer_feedback")
    op.drop_index("ix_answer_feedback_sender_id", "answer_feedback")
    op.drop_table("answer_feedback")
