"""The widget's feedback on an answer: `POST /webhooks/feedback/answer` on the Rasa server (credentials.yml).

Body: `{"session_id": "<the widget's conversation id>", "answer_at": <the answer's time>, "helpful":
true|false, "comment": "what they were looking for" (optional)}`; the widget learns `answer_at` from the
answer itself (clinic.channels.socketio marks each FAQ answer it sends). Safe by default:
- only from ALLOWED_ORIGINS in a browser (clinic/cors.py), like the REST webhook;
- a conversation id is a capability: only the browser that holds it can name its answers, and only an
  FAQ answer that is in that conversation can be rated (clinic.feedback.store); the rest is copied from
  the conversation, never taken from the request;
- at most MAX_BODY bytes and a comment of MAX_COMMENT characters; PER_CONVERSATION requests a minute
  for one conversation id and FEEDBACK_RATE_LIMIT (default 120) from one address, then 429 (behind the
  production profile's nginx the address is nginx's unless Sanic is told to believe its forwarded
  header, so there the per-conversation limit is the one that counts);
- it never touches the conversation: a failure here is a 4xx/5xx to the widget and nothing else.
"""

import asyncio
import os
import time
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.db import session_scope
from clinic.feedback import store

MAX_BODY = 4096
PER_CONVERSATION = 20


class RateLimit:
    """At most `limit` calls per `window` seconds for each key (kept in this process)."""

    def __init__(self, limit: int, window: float = 60.0):
        self.limit, self.window = limit, window
        self.calls: Dict[str, Deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        calls = self.calls[key]
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            return False
        calls.append(now)
        if len(self.calls) > 10000:  # forget quiet addresses
            for quiet in [k for k, v in self.calls.items() if not v]:
                del self.calls[quiet]
        return True


def rate_limit() -> int:
    value = os.environ.get("FEEDBACK_RATE_LIMIT", "").strip()
    return int(value) if value.isdigit() else 120


def _save(sender_id: str, request: store.FeedbackRequest, rated: store.RatedAnswer) -> bool:
    with session_scope() as session:
        return store.record(session, sender_id, request.answer_at, rated, request)


class FeedbackInput(InputChannel):
    """Not a conversation channel: the endpoint the widget posts a 👍 / 👎 to."""

    @classmethod
    def name(cls) -> Text:
        return "feedback"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        feedback = Blueprint("answer_feedback", __name__)
        per_address, per_conversation = RateLimit(rate_limit()), RateLimit(PER_CONVERSATION)

        @feedback.route("/answer", methods=["POST"])
        async def answer(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY:
                return response.json({"error": f"at most {MAX_BODY} bytes"}, status=413)
            too_many = response.json({"error": "too many requests: try again in a minute"}, status=429)
            if not per_address.allow(request.remote_addr or request.ip or "unknown"):
                return too_many
            try:
                body = request.json
            except Exception:
                body = None
            parsed = store.parse_request(body)
            if isinstance(parsed, str):
                return response.json({"error": parsed}, status=400)
            if not per_conversation.allow(parsed.session_id):
                return too_many
            tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(parsed.session_id)
            events = [event.as_dict() for event in tracker.events] if tracker else []
            rated = store.find_answer(events, parsed.answer_at)
            if rated is None:
                return response.json({"error": "no such answer in this conversation"}, status=404)
            loop = asyncio.get_running_loop()
            first = await loop.run_in_executor(None, _save, parsed.session_id, parsed, rated)
            return response.json({"stored": True, "first": first})

        return feedback
