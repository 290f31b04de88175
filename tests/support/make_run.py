"""`make run` itself, as the README says to start it, on free ports and a database of the test's own.

The path a user takes is the path tested: the Makefile's `run` target, the Procfile, honcho. Stopped
as a terminal's Ctrl-C stops it: SIGINT to the whole foreground process group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional

from tests.support.ports import free_port
from tests.support.processes import Started, stop_group

ROOT = Path(__file__).resolve().parents[2]
READY = "Ready: chat at "
# What a make target run from a test must not take from the test run's environment: the outer make's
# variables (MAKEFLAGS, MAKELEVEL...), and LOG_LEVEL, which Rasa's logging set-up writes into the
# environment of a test process that loaded a model (it silenced the Rasa server's INFO lines).
NOT_FROM_THE_TEST_RUN = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "LOG_LEVEL")


class MakeRun(Started):
    """`make run` in the project's root with ACTIONS_PORT / RASA_PORT / WEB_PORT chosen free (`with MakeRun(...)
    as run:` starts it and stops it after)."""

    def __init__(self, workdir: Path, env: Optional[Dict[str, str]] = None):
        self.workdir = workdir
        self.ports = {"ACTIONS_PORT": free_port(), "RASA_PORT": free_port(), "WEB_PORT": free_port()}
        self.database = f"sqlite:///{workdir / 'clinic.db'}"
        self.env = {
            **os.environ,
            **{name: str(port) for name, port in self.ports.items()},
            "DATABASE_URL": self.database,
            "HANDOFF_SPOOL_DIR": str(workdir / "spool"),
            **(env or {}),
        }
        for name in NOT_FROM_THE_TEST_RUN:
            self.env.pop(name, None)
        self.output_path = workdir / "make-run.log"
        self._process: Optional[subprocess.Popen] = None

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.ports['WEB_PORT']}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['RASA_PORT']}"

    def output(self) -> str:
        return self.output_path.read_text(errors="replace") if self.output_path.exists() else ""

    def start(self, timeout: float = 600) -> None:
        self._process = subprocess.Popen(
            ["make", "run"], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=open(self.output_path, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_for(READY, timeout)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until `text` is in make run's output (stopped, with the output, if make exits or time runs out)."""
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self._process.poll() is not None:
                raise RuntimeError(f"make run exited ({self._process.returncode}):\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"no {text!r} from make run in {timeout:.0f} s:\n{self.output()[-4000:]}")
            time.sleep(0.5)

    def make(self, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        """Another make target of the README, with the same settings (database, ports)."""
        return subprocess.run(["make", *args], cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C: SIGINT to make's process group, as a terminal sends it. Returns make's exit code."""
        assert self._process is not None
        os.killpg(self._process.pid, signal.SIGINT)
        return self._process.wait(timeout=timeout)

    def stop(self) -> None:
        stop_group(self._process, timeout=60, first=signal.SIGINT)


def make_target(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """A make target run as a person runs it in a terminal (not as part of the outer `make test`);
    a variable given as None in `env` is taken out of the environment."""
    merged = {**os.environ, **(env or {})}
    for name in NOT_FROM_THE_TEST_RUN:
        merged.pop(name, None)
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT,
                          env={k: v for k, v in merged.items() if v is not None},
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
