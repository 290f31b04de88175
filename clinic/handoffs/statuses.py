"""A handoff's status and the moves staff may make: new -> contacted -> booked / closed.

The database's check constraint is built from STATUSES (clinic/handoffs/models.py); migration 0001
spells the same list out, as a migration records the schema as it was then.
"""

from typing import Dict, Tuple

NEW = "new"
CONTACTED = "contacted"
BOOKED = "booked"
CLOSED = "closed"
STATUSES = (NEW, CONTACTED, BOOKED, CLOSED)
LABELS = {NEW: "New", CONTACTED: "Contacted", BOOKED: "Booked", CLOSED: "Closed"}
# Where a handoff may go next; booked and closed are final.
NEXT_STATUSES: Dict[str, Tuple[str, ...]] = {
    NEW: (CONTACTED, CLOSED),
    CONTACTED: (BOOKED, CLOSED),
    BOOKED: (),
    CLOSED: (),
}
OPEN = (NEW, CONTACTED)
FINISHED = (BOOKED, CLOSED)
