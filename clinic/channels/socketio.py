"""The website widget's socket.io channel, open only to the clinic's site origins.

Fixes over Rasa 3.6's SocketIOInput:
- it turns python-socketio's origin check off (`cors_allowed_origins=[]`), so any web page could open
  a conversation; here it is back on with ALLOWED_ORIGINS (clinic.settings): a connection from
  another origin is refused before it reaches the bot;
- with session persistence it calls `sio.enter_room` without awaiting it, which python-socketio 5.9+
  made a coroutine, so the browser never joins its session's room and never receives a reply; the
  `session_request` handler is replaced with one that awaits it;
- it takes the conversation id from every message (`session_id`), so any connection could write into
  any conversation, another channel's included. Here a session id is what this server issues (32
  lowercase hex characters, a uuid4): a `session_request` naming anything else gets a new one, and a
  connection may send messages only for the session id confirmed to it (a page reload, a new
  connection, asks for its stored id again and gets it). A message naming another session id, or an
  odd one, is refused: nothing reaches the bot and the client gets a `session_refused` event.

It also follows each FAQ answer it sends with an `answer_sent` event (`{"answer_at": <the answer's
time>}`), so the widget can ask "Was this helpful?" about that answer (clinic.feedback).
"""

import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text, TypeGuard

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from clinic import settings
from clinic.channels.rest import clean_message
from clinic.intents import is_faq_answer

SESSION_ID = re.compile(r"[0-9a-f]{32}")
REFUSED_EVENT = "session_refused"
ANSWER_EVENT = "answer_sent"


def valid_session_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and SESSION_ID.fullmatch(value) is not None


class AnswerMarkingOutput(SocketIOOutput):
    """Rasa's socket.io output, telling the widget which messages are FAQ answers: after one, an
    `answer_sent` event with the answer's time (the widget renders any other key of a message as an
    unknown message type, so the mark is an event of its own)."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, text, **kwargs)
        timestamp = kwargs.get("timestamp")
        if is_faq_answer(kwargs.get("utter_action")) and isinstance(timestamp, (int, float)):
            await self.sio.emit(ANSWER_EVENT, {"answer_at": timestamp}, room=recipient_id)


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.cors_allowed_origins = settings.allowed_origins()
        # The session id confirmed to each connection (socket.io sid) of this process.
        confirmed: Dict[Text, Text] = {}

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else uuid.uuid4().hex
            confirmed[sid] = session_id  # before any await: a message sent right after finds it
            if self.session_persistence:
                await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            confirmed.pop(sid, None)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id") if self.session_persistence else sid
            message = data.get("message", "")
            if self.session_persistence and (not valid_session_id(session_id) or confirmed.get(sid) != session_id):
                await sio.emit(
                    REFUSED_EVENT,
                    {"reason": "Ask for a session first (session_request) and use the session id it confirms."},
                    room=sid,
                )
                return
            if not isinstance(message, str):
                await sio.emit(REFUSED_EVENT, {"reason": "The message must be text."}, room=sid)
                return
            metadata = data.get(self.metadata_key)
            await on_new_message(
                UserMessage(
                    clean_message(message),
                    AnswerMarkingOutput(sio, self.bot_message_evt),
                    session_id,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else {},
                )
            )

        return blueprint
