"""Recording handoffs: durable before the person is told, exactly once per idempotency key.

Where a handoff goes when it cannot be written at once:
- the database cannot be reached (`clinic.db_retry.is_unreachable`: connection refused or lost, a
  locked or missing database file, no pooled connection in time): the local spool, retried by the
  action server until it is written;
- a field does not fit its column (a list where text belongs, an over-long session id, NUL
  characters...): it is cut to length or replaced before the write, logged at ERROR with what was
  changed (never the values), and the record lands;
- the database refuses the record for any other reason (a clashing reference code, a schema that
  does not match): the dead-letter folder, logged at ERROR with the reason, shown on the staff
  console's queue page. One refused record never holds up the others.

A handoff written when the person asked for a person (before any contact details) is completed later
by `update_open`: the contact form's answers go into that same row (or its spool file), so one request
is one handoff and one alert. A flush that finds the row already written (by the other action server's
flusher, before the answers reached the file) brings the open row up to the file, and a file saved
again while it was being written stays for the next round.
"""

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from clinic.alerts import outbox as alert_outbox
from clinic.db import session_scope, utc_now
from clinic.db_retry import is_unreachable
from clinic.handoffs import kinds, spool, statuses
from clinic.handoffs.models import Handoff
from clinic.handoffs.reference import new_reference
from clinic.periodic import Periodic

logger = logging.getLogger(__name__)

COLUMNS = Handoff.__table__.columns
TEXT_FIELDS = ("channel", "sender_id", "name", "phone", "email", "preferred_time", "reason")
# What a missing or unusable required field becomes.
REPLACEMENTS = {"channel": "unknown", "sender_id": "unknown", "reason": "(no reason recorded)"}


@dataclass
class HandoffRequest:
    idempotency_key: str
    channel: str
    sender_id: str
    reason: str
    topics: List[str] = field(default_factory=list)
    urgent: bool = False
    kind: str = kinds.REQUEST
    consent: bool = False
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    preferred_time: Optional[str] = None


@dataclass(frozen=True)
class HandoffReceipt:
    reference: str
    stored: bool  # True: in the database now; False: spooled (or dead-lettered), staff see it all the same


class UnusableRecord(ValueError):
    """A record without what identifies it (idempotency key, reference): it can only be dead-lettered."""


def clean(record: Dict) -> Tuple[Dict, List[str]]:
    """The record with every field fitting its column, and what had to be changed (names, never values)."""
    changes: List[str] = []
    key, reference = record.get("idempotency_key"), record.get("reference")
    if not isinstance(key, str) or not key:
        raise UnusableRecord("the record has no idempotency key")
    if not isinstance(reference, str) or not 0 < len(reference) <= COLUMNS["reference"].type.length:
        raise UnusableRecord("the record has no usable reference code")
    cleaned: Dict[str, Any] = {"idempotency_key": key, "reference": reference}
    if len(key) > COLUMNS["idempotency_key"].type.length:
        # Still one row per key: a long key (an over-long sender id inside it) becomes its hash.
        cleaned["idempotency_key"] = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
        changes.append("idempotency_key too long: replaced by its hash")
    for name in TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            changes.append(f"{name} was a {type(value).__name__}, not text: replaced")
            value = REPLACEMENTS.get(name) or str(value)
        if value is not None and "\x00" in value:
            changes.append(f"{name} had NUL characters: removed")
            value = value.replace("\x00", "")
        if value is None and name in REPLACEMENTS:
            changes.append(f"{name} was missing: replaced")
            value = REPLACEMENTS[name]
        length = getattr(COLUMNS[name].type, "length", None)
        if value is not None and length and len(value) > length:
            changes.append(f"{name} longer than {length} characters: cut")
            value = value[:length]
        cleaned[name] = value
    topics = record.get("topics")
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, list) or not all(isinstance(topic, str) for topic in topics):
        changes.append("topics were not a list of text: replaced")
        topics = [str(topic) for topic in topics] if isinstance(topics, list) else []
    cleaned["topics"] = [topic.replace("\x00", "") for topic in topics]
    for flag in ("urgent", "consent"):
        value = record.get(flag, False)
        if not isinstance(value, bool):
            changes.append(f"{flag} was not true/false: read as {bool(value)}")
        cleaned[flag] = bool(value)
    kind = record.get("kind")
    if kind not in kinds.KINDS:
        if kind is not None:
            changes.append(f"kind was not one of {', '.join(kinds.KINDS)}: read from urgent")
        # A spool file written before handoffs had kinds: only the crisis reply's handoff was urgent.
        kind = kinds.CRISIS if cleaned["urgent"] else kinds.REQUEST
    cleaned["kind"] = kind
    try:
        created = datetime.fromisoformat(record.get("created_at"))  # type: ignore[arg-type]  # None: TypeError
    except (TypeError, ValueError):
        changes.append("created_at was not a date: set to now")
        created = utc_now()
    cleaned["created_at"] = created.isoformat()
    return cleaned, changes


