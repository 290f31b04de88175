"""Records put straight into a test database the way the servers write them: conversations through
Rasa's own tracker store, handoffs through the models; and the user messages read back."""

import asyncio
import json
import time
from datetime import timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.db import session_scope, utc_now
from clinic.handoffs.models import Handoff
from clinic.tracker_store import DatabaseUrlTrackerStore
from staff.conversations import EVENTS
from tests.handoff_db import ROOT

# The domain the Rasa server runs with: domain.yml and the retrieval intents' answers.
DOMAIN = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
DAY = 86400


def save_tracker(url: str, tracker: DialogueStateTracker) -> None:
    """Stores a conversation's new events as the Rasa server does: through its tracker store."""
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    try:
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def save_conversation(url: str, sender: str, days_ago_by_message: Sequence[Tuple[float, str]],
                      input_channel: Optional[object] = None) -> None:
    """A conversation through Rasa's own tracker store, one message per (age in days, text)."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for days_ago, text in days_ago_by_message:
        at = time.time() - days_ago * DAY
        for event in [SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at),
                      UserUttered(text, intent={"name": "faq", "confidence": 0.9}, timestamp=at,
                                  input_channel=input_channel),
                      BotUttered("an answer", timestamp=at + 1)]:
            tracker.update(event)
    save_tracker(url, tracker)


def add_handoff(url: str, reference: str, days_ago: float, status: str, sender_id: Optional[str] = None,
                urgent: bool = False) -> None:
    with session_scope(url) as session:
        session.add(Handoff(reference=reference, idempotency_key=f"test:{reference}", channel="rest",
                            sender_id=sender_id or f"sender-{reference}", name="Sam Patient", phone="+14155550000",
                            email="sam@example.com", preferred_time="mornings",
                            reason="Accepted the staff offer after: is it safe with my meds?", topics="faq/dose",
                            urgent=urgent, consent=True, status=status,
                            created_at=utc_now() - timedelta(days=days_ago)))


def handoff_rows(url: str, sender: str) -> List[Dict[str, Any]]:
    """A conversation's handoffs, oldest first, each a dict of its columns."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                sa.text("SELECT * FROM handoffs WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    finally:
        engine.dispose()


def stored_events(url: str, sender: str) -> List[sa.engine.Row]:
    """A conversation's rows of the `events` table, in order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.select(EVENTS).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)).all()
    finally:
        engine.dispose()


def user_texts(url: str, sender: str) -> List[str]:
    return [json.loads(row.data)["text"] for row in stored_events(url, sender) if row.type_name == "user"]
