"""The handoff queue: urgent first, then possible crises, then newest; staff move each one new -> contacted ->
booked / closed."""

from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.db import utc_now
from clinic.handoffs import kinds
from clinic.handoffs.models import Handoff
from clinic.handoffs.statuses import CLOSED, NEXT_STATUSES, OPEN
from staff.accounts import audit
from staff.models import HandoffStatusChange

# An urgent (crisis) handoff is closed only by an administrator: a colleague marks it contacted once
# someone has reached the person, so nobody closes a crisis unseen.
URGENT_CLOSE_REFUSED = (
    "Only an administrator can close an urgent (crisis) handoff: mark it contacted once someone has reached the person."
)


def next_statuses(handoff: Handoff, may_close_urgent: bool):
    """The statuses this handoff can move to for this staff member."""
    return [s for s in NEXT_STATUSES[handoff.status] if may_close_urgent or not (handoff.urgent and s == CLOSED)]


VIEWS = {"open": OPEN, "all": tuple(NEXT_STATUSES), **{status: (status,) for status in NEXT_STATUSES}}


class StatusChangeRefused(ValueError):
    pass


def queue(session: Session, view: str = "open") -> List[Handoff]:
    statuses = VIEWS.get(view, OPEN)
    return (
        session.query(Handoff)
        .filter(Handoff.status.in_(statuses))
        .order_by(
            Handoff.urgent.desc(),
            # A possible crisis waits for someone to read it before the requests to get in touch.
            sa.case((Handoff.kind == kinds.POSSIBLE_CRISIS, 0), else_=1),
            Handoff.created_at.desc(),
            Handoff.id.desc(),
        )
        .all()
    )


def history(session: Session, handoff_ids: List[int]) -> Dict[int, List[HandoffStatusChange]]:
    changes: Dict[int, List[HandoffStatusChange]] = {handoff_id: [] for handoff_id in handoff_ids}
    if handoff_ids:
        for change in (
            session.query(HandoffStatusChange)
            .filter(HandoffStatusChange.handoff_id.in_(handoff_ids))
            .order_by(HandoffStatusChange.id)
        ):
            changes[change.handoff_id].append(change)
    return changes


def change_status(
    session: Session,
    handoff_id: int,
    from_status: str,
    to_status: str,
    username: str,
    ip: Optional[str] = None,
    may_close_urgent: bool = True,
) -> Handoff:
    """Moves the handoff on, unless someone else moved it meanwhile or the move is not allowed."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise StatusChangeRefused("There is no such handoff.")
    if to_status not in NEXT_STATUSES.get(from_status, ()):
        raise StatusChangeRefused(f"A handoff cannot go from {from_status!r} to {to_status!r}.")
    if handoff.urgent and to_status == CLOSED and not may_close_urgent:
        raise StatusChangeRefused(URGENT_CLOSE_REFUSED)
    now = utc_now()
    # Compare-and-set: two staff members changing the same handoff cannot both win.
    updated = session.execute(
        sa.update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == from_status)
        .values(status=to_status, status_changed_by=username, status_changed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        session.refresh(handoff)
        raise StatusChangeRefused(
            f"{handoff.reference} is now {handoff.status!r} (changed by {handoff.status_changed_by}): nothing changed."
        )
    session.add(
        HandoffStatusChange(
            handoff_id=handoff_id, from_status=from_status, to_status=to_status, changed_by=username, changed_at=now
        )
    )
    audit(session, username, "handoff_status", handoff.reference, f"{from_status} -> {to_status}", ip=ip)
    session.refresh(handoff)
    return handoff
