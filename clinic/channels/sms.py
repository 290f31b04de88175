"""SMS by Twilio: `POST /webhooks/twilio/webhook`, signed, answered with TwiML in the response.

Rasa 3.6's own Twilio channel neither checks signatures nor shapes replies for SMS, and sends them
through Twilio's REST API. This channel:
- checks every request's X-Twilio-Signature (over every posted field, empty ones included) with the
  `twilio` library's RequestValidator and TWILIO_AUTH_TOKEN (403 and nothing processed or logged
  otherwise); the URL checked is TWILIO_WEBHOOK_URL when set, else the request's own, with
  X-Forwarded-Proto/Host when TRUST_FORWARDED_HEADERS is on (behind a proxy);
- processes each MessageSid once (a Twilio retry gets the reply already given);
- answers the carrier keywords itself: STOP and friends opt out, START/UNSTOP opt in, HELP/INFO;
- sends nothing to an opted-out number; a crisis text from one still goes to the bot (recorded in
  the conversation, an urgent handoff for staff), its reply dropped;
- turns buttons into numbered options and maps a reply of ASCII digits back to the option (other
  text, `²` or `٣` included, goes to the bot as text);
- replies with TwiML, at most 320 characters per <Message>, split at sentence ends;
- after a booking's confirmation asks one optional "Reply 1-5" and takes a digit reply to it as the
  rating, thanked and not passed to the assistant (clinic.feedback.ratings);
- answers within SMS_REPLY_SECONDS (default 10; Twilio gives up after 15): if the database is slow or
  restarting, the person gets an honest "we are slow, call us / 988" reply while the message goes on
  being processed and stored in the background; a failure gets an apology with the clinic's phone,
  which a Twilio retry of the same MessageSid gets too (never an empty reply, never a 500).
Conversations are keyed by a hash of the number (clinic.sms.store), not the number itself.
The channel's own database calls (sender, MessageSid, options) run in a worker thread, so they never
hold up the server's event loop, which serves every other conversation of the replica meanwhile, and
they wait out a database restart (clinic.db_retry).
"""

import asyncio
import functools
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text
from urllib.parse import parse_qsl

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from clinic import crisis, db_retry, settings
from clinic.channels.rest import clean_message
from clinic.feedback import ratings
from clinic.handoffs.contact import parse_phone
from clinic.sms import store
from clinic.sms.format import split, to_sms
from clinic.sms.models import SmsMessage, SmsSender

logger = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}
OPTION_NUMBER = re.compile(r"[0-9]{1,2}")  # ASCII only: "²".isdigit() is True, int("²") fails
MAX_SID = SmsMessage.__table__.c.message_sid.type.length
MAX_PHONE = SmsSender.__table__.c.phone.type.length
# Messages being processed, also after their webhook was answered (kept so they are not collected).
_IN_BACKGROUND: Set[asyncio.Task] = set()


def reply_seconds() -> float:
    """How long the webhook may take before it answers with the holding reply (Twilio waits 15 s)."""
    return float(os.environ.get("SMS_REPLY_SECONDS", "10"))


async def in_thread(function: Callable, *args: Any) -> Any:
    """Runs a blocking call (a database transaction) in the default thread pool."""
    loop = asyncio.get_running_loop()
    return await db_retry.while_unreachable(
        lambda: loop.run_in_executor(None, functools.partial(function, *args)), "SMS channel"
    )


