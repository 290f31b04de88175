"""Shared secrets of the servers: from the environment, else (local use only) a random value under var/.

`make run` needs no configuration: the first process that asks for a secret that is not in the
environment creates it in a file under var/ (mode 0600, never committed), and every other process
and tool of the project reads the same file. The production profile refuses to start without the
real ones in the environment (production/profile.py).

- `RASA_API_TOKEN` (var/rasa-api-token): Rasa's HTTP API (`?token=`), clinic.server passes it to Rasa;
- `ACTION_SERVER_TOKEN` (var/action-server-token): the Rasa server sends it to the action server
  (endpoints.yml), which refuses calls without it (clinic.action_auth).
"""

import os
import secrets
from pathlib import Path

from clinic import settings

VAR_DIR = settings.PROJECT_ROOT / "var"


def file_secret(path: Path) -> str:
    """The random secret kept in `path`, created (64 hex characters, mode 0600) when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a temporary name, then linked into place: of several processes starting
        # at once, one secret wins and nobody reads a half-written file.
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def _secret(name: str, filename: str) -> str:
    return os.environ.get(name, "").strip() or file_secret(VAR_DIR / filename)


def rasa_api_token() -> str:
    """The token of Rasa's HTTP API (RASA_API_TOKEN, else var/rasa-api-token)."""
    return _secret("RASA_API_TOKEN", "rasa-api-token")


def action_server_token() -> str:
    """The shared secret between the Rasa server and the action server (ACTION_SERVER_TOKEN, else
    var/action-server-token)."""
    return _secret("ACTION_SERVER_TOKEN", "action-server-token")
