"""Staff messages into a conversation, through the Rasa server, which owns the tracker and the channels.

The console (another process) posts `{"sender_id", "staff", "text", "note"}` to the Rasa server's
`POST /webhooks/staff/send` with `Authorization: Bearer <RASA_API_TOKEN>` (clinic.local_secrets: the
same token as Rasa's HTTP API; anyone without it gets 403). The Rasa server, under the conversation's
lock, stores the text as a bot event with metadata `{"staff": name}` (and `"takeover": note` for the
joined/returned notes; a form the conversation was in ends when the staff member joins), so the
transcript, search, CSV export and retention treat it like any other message, then sends it to the
patient: to the widget's socket.io room (the conversation id), or by
SMS through Twilio's REST API (clinic.takeover.sms_out; after the "returned" note, one optional
"Reply 1-5", clinic.feedback.ratings). A REST conversation has no way to be reached
and is only stored. The console's side is clinic.takeover.client (no Rasa import in the website).
"""

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic import local_secrets
from clinic.channels.socketio import CheckedSocketIOInput
from clinic.feedback import ratings
from clinic.sms.store import SENDER_PREFIX as SMS_SENDER_PREFIX
from clinic.takeover import sms_out
from clinic.takeover.client import MAX_TEXT, NOTES
from clinic.takeover.silence import in_thread

logger = logging.getLogger(__name__)


class StaffRelayInput(InputChannel):
    """Not a channel patients use: the Rasa server's endpoint for staff messages (credentials.yml)."""

    @classmethod
    def name(cls) -> Text:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        relay = Blueprint("staff_relay", __name__)

        @relay.route("/send", methods=["POST"])
        async def send(request: Request) -> HTTPResponse:
            presented = request.headers.get("Authorization", "")
            expected = f"Bearer {local_secrets.rasa_api_token()}"
            if not hmac.compare_digest(presented.encode(), expected.encode()):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            sender_id, staff, text, note = (body.get(k) for k in ("sender_id", "staff", "text", "note"))
            if (
                not isinstance(sender_id, str)
                or not isinstance(staff, str)
                or not isinstance(text, str)
                or not all(v.strip() for v in (sender_id, staff, text))
                or len(text) > MAX_TEXT
                or note not in (None, *NOTES)
            ):
                return response.json(
                    {
                        "error": "sender_id, staff and text (at most 2000 characters) are "
                        "required; note is joined, returned or absent"
                    },
                    status=400,
                )
            metadata = {"staff": staff, **({"takeover": note} if note else {})}
            agent = request.app.ctx.agent
            async with agent.lock_store.lock(sender_id):
                tracker = await agent.processor.get_tracker(sender_id)
                if note == "joined" and tracker.active_loop_name:
                    # The staff member takes over what the form was doing (asking for contact details):
                    # after the return the assistant does not ask its last question again.
                    tracker.update(ActiveLoop(None))
                    tracker.update(SlotSet(REQUESTED_SLOT, None))
                tracker.update(BotUttered(text, metadata=metadata))
                await agent.processor.save_tracker(tracker)
            delivered = await _deliver(
                request.app.ctx.input_channels, tracker.get_latest_input_channel(), sender_id, text
            )
            if note == "returned" and delivered == "sms":
                # The end of a takeover by SMS: one optional "Reply 1-5" (clinic.feedback.ratings).
                if await in_thread(sms_out.send, sender_id, ratings.QUESTION):
                    await in_thread(ratings.ask, sender_id, "takeover")
            return response.json({"stored": True, "delivered": delivered})

        return relay


async def _deliver(channels, patient_channel: Optional[str], sender_id: str, text: str) -> str:
    """Sends the text the way the patient last wrote: the widget's socket.io room or SMS."""
    if sender_id.startswith(SMS_SENDER_PREFIX):
        return "sms" if await in_thread(sms_out.send, sender_id, text) else "stored"
    for channel in channels:
        if (
            patient_channel == CheckedSocketIOInput.name()
            and isinstance(channel, CheckedSocketIOInput)
            and getattr(channel, "sio", None) is not None
        ):
            await SocketIOOutput(channel.sio, channel.bot_message_evt).send_text_message(sender_id, text)
            return "widget"
    return "stored"
