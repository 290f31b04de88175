"""Idle claims go back to the bot by themselves, even if the patient sends nothing.

Every TAKEOVER_IDLE_CHECK_SECONDS (default 30; 0: only at the patient's next message, as
clinic.takeover.silence does anyway) a background thread of the Rasa server (clinic.periodic, started
by clinic.server) ends each claim idle for TAKEOVER_IDLE_MINUTES (the same conditional DELETE as at a
patient's message, so of several processes exactly one does it) and tells the patient through the
relay, as "return to the bot" does: stored in the conversation, and sent to the widget's socket.io room
or by SMS through Twilio's REST API.
"""

import logging
from datetime import datetime
from typing import List, Optional

import requests
import sqlalchemy as sa

from clinic import settings
from clinic.db import session_scope
from clinic.periodic import Periodic
from clinic.takeover import claims
from clinic.takeover import client as relay
from clinic.takeover.client import RETURNED_NOTE
from clinic.takeover.models import ConversationClaim

logger = logging.getLogger(__name__)


def check_interval_seconds() -> float:
    return settings.number("TAKEOVER_IDLE_CHECK_SECONDS", 30.0)


def idle_conversations(now: Optional[datetime] = None) -> List[str]:
    """The conversations whose claim has been idle for TAKEOVER_IDLE_MINUTES."""
    cutoff = claims.idle_cutoff(now)
    with session_scope() as session:
        return list(
            session.execute(
                sa.select(ConversationClaim.sender_id).where(ConversationClaim.last_activity_at < cutoff)
            ).scalars()
        )


def return_idle(rasa_url: Optional[str] = None, now: Optional[datetime] = None) -> List[str]:
    """Ends the idle claims and tells each patient; the conversations returned. `rasa_url`: the Rasa server that sends
    the note (default: clinic.takeover.client's); `now` (naive UTC): tests pass their own clock."""
    idle = idle_conversations(now)
    if not idle:
        return []
    base = rasa_url or relay.rasa_internal_url()
    try:
        requests.get(base + "/", timeout=5).raise_for_status()
    except requests.RequestException:
        # Not answering yet (starting): the claims stay until it does, so no note is lost.
        logger.info("Idle claims wait: the Rasa server at %s does not answer yet", base)
        return []
    returned = []
    for sender_id in idle:
        with session_scope() as session:
            staff = claims.expire_idle(session, sender_id, now)
        if staff is None:
            continue  # active again, or another process returned it first
        logger.info("Conversation %s: the idle claim of %s ended, back to the bot", sender_id, staff)
        try:
            relay.send(sender_id, staff, RETURNED_NOTE, note="returned", rasa_url=base)
        except relay.RelayFailed as failed:
            logger.warning("Conversation %s is back with the bot, but the patient was not told: %s", sender_id, failed)
        returned.append(sender_id)
    return returned


def idle_returner(interval_seconds: float, rasa_url: str) -> Periodic:
    """Returns idle claims every `interval_seconds` in a background thread of the Rasa server."""
    return Periodic("takeover-idle", lambda _url: return_idle(rasa_url), interval_seconds)
