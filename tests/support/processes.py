"""Server processes a test, the benchmark or the load test starts: the environment they run with,
starting and stopping them in a `with` block, waiting for a condition, stopping a process group, and
the trained model they load."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional

from clinic.settings import QUIET_ENV

ROOT = Path(__file__).resolve().parents[2]


def quiet_env(**extra: str) -> Dict[str, str]:
    """This process's environment with QUIET_ENV and `extra` on top: for a server it starts."""
    return {**os.environ, **QUIET_ENV, **extra}


class Started:
    """For what a test starts and must stop (servers, `make run`, the production profile): `with x:` starts
    it and stops it afterwards, or at once when starting fails half-way (a server up, the other not)."""

    def start(self):
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def wait_until(condition, timeout: float, what: str, interval: float = 0.5):
    """Calls `condition` until it returns something true (returned), for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_group(process: Optional[subprocess.Popen], timeout: float = 30, first: int = signal.SIGTERM) -> None:
    """`first` (SIGTERM) to the process's own group (started with start_new_session=True), SIGKILL if
    it has not gone after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, first)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def newest_model(folder: Path = ROOT / "models", pattern: str = "*.tar.gz") -> Optional[Path]:
    """The model `make train` built for the current inputs (CLINIC_MODEL) when looking in this
    project's models/, else the newest file matching `pattern` in `folder`; None if there is none."""
    named = os.environ.get("CLINIC_MODEL")
    if folder == ROOT / "models" and named and Path(named).is_file():
        return Path(named)
    models = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
