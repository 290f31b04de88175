"""The claim on a conversation (schema: migrations/versions/0006_conversation_claims.py)."""

import sqlalchemy as sa

from clinic.db import Base, utc_now


class ConversationClaim(Base):
    """A conversation a staff member has taken over. The row exists while the claim lasts: returning
    the conversation to the bot deletes it, and the unique `sender_id` refuses a second claim. The
    history (who claimed, wrote and returned when) is in the tracker and the audit trail."""

    __tablename__ = "conversation_claims"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, unique=True)
    staff = sa.Column(sa.String(100), nullable=False)
    claimed_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    # The staff member's last claim or message: TAKEOVER_IDLE_MINUTES after it, the bot takes over again.
    last_activity_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
