"""The SMS channel's records: senders (pseudonymous ids, opt-outs, options), processed messages."""

import hashlib
import hmac
import json
from typing import List, Optional

from sqlalchemy.exc import IntegrityError

from clinic import settings
from clinic.db import session_scope, utc_now
from clinic.sms.format import Option
from clinic.sms.models import SmsMessage, SmsSender

# Every SMS conversation id starts with it; no other channel may use such an id (clinic.channels.rest).
SENDER_PREFIX = "sms-"


def sender_id_for(phone: str, key: Optional[str] = None) -> str:
    """The conversation id of a number: a keyed hash, so trackers and logs never hold the number.
    `key`: SMS_SENDER_KEY (clinic.settings) unless given (a test of a server with its own key)."""
    digest = hmac.new((key or settings.sms_sender_key()).encode(), phone.encode(), hashlib.sha256).hexdigest()
    return f"{SENDER_PREFIX}{digest[:24]}"


def register(phone: str) -> SmsSender:
    sender_id = sender_id_for(phone)
    with session_scope() as session:
        sender = session.get(SmsSender, sender_id)
        if sender is None:
            sender = SmsSender(sender_id=sender_id, phone=phone, opted_out=False, last_options="[]")
            session.add(sender)
            try:
                session.flush()
            except IntegrityError:  # registered concurrently
                session.rollback()
                sender = session.get(SmsSender, sender_id)
        session.expunge(sender)
        return sender


def set_opted_out(sender_id: str, opted_out: bool) -> None:
    with session_scope() as session:
        sender = session.get(SmsSender, sender_id)
        sender.opted_out = opted_out
        sender.opted_out_at = utc_now() if opted_out else None


def remember_options(sender_id: str, options: List[Option]) -> None:
    with session_scope() as session:
        session.get(SmsSender, sender_id).last_options = json.dumps(options)


def options_for(sender: SmsSender) -> List[Option]:
    return [tuple(option) for option in json.loads(sender.last_options or "[]")]


def phone_for(sender_id: str) -> Optional[str]:
    with session_scope() as session:
        sender = session.get(SmsSender, sender_id)
        return sender.phone if sender else None


def claim(message_sid: str, sender_id: str) -> Optional[str]:
    """Records a MessageSid; returns None the first time, the reply given (or "") for a repeat."""
    try:
        with session_scope() as session:
            session.add(SmsMessage(message_sid=message_sid, sender_id=sender_id))
        return None
    except IntegrityError:
        with session_scope() as session:
            return session.get(SmsMessage, message_sid).reply or ""


def save_reply(message_sid: str, reply: str) -> None:
    with session_scope() as session:
        session.get(SmsMessage, message_sid).reply = reply
