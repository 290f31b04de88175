"""Texting the bot as Twilio delivers an SMS: form-encoded and signed with the account's auth token."""

import uuid
import xml.etree.ElementTree as ET
from typing import List, Optional

import requests
from twilio.request_validator import RequestValidator


class Phone:
    """One texting number talking to the bot's SMS webhook."""

    def __init__(self, bot, token: str, number: Optional[str] = None):
        self.token = token
        self.number = number or "+1415555" + str(uuid.uuid4().int)[:4]
        self.url = f"{bot.url}/webhooks/twilio/webhook"

    def post(self, body, sid=None, token=None, signed=True, timeout=60):
        params = {"From": self.number, "To": "+15550100199", "Body": body,
                  "MessageSid": sid or "SM" + uuid.uuid4().hex, "NumMedia": "0"}
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = RequestValidator(token or self.token).compute_signature(self.url, params)
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
