"""Who holds which conversation, in the database (every process, every restart sees the same).

A claim is a `conversation_claims` row; the unique `sender_id` makes two claims at once end with one
winner (the other's INSERT fails). A claim whose staff member has done nothing for
TAKEOVER_IDLE_MINUTES (default 15) no longer counts: the next look at the conversation (the patient's
message, or clinic.takeover.idle's periodic check) deletes it (a conditional DELETE, so only one
process does) and the bot answers again.
"""

import os
from datetime import datetime, timedelta
from typing import Dict, Iterable, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.db import utc_now
from clinic.takeover.models import ConversationClaim
from staff.models import AuditEntry  # the console's audit trail: an idle return is a return too

C = ConversationClaim


class AlreadyClaimed(Exception):
    def __init__(self, staff: str):
        super().__init__(f"{staff} has already taken over this conversation.")
        self.staff = staff


def idle_limit() -> timedelta:
    return timedelta(minutes=float(os.environ.get("TAKEOVER_IDLE_MINUTES", "15")))


def idle_cutoff(now: Optional[datetime] = None) -> datetime:
    """A claim whose last activity is before this is idle."""
    return (now or utc_now()) - idle_limit()


def expire_idle(session: Session, sender_id: str, now: Optional[datetime] = None) -> Optional[str]:
    """Deletes the conversation's claim if it has been idle too long (an audit row in the same
    transaction); the staff member's name if so."""
    cutoff = idle_cutoff(now)
    staff = session.execute(sa.select(C.staff).where(C.sender_id == sender_id, C.last_activity_at < cutoff)).scalar()
    if staff is None:
        return None
    deleted = session.execute(
        sa.delete(ConversationClaim).where(C.sender_id == sender_id, C.staff == staff, C.last_activity_at < cutoff)
    ).rowcount
    if not deleted:
        return None
    session.add(
        AuditEntry(
            username=staff,
            action="takeover_idle_return",
            target=sender_id,
            detail=f"no activity for {idle_limit().total_seconds() / 60:g} minutes",
        )
    )
    return staff


def holder(session: Session, sender_id: str, now: Optional[datetime] = None) -> Optional[str]:
    """The staff member holding the conversation (an idle claim does not count), or None."""
    cutoff = idle_cutoff(now)
    return session.execute(sa.select(C.staff).where(C.sender_id == sender_id, C.last_activity_at >= cutoff)).scalar()


def state(session: Session, sender_id: str, now: Optional[datetime] = None) -> Tuple[Optional[str], Optional[str]]:
    """(the staff member holding the conversation, the staff member whose idle claim this call ended):
    one SELECT for a conversation nobody holds or whose claim is active, as nearly every message's is."""
    now = now or utc_now()
    row = session.execute(
        sa.select(C.staff, C.last_activity_at >= idle_cutoff(now)).where(C.sender_id == sender_id)
    ).first()
    if row is None:
        return None, None
    staff, active = row
    return (staff, None) if active else (None, expire_idle(session, sender_id, now))


def holders(session: Session, sender_ids: Iterable[str], now: Optional[datetime] = None) -> Dict[str, str]:
    """Conversation id -> the staff member holding it, for those of `sender_ids` that are taken over."""
    cutoff = idle_cutoff(now)
    return dict(
        session.execute(
            sa.select(C.sender_id, C.staff).where(C.sender_id.in_(list(sender_ids)), C.last_activity_at >= cutoff)
        ).all()
    )


def claim(session: Session, sender_id: str, staff: str, now: Optional[datetime] = None) -> None:
    """Claims the conversation for `staff` (committed at once), or raises AlreadyClaimed."""
    now = now or utc_now()
    expire_idle(session, sender_id, now)
    current = holder(session, sender_id, now)
    if current is not None:
        raise AlreadyClaimed(current)
    session.add(ConversationClaim(sender_id=sender_id, staff=staff, claimed_at=now, last_activity_at=now))
    try:
        session.commit()
    except IntegrityError:
        # Someone claimed it between our look and our INSERT: the unique sender_id kept one of us.
        session.rollback()
        raise AlreadyClaimed(holder(session, sender_id, now) or "Another staff member") from None


def touch(session: Session, sender_id: str, staff: str, now: Optional[datetime] = None) -> bool:
    """Marks the staff member active in the conversation; False if they no longer hold it."""
    now = now or utc_now()
    return (
        session.execute(
            sa.update(ConversationClaim)
            .where(
                C.sender_id == sender_id,
                C.staff == staff,
                C.last_activity_at >= idle_cutoff(now),
            )
            .values(last_activity_at=now)
        ).rowcount
        == 1
    )


def release(session: Session, sender_id: str, staff: str) -> bool:
    """Returns the conversation to the bot; False if `staff` did not hold it."""
    return session.execute(sa.delete(ConversationClaim).where(C.sender_id == sender_id, C.staff == staff)).rowcount == 1
