"""SMS by Twilio: `POST /webhooks/twilio/webhook`, signed, answered with TwiML in the response.

Rasa 3.6's own Twilio channel neither checks signatures nor shapes replies for SMS, and sends them
through Twilio's REST API. This channel:
- checks every request's X-Twilio-Signature with the `twilio` library's RequestValidator and
  TWILIO_AUTH_TOKEN (403 and nothing processed or logged otherwise); the URL checked is
  TWILIO_WEBHOOK_URL when set, else the request's own, with X-Forwarded-Proto/Host when
  TRUST_FORWARDED_HEADERS is on (behind a proxy);
- processes each MessageSid once (a Twilio retry gets the reply already given);
- answers the carrier keywords itself: STOP and friends opt out, START/UNSTOP opt in, HELP/INFO;
- sends nothing to an opted-out number;
- turns buttons into numbered options and maps a digit reply back to the option;
- replies with TwiML, at most 320 characters per <Message>, split at sentence ends.
Conversations are keyed by a hash of the number (clinic.sms.store), not the number itself.
The channel's own database calls (sender, MessageSid, options) run in a worker thread, so they never
hold up the server's event loop, which serves every other conversation of the replica meanwhile, and
they wait out a database restart (clinic.db_retry).
"""

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from clinic import db_retry, settings
from clinic.handoffs.contact import parse_phone
from clinic.sms import store
from clinic.sms.format import split, to_sms

logger = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}


async def in_thread(function: Callable, *args: Any) -> Any:
    """Runs a blocking call (a database transaction) in the default thread pool."""
    loop = asyncio.get_running_loop()
    return await db_retry.while_unreachable(
        lambda: loop.run_in_executor(None, functools.partial(function, *args)), "SMS channel"
    )


class SmsOutputChannel(CollectingOutputChannel):
    """Collects the bot's replies; named `twilio` so the domain's SMS-shaped responses are used."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"


def twiml(messages) -> str:
    reply = MessagingResponse()
    for text in messages:
        reply.message(text)
    return str(reply)


def keyword_reply(keyword: str) -> str:
    clinic = settings.clinic_details()
    if keyword in STOP_WORDS:
        return (f"You're unsubscribed from {clinic['clinic_name']} and will get no more messages. "
                "Reply START to resubscribe.")
    if keyword in START_WORDS:
        return f"You're resubscribed to {clinic['clinic_name']}. Reply HELP for help, STOP to opt out."
    return (f"{clinic['clinic_name']}: questions about ketamine infusion therapy. Call us at "
            f"{clinic['clinic_phone']} ({clinic['clinic_hours']}). In a crisis call or text "
            f"{clinic['crisis_line']}. Reply STOP to opt out.")


class TwilioSmsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = {key: request.form.get(key) for key in request.form}
            if not self._signed(request, params):
                return response.text("Forbidden", status=403)
            return response.text(await self._handle(params, on_new_message), content_type="application/xml")

        return webhook

    @staticmethod
    def _signed(request: Request, params: Dict[str, str]) -> bool:
        token = settings.twilio_auth_token()
        signature = request.headers.get("X-Twilio-Signature")
        if not token:
            logger.error("TWILIO_AUTH_TOKEN is not set: refusing every SMS webhook request")
            return False
        if not signature:
            return False
        return RequestValidator(token).validate(_public_url(request), params, signature)

    async def _handle(self, params: Dict[str, str], on_new_message) -> str:
        phone = parse_phone(params.get("From") or "") or (params.get("From") or "").strip()
        message_sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
        if not phone or not message_sid:
            return twiml([])
        sender = await in_thread(store.register, phone)
        earlier = await in_thread(store.claim, message_sid, sender.sender_id)
        if earlier is not None:
            # A retry: the reply already given, or nothing if the first delivery is still being answered.
            return earlier or twiml([])
        reply = await self._reply(sender, (params.get("Body") or "").strip(), on_new_message)
        await in_thread(store.save_reply, message_sid, reply)
        return reply

    async def _reply(self, sender, body: str, on_new_message) -> str:
        keyword = body.upper().strip(" .!")
        if keyword in STOP_WORDS:
            await in_thread(store.set_opted_out, sender.sender_id, True)
            return twiml(split(keyword_reply(keyword)))
        if keyword in START_WORDS:
            await in_thread(store.set_opted_out, sender.sender_id, False)
            return twiml(split(keyword_reply(keyword)))
        if sender.opted_out:
            return twiml([])
        if keyword in HELP_WORDS:
            return twiml(split(keyword_reply(keyword)))
        options = store.options_for(sender)
        if body.isdigit() and 1 <= int(body) <= len(options):
            body = options[int(body) - 1][1]
        collector = SmsOutputChannel()
        await on_new_message(UserMessage(body, collector, sender.sender_id, input_channel=self.name()))
        messages, new_options = to_sms(collector.messages)
        await in_thread(store.remember_options, sender.sender_id, new_options)
        return twiml(messages)


def _public_url(request: Request) -> str:
    configured = settings.twilio_webhook_url()
    if configured:
        return configured
    scheme, host = request.scheme, request.host
    if settings.trust_forwarded_headers():
        scheme = request.headers.get("X-Forwarded-Proto", scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", host).split(",")[0].strip()
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{scheme}://{host}{request.path}{query}"
