"""By SMS: one optional "Reply 1-5" at the end of a booking (clinic.channels.sms) or a takeover
(clinic.takeover.relay), never after each answer (every question would cost the texter a message).

`ask` records that the question was sent; the texter's next message is taken by `take_reply`: a digit
1-5 within RATING_HOURS is the rating (thanked, not passed to the assistant), anything else closes the
question and goes to the assistant as usual. Nothing waits for it: a texter who never answers has
lost nothing.
"""

import re
from datetime import timedelta
from typing import Optional

from clinic.db import session_scope, utc_now
from clinic.feedback.models import ConversationRating

QUESTION = "Optional: how helpful was this chat? Reply with a number from 1 (not at all) to 5 (very)."
THANKS = "Thank you for your rating."
RATING = re.compile(r"[1-5]")
RATING_HOURS = 24
# The responses that end a booking (actions/booking.py).
BOOKING_CONFIRMATIONS = {"utter_booking_logged", "utter_booking_logged_with_link", "utter_booking_spooled"}


def ask(sender_id: str, kind: str, channel: str = "sms") -> None:
    with session_scope() as session:
        session.query(ConversationRating).filter(ConversationRating.sender_id == sender_id).filter(
            ConversationRating.rating.is_(None)
        ).update({"closed": True}, synchronize_session=False)
        session.add(ConversationRating(sender_id=sender_id, channel=channel, kind=kind))


def take_reply(sender_id: str, body: str) -> Optional[int]:
    """The rating when `body` answers an open question; None otherwise (and the question is closed)."""
    with session_scope() as session:
        question = (
            session.query(ConversationRating)
            .filter(ConversationRating.sender_id == sender_id)
            .filter(ConversationRating.closed.is_(False))
            .order_by(ConversationRating.id.desc())
            .first()
        )
        if question is None:
            return None
        question.closed = True
        if RATING.fullmatch(body.strip()) and utc_now() - question.asked_at <= timedelta(hours=RATING_HOURS):
            question.rating = int(body.strip())
            question.rated_at = utc_now()
            return question.rating
        return None
