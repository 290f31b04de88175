"""Server processes a test, the benchmark or the load test starts: the environment they run with,
starting and stopping them in a `with` block, waiting for a condition or for a server to answer, stopping
a process group, and the trained model they load."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Union

import requests

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


def answers(url: str, verify: Union[bool, str] = True,
            ready: Optional[Callable[[requests.Response], bool]] = None) -> bool:
    """True when `url` answers 200 (and `ready` finds the answer ready); False while nothing answers."""
    try:
        response = requests.get(url, timeout=2, verify=verify)
    except requests.RequestException:
        return False
    return response.status_code == 200 and (ready is None or ready(response))


def wait_for_server(url: str, process: Optional[subprocess.Popen], timeout: float, what: str,
                    log: Callable[[], str] = str, interval: float = 0.5, verify: Union[bool, str] = True,
                    ready: Optional[Callable[[requests.Response], bool]] = None) -> None:
    """Polls `url` until it answers (`answers`); fails at once if the server's `process` exits, and after
    `timeout` seconds, each time with the end of its `log()`."""

    def up() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode}): {log()[-3000:]}")
        return answers(url, verify, ready)

    try:
        wait_until(up, timeout, what, interval)
    except TimeoutError:
        raise RuntimeError(f"{what} did not answer {url} in {timeout:.0f}s: {log()[-3000:]}") from None


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