class SmsOutputChannel(CollectingOutputChannel):
    """Collects the bot's replies; named `twilio` so the domain's SMS-shaped responses are used. Keeps
    the names of the responses sent (`utter_action`), to know when a booking was confirmed."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: List[Text] = []

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if isinstance(message.get("utter_action"), str):
            self.responses.append(message["utter_action"])
        await super().send_response(recipient_id, message)


def twiml(messages) -> str:
    reply = MessagingResponse()
    for text in messages:
        reply.message(text)
    return str(reply)


def keyword_reply(keyword: str) -> str:
    clinic = settings.clinic_details()
    if keyword in STOP_WORDS:
        return (
            f"You're unsubscribed from {clinic['clinic_name']} and will get no more messages. "
            "Reply START to resubscribe."
        )
    if keyword in START_WORDS:
        return f"You're resubscribed to {clinic['clinic_name']}. Reply HELP for help, STOP to opt out."
    return (
        f"{clinic['clinic_name']}: questions about ketamine infusion therapy. Call us at "
        f"{clinic['clinic_phone']} ({clinic['clinic_hours']}). In a crisis call or text "
        f"{clinic['crisis_line']}. Reply STOP to opt out."
    )


def slow_reply() -> str:
    """While the database is slow or restarting: the message is kept and answered in the conversation."""
    clinic = settings.clinic_details()
    return (
        f"Sorry, our system is slow right now: we have your message but cannot answer it yet. Please text "
        f"again in a few minutes or call us at {clinic['clinic_phone']} ({clinic['clinic_hours']}). "
        f"In a crisis call or text {clinic['crisis_line']}, or call {clinic['emergency_number']}."
    )


def trouble_reply() -> str:
    clinic = settings.clinic_details()
    return (
        f"Sorry, something went wrong and I couldn't answer that. Please call us at {clinic['clinic_phone']} "
        f"({clinic['clinic_hours']}). In a crisis call or text {clinic['crisis_line']}, or call "
        f"{clinic['emergency_number']}."
    )


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
            params = _form_fields(request)
            if not self._signed(request, params):
                return response.text("Forbidden", status=403)
            return response.text(await self._answer(params, on_new_message), content_type="application/xml")

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

    async def _answer(self, params: Dict[str, str], on_new_message) -> str:
        """The reply within reply_seconds(): the bot's, or the holding reply while processing goes on."""
        task = asyncio.ensure_future(self._handle(params, on_new_message))
        _IN_BACKGROUND.add(task)
        task.add_done_callback(_IN_BACKGROUND.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), reply_seconds())
        except asyncio.TimeoutError:
            task.add_done_callback(_log_failure)
            logger.warning(
                "SMS not answered within %.0f s (database slow or unreachable): holding reply sent, "
                "the message is still being processed",
                reply_seconds(),
            )
            return twiml(split(slow_reply()))
        except Exception:
            logger.exception("An SMS could not be processed")
            return twiml(split(trouble_reply()))

    async def _handle(self, params: Dict[str, str], on_new_message) -> str:
        phone = parse_phone(params.get("From") or "") or (params.get("From") or "").strip()
        message_sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
        if not phone or not message_sid or len(phone) > MAX_PHONE or len(message_sid) > MAX_SID:
            logger.warning("SMS webhook without a usable From or MessageSid: nothing processed")
            return twiml([])
        sender = await in_thread(store.register, phone)
        earlier = await in_thread(store.claim, message_sid, sender.sender_id)
        if earlier is not None:
            # A retry: the reply already given, or the holding reply while the first is still being answered.
            return earlier or twiml(split(slow_reply()))
        try:
            reply = await self._reply(sender, params.get("Body") or "", on_new_message)
        except Exception:
            # Given (and kept for a retry of this MessageSid) instead of an error or an empty reply.
            logger.exception("SMS to conversation %s could not be answered", sender.sender_id)
            reply = twiml(split(trouble_reply()))
        await in_thread(store.save_reply, message_sid, reply)
        return reply

    async def _reply(self, sender, body: str, on_new_message) -> str:
        # Text, never a command: "/restart" or "/crisis" typed by anyone is not an intent.
        body = clean_message(body.strip().lstrip("/"))
        keyword = body.upper().strip(" .!")
        if keyword in STOP_WORDS:
            await in_thread(store.set_opted_out, sender.sender_id, True)
            return twiml(split(keyword_reply(keyword)))
        if keyword in START_WORDS:
            await in_thread(store.set_opted_out, sender.sender_id, False)
            return twiml(split(keyword_reply(keyword)))
        if sender.opted_out:
            if crisis.check(body).is_crisis:
                # Recorded and flagged to staff (the crisis rule's urgent handoff); the reply is not sent.
                await on_new_message(UserMessage(body, SmsOutputChannel(), sender.sender_id, input_channel=self.name()))
                logger.warning(
                    "Crisis text from an opted-out number (conversation %s): recorded and flagged "
                    "to staff, no reply sent",
                    sender.sender_id,
                )
            return twiml([])
        if keyword in HELP_WORDS:
            return twiml(split(keyword_reply(keyword)))
        if await in_thread(ratings.take_reply, sender.sender_id, body) is not None:
            return twiml([ratings.THANKS])
        options = store.options_for(sender)
        if OPTION_NUMBER.fullmatch(body) and 1 <= int(body) <= len(options):
            body = options[int(body) - 1][1]
        collector = SmsOutputChannel()
        await on_new_message(UserMessage(body, collector, sender.sender_id, input_channel=self.name()))
        messages, new_options = to_sms(collector.messages)
        if ratings.BOOKING_CONFIRMATIONS.intersection(collector.responses):
            messages.append(ratings.QUESTION)
            new_options = []  # a digit now answers the question, not an earlier choice
            await in_thread(ratings.ask, sender.sender_id, "booking")
        await in_thread(store.remember_options, sender.sender_id, new_options)
        return twiml(messages)


def _form_fields(request: Request) -> Dict[str, str]:
    """The posted fields, empty ones included: Twilio signs an empty Body (a picture without text)
    too, and Sanic's own form parsing drops empty fields, which would break the signature."""
    if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
        fields: Dict[str, str] = {}
        for key, value in parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True):
            fields.setdefault(key, value)
        return fields
    return {key: request.form.get(key) for key in request.form}


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error(
            "An SMS answered with the holding reply could not be processed afterwards", exc_info=task.exception()
        )


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
