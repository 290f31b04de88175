"""Tables of the SMS channel (schema: migrations/versions/0002_sms.py).

`sms_senders` keeps each texting number once: its opt-out state (carriers require honouring it by
number) and the numbered options of the last reply. The conversation id in Rasa's tracker store is a
keyed hash of the number, so the number itself is stored only here and, if they book, in the handoff.
`sms_messages` remembers each Twilio MessageSid and the reply given, so a webhook Twilio retries is
processed once.
"""

import sqlalchemy as sa

from clinic.db import Base, utc_now


class SmsSender(Base):
    __tablename__ = "sms_senders"

    sender_id = sa.Column(sa.String(64), primary_key=True)
    phone = sa.Column(sa.String(32), nullable=False, unique=True)
    opted_out = sa.Column(sa.Boolean, nullable=False, default=False)
    opted_out_at = sa.Column(sa.DateTime)
    last_options = sa.Column(sa.Text, nullable=False, default="[]")
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utc_now, onupdate=utc_now)


class SmsMessage(Base):
    __tablename__ = "sms_messages"

    message_sid = sa.Column(sa.String(64), primary_key=True)
    sender_id = sa.Column(sa.String(64), nullable=False)
    received_at = sa.Column(sa.DateTime, nullable=False, default=utc_now)
    reply = sa.Column(sa.Text)
