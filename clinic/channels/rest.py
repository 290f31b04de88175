"""The REST channel (`POST /webhooks/rest/webhook`) with its input checked before it reaches the bot.

Rasa's `RestInput` answers a body that is not a JSON object with a 500 and passes any value on as the
message. This subclass keeps its URL and reply format and adds:
- 400 with a reason for a body that is not a JSON object, a missing/invalid `sender`, a `message`
  that is not a string, or `metadata` that is not an object;
- 400 for a sender another channel owns (`sms-...`, the SMS channel's conversation ids): a REST
  client cannot write into a texter's conversation;
- the channel recorded is always `rest`, whatever `input_channel` the client sends;
- control characters removed (newlines and tabs kept);
- an empty or whitespace-only message turned into the fallback intent, so the person is asked to
  rephrase instead of getting an empty reply.
"""

import re
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from clinic.sms.store import SENDER_PREFIX as SMS_SENDER_PREFIX

MAX_SENDER_LENGTH = 128
OTHER_CHANNELS_PREFIXES = (SMS_SENDER_PREFIX,)
EMPTY_MESSAGE_PAYLOAD = "/nlu_fallback"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _json_object(request: Request) -> Dict[Text, Any]:
    try:
        body = request.json
    except InvalidUsage:
        raise InvalidUsage("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidUsage('Expected a JSON object: {"sender": "...", "message": "..."}.')
    return body


def clean_message(text: Text) -> Text:
    """The message as the bot should see it: no control characters, never empty."""
    cleaned = _CONTROL_CHARACTERS.sub("", text)
    return cleaned if cleaned.strip() else EMPTY_MESSAGE_PAYLOAD


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _json_object(req).get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage('"sender" must be a non-empty string identifying the conversation.')
        if len(sender) > MAX_SENDER_LENGTH:
            raise InvalidUsage(f'"sender" must be at most {MAX_SENDER_LENGTH} characters.')
        if sender.lower().startswith(OTHER_CHANNELS_PREFIXES):
            raise InvalidUsage(
                f'"sender" may not start with {", ".join(OTHER_CHANNELS_PREFIXES)}: '
                "those conversations belong to another channel."
            )
        return sender

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _json_object(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage('"message" must be a string.')
        return clean_message(message)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _json_object(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata" must be a JSON object.')
        return metadata
