"""The last line of `make run`: waits until the action server, the Rasa server and the website answer,
then says in one line where each is and where conversations are kept.

A Procfile process of its own (honcho stops everything when one process ends): after the line it
waits until honcho stops it; if a server has not answered within READY_TIMEOUT_SECONDS it says which
and exits, and honcho stops the others.
"""

import os
import signal
import sys
import time
from typing import Dict

import requests
from sqlalchemy.engine import make_url

from clinic import settings


def health_urls() -> Dict[str, str]:
    return {
        "action server": f"http://127.0.0.1:{settings.port('ACTIONS_PORT', 5055)}/health",
        "Rasa server": f"http://127.0.0.1:{settings.port('RASA_PORT', 5005)}/",
        "website": f"http://127.0.0.1:{settings.port('WEB_PORT', 8000)}/healthz",
    }


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def where_conversations_are() -> str:
    url = make_url(settings.database_url())
    if url.get_backend_name() == "sqlite":
        return f"{url.database} (SQLite)"
    return url.render_as_string(hide_password=True)


def ready_line() -> str:
    web = f"http://localhost:{settings.port('WEB_PORT', 8000)}"
    rest = f"http://localhost:{settings.port('RASA_PORT', 5005)}/webhooks/rest/webhook"
    return (
        f"Ready: chat at {web}/ | REST API at {rest} | staff console at {web}/staff"
        f" | conversations stored in {where_conversations_are()}"
    )


def main() -> int:
    timeout = float(os.environ.get("READY_TIMEOUT_SECONDS") or 600)
    deadline = time.monotonic() + timeout
    waiting = dict(health_urls())
    while waiting:
        waiting = {name: url for name, url in waiting.items() if not _answers(url)}
        if waiting and time.monotonic() > deadline:
            print(
                f"Not ready after {timeout:.0f} s: {', '.join(waiting)} did not answer (see the lines above).",
                flush=True,
            )
            return 1
        if waiting:
            time.sleep(1)
    print(ready_line(), flush=True)
    signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
