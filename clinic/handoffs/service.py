"""Recording handoffs: durable before the person is told, exactly once per idempotency key."""

import logging
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from clinic.handoffs import spool
from clinic.handoffs.database import session_scope
from clinic.handoffs.models import Handoff, utc_now
from clinic.handoffs.reference import new_reference

logger = logging.getLogger(__name__)


@dataclass
class HandoffRequest:
    idempotency_key: str
    channel: str
    sender_id: str
    reason: str
    topics: List[str] = field(default_factory=list)
    urgent: bool = False
    consent: bool = False
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    preferred_time: Optional[str] = None


@dataclass(frozen=True)
class HandoffReceipt:
    reference: str
    stored: bool  # True: in the database now; False: spooled, written as soon as it is back


def record_handoff(request: HandoffRequest, url: Optional[str] = None) -> HandoffReceipt:
    """Writes the handoff (or returns the one already written for this idempotency key)."""
    spooled = spool.find(request.idempotency_key)
    if spooled:
        return HandoffReceipt(spooled["reference"], stored=False)
    record = {**asdict(request), "reference": new_reference(), "created_at": utc_now().isoformat()}
    try:
        return HandoffReceipt(_write(record, url), stored=True)
    except SQLAlchemyError as error:
        spool.save(record)
        # No contact details in the log: the reference is enough to find the record.
        logger.warning(
            "Handoff database unavailable (%s); handoff %s spooled for retry",
            type(error).__name__,
            record["reference"],
        )
        return HandoffReceipt(record["reference"], stored=False)


def flush_spool(url: Optional[str] = None) -> int:
    """Writes spooled handoffs to the database; returns how many were written. Stops at an outage."""
    written = 0
    for path, record in spool.pending():
        try:
            _write(record, url)
        except SQLAlchemyError as error:
            logger.info("Handoff database still unavailable (%s)", type(error).__name__)
            break
        spool.remove(path)
        written += 1
    if written:
        logger.info("Wrote %d spooled handoff(s) to the database", written)
    return written


def _write(record: Dict, url: Optional[str]) -> str:
    """Inserts the record unless its idempotency key is already there; returns its reference."""
    existing = _reference_for_key(record["idempotency_key"], url)
    if existing:
        return existing
    values = dict(record)
    values["topics"] = ",".join(values["topics"])
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    try:
        with session_scope(url) as session:
            session.add(Handoff(**values))
        return values["reference"]
    except IntegrityError:
        # Written concurrently by a retry of the same action.
        existing = _reference_for_key(record["idempotency_key"], url)
        if existing:
            return existing
        raise


def _reference_for_key(idempotency_key: str, url: Optional[str]) -> Optional[str]:
    with session_scope(url) as session:
        return (
            session.query(Handoff.reference)
            .filter(Handoff.idempotency_key == idempotency_key)
            .scalar()
        )


class SpoolFlusher:
    """Retries spooled handoffs in the background until they are written."""

    def __init__(self, interval_seconds: float = 10.0, url: Optional[str] = None):
        self._interval = interval_seconds
        self._url = url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-spool", daemon=True)

    def start(self) -> "SpoolFlusher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                flush_spool(self._url)
            except Exception:  # keep retrying whatever happened
                logger.exception("Flushing the handoff spool failed")
