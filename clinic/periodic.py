"""One job run every few seconds in a background thread, started by clinic.server, never at import:
in the action server the handoff spool's retries and the alert sender, in the Rasa server the return
of idle takeover claims."""

import logging
import threading
from typing import Callable, Optional

logger = logging.getLogger(__name__)


class Periodic:
    """Calls `job(url)` every `interval_seconds` until stopped; a failure is logged and tried next time."""

    def __init__(
        self, name: str, job: Callable[[Optional[str]], object], interval_seconds: float, url: Optional[str] = None
    ):
        self._name, self._job, self._interval, self._url = name, job, interval_seconds, url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Periodic":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._job(self._url)
            except Exception:  # the database may be down: try again next time
                logger.exception("%s failed; trying again in %s s", self._name, self._interval)
