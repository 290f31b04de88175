"""What the fault tests and the load test check afterwards, read straight from PostgreSQL.

- every user message a conversation sent is in its tracker (Rasa's `events` table), in order;
- every completed booking has exactly one handoff row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Dict, Iterable, List

import sqlalchemy as sa


def user_texts(database_url: str, sender_ids: Iterable[str]) -> Dict[str, List[str]]:
    """The user messages stored for each conversation, in the order they were stored."""
    wanted = list(sender_ids)
    stored: Dict[str, List[str]] = {sender: [] for sender in wanted}
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                        "AND sender_id = ANY(:senders) ORDER BY id"),
                {"senders": wanted},
            )
            for sender, data in rows:
                stored[sender].append(json.loads(data).get("text"))
    finally:
        engine.dispose()
    return stored


def handoffs_by_sender(database_url: str, sender_ids: Iterable[str]) -> Dict[str, List[str]]:
    """The references of the handoff rows of each conversation."""
    wanted = list(sender_ids)
    found: Dict[str, List[str]] = defaultdict(list)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, reference FROM handoffs WHERE sender_id = ANY(:senders) ORDER BY id"),
                {"senders": wanted},
            )
            for sender, reference in rows:
                found[sender].append(reference)
    finally:
        engine.dispose()
    return {sender: found.get(sender, []) for sender in wanted}


def is_in_order(sent: List[str], stored: List[str]) -> bool:
    """Every message sent appears in the stored list, in the order sent (stored may hold more)."""
    position = 0
    for text in stored:
        if position < len(sent) and text == sent[position]:
            position += 1
    return position == len(sent)
