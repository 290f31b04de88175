"""CSV exports of the handoffs and the transcripts, safe to open in a spreadsheet."""

import csv
import io
from typing import Iterable, List, Optional, Sequence, Tuple

from sqlalchemy.orm import Session

from clinic.handoffs.models import Handoff
from staff.conversations import list_conversations, transcript

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HANDOFF_COLUMNS = [
    "reference",
    "created_at",
    "urgent",
    "kind",
    "status",
    "status_changed_by",
    "status_changed_at",
    "name",
    "phone",
    "email",
    "preferred_time",
    "reason",
    "topics",
    "channel",
    "sender_id",
    "consent",
]
TRANSCRIPT_COLUMNS = ["conversation", "time", "speaker", "channel", "text", "intent", "confidence"]


def safe_cell(value) -> str:
    """Text a spreadsheet shows as text: a cell starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Tuple[str, int]:
    """The CSV text and its number of data rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return out.getvalue(), count


def handoffs_csv(session: Session) -> Tuple[str, int]:
    handoffs = session.query(Handoff).order_by(Handoff.created_at, Handoff.id).all()
    return to_csv(HANDOFF_COLUMNS, ([getattr(h, column) for column in HANDOFF_COLUMNS] for h in handoffs))


def transcripts_csv(session: Session, sender_ids: Optional[List[str]] = None) -> Tuple[str, int]:
    if sender_ids is None:
        sender_ids = [c.sender_id for c in list_conversations(session, limit=10**9)]
    rows = []
    for sender_id in sender_ids:
        for entry in transcript(session, sender_id):
            if entry.kind == "session":
                continue
            confidence = f"{entry.confidence:.3f}" if entry.confidence is not None else ""
            speaker = "patient" if entry.kind == "user" else f"staff: {entry.staff}" if entry.staff else "assistant"
            rows.append(
                [
                    sender_id,
                    entry.at.isoformat(sep=" ", timespec="seconds"),
                    speaker,
                    entry.channel or "",
                    entry.text,
                    entry.intent or "",
                    confidence,
                ]
            )
    return to_csv(TRANSCRIPT_COLUMNS, rows)
