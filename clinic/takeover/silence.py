"""The Rasa server keeps quiet in a conversation a staff member holds (clinic.takeover.claims).

Rasa's `MessageProcessor.handle_message` (run under the conversation's lock) is wrapped: for a claimed
conversation the message is understood (NLU, the crisis guard included) and stored in the tracker as
usual, followed by `action_listen` and nothing else, so no answer, no form prompt and no action-server
call; the tracker reads as if the bot had listened. A message the NLU marks `crisis` takes the normal
path at once (the crisis reply and the urgent handoff, which alerts the clinic) even during a takeover.
A claim idle for TAKEOVER_IDLE_MINUTES that clinic.takeover.idle has not ended yet is ended at the
patient's next message: they are told they are back with the assistant, and the bot answers that message.
Applied by clinic.server to the Rasa server (not the action server).
"""

import asyncio
import functools
import logging
from typing import Any, Callable, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered

from clinic import db_retry
from clinic.db import session_scope
from clinic.takeover import claims
from clinic.takeover.client import RETURNED_NOTE

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"


def _claim_state(sender_id: str):
    """(staff holding the conversation or None, staff whose idle claim was just ended or None)."""
    with session_scope() as session:
        return claims.state(session, sender_id)


async def in_thread(function: Callable, *args: Any) -> Any:
    """A blocking database call in the default thread pool, waiting out a database restart as the
    tracker store does (clinic.db_retry)."""
    loop = asyncio.get_running_loop()
    return await db_retry.while_unreachable(
        lambda: loop.run_in_executor(None, functools.partial(function, *args)), "Takeover"
    )


def apply() -> None:
    original = MessageProcessor.handle_message
    if getattr(original, "takeover_aware", False):
        return

    async def handle_message(self: MessageProcessor, message: UserMessage) -> Optional[Any]:
        holder, expired = await in_thread(_claim_state, message.sender_id)
        if expired:
            logger.info("Conversation %s: the idle claim of %s ended, back to the bot", message.sender_id, expired)
            tracker = await self.get_tracker(message.sender_id)
            tracker.update(BotUttered(RETURNED_NOTE, metadata={"staff": expired, "takeover": "returned"}))
            await self.save_tracker(tracker)
            await message.output_channel.send_text_message(message.sender_id, RETURNED_NOTE)
        if holder is None:
            return await original(self, message)
        message.parse_data = await self.parse_message(message)
        if (message.parse_data.get("intent") or {}).get("name") == CRISIS_INTENT:
            logger.warning("Conversation %s: crisis message during a takeover, crisis reply sent", message.sender_id)
            return await original(self, message)
        tracker = await self.log_message(message, should_save_tracker=False)
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await self.save_tracker(tracker)
        return [] if isinstance(message.output_channel, CollectingOutputChannel) else None

    handle_message.takeover_aware = True  # type: ignore[attr-defined]  # marks the patch as applied (apply() is idempotent)
    MessageProcessor.handle_message = handle_message
