"""Texting the bot as Twilio delivers an SMS: form-encoded and signed with the account's auth token."""

import uuid
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional, Tuple

import requests
from twilio.request_validator import RequestValidator


def sms_fields(number: str, body: str, sid: Optional[str] = None) -> Dict[str, str]:
    """The form fields Twilio posts for one incoming SMS."""
    return {"From": number, "To": "+15550100199", "Body": body, "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "NumMedia": "0"}


def twilio_signature(url: str, params: Dict[str, str], token: str) -> str:
    """X-Twilio-Signature of a webhook request, as Twilio computes it with the account's auth token."""
    return RequestValidator(token).compute_signature(url, params)


def signed_sms(url: str, token: str, number: str, body: str) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Form fields and headers of a Twilio webhook request for one incoming SMS."""
    params = sms_fields(number, body)
    return params, {"X-Twilio-Signature": twilio_signature(url, params, token)}


class Phone:
    """One texting number talking to the bot's SMS webhook."""

    def __init__(self, bot, token: str, number: Optional[str] = None):
        self.token = token
        # A million numbers: two tests of one run never share a conversation.
        self.number = number or f"+14155{uuid.uuid4().int % 10**6:06d}"
        self.url = f"{bot.url}/webhooks/twilio/webhook"

    def post(self, body, sid=None, token=None, signed=True, timeout=60):
        params = sms_fields(self.number, body, sid)
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = twilio_signature(self.url, params, token or self.token)
        return requests.post(self.url, data=params, headers=headers, timeout=timeout)

    def text(self, body, **kwargs) -> List[str]:
        """The SMS messages the bot answers with."""
        response = self.post(body, **kwargs)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/xml")
        return messages_of(response.text)


def messages_of(twiml: str) -> List[str]:
    messages = [m.text or "" for m in ET.fromstring(twiml).iter("Message")]
    for message in messages:
        assert len(message) <= 320
        assert "*" not in message and "/affirm" not in message
    return messages