def record_handoff(request: HandoffRequest, url: Optional[str] = None) -> HandoffReceipt:
    """Writes the handoff (or returns the one already written for this idempotency key)."""
    record, changes = clean({**asdict(request), "reference": new_reference(), "created_at": utc_now().isoformat()})
    if changes:
        logger.error(
            "Handoff %s had fields that do not fit the handoff log (%s); stored with them cut or replaced",
            record["reference"],
            "; ".join(changes),
        )
    spooled = spool.find(record["idempotency_key"])
    if spooled:
        return HandoffReceipt(spooled["reference"], stored=False)
    try:
        return HandoffReceipt(_write(record, url), stored=True)
    except SQLAlchemyError as error:
        if not is_unreachable(error):
            _dead_letter(record, _reason(error))
            return HandoffReceipt(record["reference"], stored=False)
        spool.save(record)
        # No contact details in the log: the reference is enough to find the record.
        logger.warning(
            "Handoff database unavailable (%s); handoff %s spooled for retry",
            type(error).__name__,
            record["reference"],
        )
        return HandoffReceipt(record["reference"], stored=False)


# What `update_open` may change in a handoff already written.
UPDATABLE = ("name", "phone", "email", "preferred_time", "reason", "topics", "consent")


def update_open(
    idempotency_key: str, changes: Dict[str, Any], reason_note: Optional[str] = None, url: Optional[str] = None
) -> Optional[HandoffReceipt]:
    """Writes `changes` (fields of UPDATABLE) into the handoff recorded under the key, if it is still
    open (new or contacted, not redacted), and adds `reason_note` to its reason; in the spool file if
    it is waiting there. None when there is no such handoff or the database cannot be reached: the
    caller then records a handoff of its own, so nothing is lost. No new alert: the handoff's alert
    went out when it was written (and alerts carry no contact details)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    waiting = spool.waiting(idempotency_key)
    if waiting is not None:
        try:
            record, _ = clean(_changed(waiting, changes, reason_note))
        except UnusableRecord:
            return None
        spool.save(record)
        return HandoffReceipt(record["reference"], stored=False)
    try:
        with session_scope(url) as session:
            handoff = _open_row(session, idempotency_key)
            if handoff is None:
                return None
            current = {
                "idempotency_key": handoff.idempotency_key,
                "reference": handoff.reference,
                "created_at": handoff.created_at.isoformat(),
                "topics": [topic for topic in (handoff.topics or "").split(",") if topic],
                "urgent": handoff.urgent,
                "kind": handoff.kind,
                "consent": handoff.consent,
                **{name: getattr(handoff, name) for name in TEXT_FIELDS},
            }
            record, cut = clean(_changed(current, changes, reason_note))
            if cut:
                logger.error("Handoff %s: answers cut or replaced to fit (%s)", handoff.reference, "; ".join(cut))
            _copy_updatable(record, handoff)
            return HandoffReceipt(handoff.reference, stored=True)
    except SQLAlchemyError as error:
        logger.warning("Handoff not updated (%s): recorded on its own instead", type(error).__name__)
        return None


def _open_row(session, idempotency_key: str) -> Optional[Handoff]:
    """The handoff written under the key if staff may still get more of it (open, not redacted), locked."""
    return (
        session.query(Handoff)
        .filter(
            Handoff.idempotency_key == idempotency_key,
            Handoff.status.in_(statuses.OPEN),
            Handoff.redacted_at.is_(None),
        )
        .with_for_update()
        .one_or_none()
    )


def _copy_updatable(record: Dict, handoff: Handoff) -> None:
    for name in UPDATABLE:
        setattr(handoff, name, ",".join(record[name]) if name == "topics" else record[name])


def _changed(record: Dict, changes: Dict[str, Any], reason_note: Optional[str]) -> Dict:
    changed = {**record, **changes}
    if reason_note and reason_note not in (changed.get("reason") or ""):
        changed["reason"] = f"{changed.get('reason') or ''}; {reason_note}".lstrip("; ")
    return changed


def flush_spool(url: Optional[str] = None) -> int:
    """Writes spooled handoffs to the database; returns how many were written. Stops at an outage;
    a record refused for any other reason goes to the dead-letter folder and the flush goes on."""
    written = 0
    for path, raw in spool.pending():
        try:
            if raw is None:
                raise UnusableRecord("the spool file is not a JSON record")
            record, changes = clean(raw)
        except UnusableRecord as unusable:
            _dead_letter(raw, str(unusable), path)
            continue
        if changes:
            logger.error(
                "Spooled handoff %s had fields that do not fit the handoff log (%s); cut or replaced",
                record["reference"],
                "; ".join(changes),
            )
        try:
            _write_spooled(record, url)
        except SQLAlchemyError as error:
            if is_unreachable(error):
                logger.info("Handoff database still unavailable (%s)", type(error).__name__)
                break
            _dead_letter(record, _reason(error), path)
            continue
        # A file `update_open` changed meanwhile (the form's answers) stays for the next round.
        if spool.remove_if_unchanged(path, raw):
            written += 1
    if written:
        logger.info("Wrote %d spooled handoff(s) to the database", written)
    return written


def _reason(error: SQLAlchemyError) -> str:
    """The database's own message, first line only: later lines (psycopg2's LINE, DETAIL) quote values."""
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"[:300]


def _dead_letter(record: Optional[Dict], reason: str, spooled=None) -> None:
    path = spool.dead_letter(record, reason, spooled)
    reference = (record or {}).get("reference", "?")
    logger.error(
        "Handoff %s refused (%s); kept in the dead-letter folder as %s for staff (queue page)",
        reference,
        reason,
        path.name,
    )


def _write_spooled(record: Dict, url: Optional[str]) -> None:
    """Inserts a spooled record, or brings the open handoff already written under its key up to it: the
    spool file is the newest word on its handoff (`update_open` may have added the form's answers to it
    after another flusher wrote the first version)."""
    if _write(record, url) != record["reference"]:
        return  # another handoff holds the key: the record that reached the database first stands
    with session_scope(url) as session:
        handoff = _open_row(session, record["idempotency_key"])
        if handoff is not None:
            _copy_updatable(record, handoff)


def _write(record: Dict, url: Optional[str]) -> str:
    """Inserts the record unless its idempotency key is already there; returns its reference."""
    existing = _reference_for_key(record["idempotency_key"], url)
    if existing:
        return existing
    columns = ("idempotency_key", "reference", *TEXT_FIELDS, "urgent", "kind", "consent")
    values = {name: record[name] for name in columns}
    values["topics"] = ",".join(record["topics"])
    values["created_at"] = datetime.fromisoformat(record["created_at"])
    try:
        with session_scope(url) as session:
            handoff = Handoff(**values)
            session.add(handoff)
            session.flush()
            # The alerts commit with the handoff (clinic.alerts): both durable, or neither.
            alert_outbox.enqueue(session, handoff)
        return values["reference"]
    except IntegrityError:
        # Written concurrently by a retry of the same action.
        existing = _reference_for_key(record["idempotency_key"], url)
        if existing:
            return existing
        raise


def _reference_for_key(idempotency_key: str, url: Optional[str]) -> Optional[str]:
    with session_scope(url) as session:
        return session.query(Handoff.reference).filter(Handoff.idempotency_key == idempotency_key).scalar()


def spool_flusher(interval_seconds: float = 10.0, url: Optional[str] = None) -> Periodic:
    """Retries spooled handoffs in the background until they are written."""
    return Periodic("handoff-spool", flush_spool, interval_seconds, url)
