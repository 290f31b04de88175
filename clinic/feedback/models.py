"""Feedback on one answer of the assistant (schema: migrations/versions/0007_feedback_and_review.py)."""

import sqlalchemy as sa

from clinic.db import Base, utc_now

MAX_COMMENT = 500


class AnswerFeedback(Base):
    """A patient's 👍 / 👎 on one answer: the message they sent, the answer they got (both copied from the
    conversation, never from the request), its topic and channel. One row per answer: the answer is the
    bot event of `sender_id` sent at `answer_at` (Rasa's event timestamp)."""

    __tablename__ = "answer_feedback"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    answer_at = sa.Column(sa.Float, nullable=False)
    channel = sa.Column(sa.String(16), nullable=False)
    message = sa.Column(sa.Text, nullable=False, default="")
    answer = sa.Column(sa.Text, nullable=False, default="")
    topic = sa.Column(sa.String(255), nullable=False, default="")
    helpful = sa.Column(sa.Boolean, nullable=False)
    # After a 👎: "What were you looking for?" (optional).
    comment = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utc_now, index=True)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)

    __table_args__ = (sa.UniqueConstraint("sender_id", "answer_at", name="uq_answer_feedback_answer"),)


class ConversationRating(Base):
    """By SMS, one optional "Reply 1-5" at the end of a booking or a takeover (clinic.feedback.ratings):
    the row is written when the question is sent (`asked_at`); the texter's next message fills `rating`
    if it is a digit 1-5, and any other message closes the question (`closed`)."""

    __tablename__ = "conversation_ratings"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(16), nullable=False)
    kind = sa.Column(sa.String(16), nullable=False)  # "booking" or "takeover"
    asked_at = sa.Column(sa.DateTime, nullable=False, default=utc_now, index=True)
    rating = sa.Column(sa.Integer)
    rated_at = sa.Column(sa.DateTime)
    closed = sa.Column(sa.Boolean, nullable=False, default=False)
