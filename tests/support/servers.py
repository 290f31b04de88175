"""Starts the real action server and Rasa server on free ports, with a temporary database.

Rasa's HTTP API needs its token (RASA_API_TOKEN, else var/rasa-api-token: clinic.local_secrets), as
the project's other tools read it; `tracker()` reads a conversation with it."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, TypeVar

import requests

from clinic.local_secrets import rasa_api_token
from tests.handoff_db import copy_sqlite, delete_all_rows, migrate
from tests.support.ports import free_port
from tests.support.processes import Started, quiet_env, stop_group, wait_for_server

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# The Twilio auth token of the servers that modules share (tests/conftest.py: readme_run, bot_servers).
SHARED_TWILIO_TOKEN = "shared-test-token-" + uuid.uuid4().hex


class BotServers(Started):
    """`with BotServers(...) as bot:` starts both servers, and stops them after."""

    def __init__(self, model_path: str, workdir: Path, database_url: str, env: Optional[Dict[str, str]] = None):
        self.model_path = model_path
        self.workdir = workdir
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.database_url = database_url
        self.env = {
            **quiet_env(),
            "DATABASE_URL": database_url,
            "HANDOFF_SPOOL_DIR": str(workdir / "spool"),
            "HANDOFF_SPOOL_RETRY_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
            "ACTIONS_PORT": str(self.action_port),  # endpoints.yml reaches the action server there
            **(env or {}),
        }
        self._actions: Optional[subprocess.Popen] = None
        self._rasa: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        return subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start(self) -> None:
        migrate(self.database_url)
        self._actions = self._spawn(
            "actions", [PYTHON, "-m", "clinic.server", "run", "actions", "--port", str(self.action_port)]
        )
        self.start_rasa()
        self.wait_for(f"http://127.0.0.1:{self.action_port}/health", self._actions, "actions")

    def start_rasa(self) -> None:
        self._rasa = self._spawn(
            "rasa",
            [PYTHON, "-m", "clinic.server", "run", "--enable-api", "--credentials", "credentials.yml", "--endpoints",
             "endpoints.yml", "-m", self.model_path, "--port", str(self.rasa_port)],
        )
        self.wait_for(f"{self.url}/status?token={rasa_api_token()}", self._rasa, "rasa")

    def restart_rasa(self) -> None:
        stop_group(self._rasa)
        self.start_rasa()

    def stop(self) -> None:
        stop_group(self._rasa)
        stop_group(self._actions)

    def wait_for(self, url: str, process: subprocess.Popen, name: str, timeout: float = 300) -> None:
        wait_for_server(url, process, timeout, f"the {name} server", lambda: self.log(name))

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def send(self, sender: str, message: str) -> List[Dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> Dict:
        """The conversation as Rasa's HTTP API gives it (with the API token)."""
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", params={"token": rasa_api_token()},
                                timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, sender: str, message: str) -> str:
        """All the bot's reply texts to one message, joined."""
        return "\n".join(m.get("text", "") for m in self.send(sender, message))


def played_alone(bot: BotServers, folder: Path, play: Callable[[BotServers, str], T]) -> Tuple[T, str]:
    """Conversations played by `play(servers, database_url)` on servers already running on SQLite (the
    run's shared ones, tests/conftest.py bot_servers), their database emptied first so that it holds these
    conversations alone; then copied to `folder`. Returns what `play` returned and the copy's URL: what a
    test of a console page reads (the servers' own database goes on taking other tests' conversations)."""
    delete_all_rows(bot.database_url)
    played = play(bot, bot.database_url)
    url = f"sqlite:///{folder / 'clinic.db'}"
    copy_sqlite(bot.database_url, url)
    return played, url


def played_on(model_path: str, workdir: Path, database_url: str, play: Callable[["BotServers", str], T],
              env: Optional[Dict[str, str]] = None) -> T:
    """Conversations played by `play(servers, database_url)` on servers started for it, stopped after:
    what a test of a console page then reads from the database."""
    bot = BotServers(model_path, workdir, database_url, env=env)
    try:
        bot.start()
        return play(bot, database_url)
    finally:
        bot.stop()
