"""Records put straight into a test database the way the servers write them: conversations through
Rasa's own tracker store, handoffs through the models; and the user messages read back."""

import asyncio
import json
import time
from datetime import timedelta
from typing import List, Optional, Sequence, Tuple

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.db import session_scope, utc_now
from clinic.handoffs.models import Handoff
from clinic.tracker_store import DatabaseUrlTrackerStore
from staff.conversations import EVENTS
from tests.handoff_db import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
DAY = 86400


def save_conversation(url: str, sender: str, days_ago_by_message: Sequence[Tuple[float, str]],
                      input_channel: Optional[object] = None) -> None:
    """A conversation through Rasa's own tracker store, one message per (age in days, text)."""
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=url)
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for days_ago, text in days_ago_by_message:
        at = time.time() - days_ago * DAY
        for event in [SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at),
                      UserUttered(text, intent={"name": "faq", "confidence": 0.9}, timestamp=at,
                                  input_channel=input_channel),
                      BotUttered("an answer", timestamp=at + 1)]:
            tracker.update(event)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def add_handoff(url: str, reference: str, days_ago: float, status: str, sender_id: Optional[str] = None,
                urgent: bool = False) -> None:
    with session_scope(url) as session:
        session.add(Handoff(reference=reference, idempotency_key=f"test:{reference}", channel="rest",
                            sender_id=sender_id or f"sender-{reference}", name="Sam Patient", phone="+14155550000",
                            email="sam@example.com", preferred_time="mornings",
                            reason="Accepted the staff offer after: is it safe with my meds?", topics="faq/dose",
                            urgent=urgent, consent=True, status=status,
                            created_at=utc_now() - timedelta(days=days_ago)))


def user_texts(url: str, sender: str) -> List[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender)
                                      .where(EVENTS.c.type_name == "user").order_by(EVENTS.c.id))
            return [json.loads(data)["text"] for (data,) in rows]
    finally:
        engine.dispose()
