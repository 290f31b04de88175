"""A staff message to a texter, by Twilio's REST API (the `twilio` library).

Needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (the webhook's token too) and TWILIO_FROM_NUMBER (the
clinic's sending number); TWILIO_API_BASE_URL points the library elsewhere than https://api.twilio.com
(a local stand-in in the tests). Nothing is sent to a number that opted out (STOP) or when sending is
not configured: the message is still in the conversation for the staff to see.
"""

import logging
import os

from twilio.rest import Client

from clinic import settings
from clinic.db import session_scope
from clinic.sms.format import split
from clinic.sms.models import SmsSender

logger = logging.getLogger(__name__)


def send(sender_id: str, text: str) -> bool:
    account_sid, from_number = os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_FROM_NUMBER")
    token = settings.twilio_auth_token()
    with session_scope() as session:
        sender = session.get(SmsSender, sender_id)
        phone, opted_out = (sender.phone, sender.opted_out) if sender else (None, True)
    if opted_out or not phone:
        logger.info("Staff message to SMS conversation %s stored, not sent (opted out or unknown)", sender_id)
        return False
    if not (account_sid and token and from_number):
        logger.warning(
            "Staff message to SMS conversation %s stored, not sent: set TWILIO_ACCOUNT_SID, "
            "TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER to send SMS",
            sender_id,
        )
        return False
    client = Client(account_sid, token)
    base_url = os.environ.get("TWILIO_API_BASE_URL", "").strip()
    if base_url:
        client.api.base_url = base_url
    for part in split(text):
        client.messages.create(to=phone, from_=from_number, body=part)
    return True
