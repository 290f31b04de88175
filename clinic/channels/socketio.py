"""The website widget's socket.io channel, open only to the clinic's site origins.

Two fixes over Rasa 3.6's SocketIOInput:
- it turns python-socketio's origin check off (`cors_allowed_origins=[]`), so any web page could open
  a conversation; here it is back on with ALLOWED_ORIGINS (clinic.settings): a connection from
  another origin is refused before it reaches the bot;
- with session persistence it calls `sio.enter_room` without awaiting it, which python-socketio 5.9+
  made a coroutine, so the browser never joins its session's room and never receives a reply; the
  `session_request` handler is replaced with one that awaits it.
"""

import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from clinic import settings


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.cors_allowed_origins = settings.allowed_origins()

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data or {}
            session_id = str(data.get("session_id") or "")[:64] or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        return blueprint
