"""Custom actions, one module per concern; `rasa run actions` loads every module of this package.

Loading the package also starts the retry of spooled handoffs (clinic.handoffs.service), every
HANDOFF_SPOOL_RETRY_SECONDS (default 10; 0 turns it off, as the unit tests do).
"""

import os

from clinic.handoffs.service import SpoolFlusher

_RETRY_SECONDS = float(os.environ.get("HANDOFF_SPOOL_RETRY_SECONDS", "10"))
if _RETRY_SECONDS > 0:
    SpoolFlusher(interval_seconds=_RETRY_SECONDS).start()
