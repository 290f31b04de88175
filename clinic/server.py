"""Rasa's own command line with `clinic.rasa_fixes` and `clinic.cors` applied: `python -m clinic.server run ...`.

Takes exactly the arguments of `rasa` (`python -m clinic.server run --enable-api ...` is `rasa run
--enable-api ...`, `python -m clinic.server run actions` is `rasa run actions`); the Procfile, the
tests and the benchmark start the Rasa server and the action server through it.

Secure by default, whoever starts it:
- the Rasa server and the action server listen on BIND_HOST (default 127.0.0.1) unless an
  `--interface` (or SANIC_HOST for the action server) is given;
- `--enable-api` without `--auth-token` gets RASA_API_TOKEN (clinic.local_secrets: else a random
  token under var/), passed here rather than on the command line, where `ps` would show it;
- the action server refuses calls without ACTION_SERVER_TOKEN (clinic.action_auth), and the Rasa
  server sends it (endpoints.yml reads the variable, set here from the same place).

The action server also retries spooled handoffs in the background (clinic.handoffs.service), every
HANDOFF_SPOOL_RETRY_SECONDS (default 10; 0 turns it off).
It also runs the alert sender (clinic.alerts.outbox.alert_sender) in a background thread.
Both run OpenBLAS (NumPy's and SciPy's matrix products) on the calling thread unless
OPENBLAS_NUM_THREADS says otherwise (limit_blas_threads).
The Rasa server keeps quiet in conversations a staff member has taken over (clinic.takeover.silence),
and hands back to the bot, every TAKEOVER_IDLE_CHECK_SECONDS, the claims left idle
(clinic.takeover.idle, in a background thread).
"""

import os
import sys
import warnings
from typing import Any, List, Optional


def _apply_requested_warning_filters() -> None:
    for option in sys.warnoptions:
        warnings._setoption(option)  # type: ignore[attr-defined]  # the parser Python itself applies PYTHONWARNINGS and -W with


def _keep_requested_warning_filters() -> None:
    """Keeps a PYTHONWARNINGS (or -W) the person asked for, such as the run targets' silencing of
    dependencies' deprecation notices, in front of the filters that Sanic's import (`once` for every
    DeprecationWarning) and Rasa's start-up (`once` for every UserWarning, which pyparsing's
    deprecation notices also are) put there."""
    import sanic  # noqa: F401  (imported for its side effect on the filters)

    _apply_requested_warning_filters()
    from rasa.utils import common

    rasa_filter_warnings = common._filter_warnings

    def filter_warnings(*args: Any, **kwargs: Any) -> None:
        rasa_filter_warnings(*args, **kwargs)
        _apply_requested_warning_filters()

    common._filter_warnings = filter_warnings


def limit_blas_threads() -> None:
    """OpenBLAS on the calling thread (OPENBLAS_NUM_THREADS=1) unless the variable is set; called before
    NumPy loads, since OpenBLAS reads it once. A turn's matrix products are one message against the
    classifiers' weights, too small to share, and OpenBLAS's worker threads spin after each call: on
    2 cores the worker burned about as much CPU a turn as the turn itself (docs/performance.md)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _given(arguments: List[str], *names: str) -> bool:
    return any(argument == name or argument.startswith(name + "=") for argument in arguments for name in names)


def secure_arguments(arguments: List[str]) -> List[str]:
    """Rasa's arguments with the safe defaults added (the interface, the API token); the action
    server's come from the environment (SANIC_HOST)."""
    from clinic import local_secrets, settings

    if arguments[:1] not in (["run"], ["shell"]):
        return arguments
    os.environ["ACTION_SERVER_TOKEN"] = local_secrets.action_server_token()
    if arguments[:2] == ["run", "actions"]:
        os.environ.setdefault("SANIC_HOST", settings.bind_host())
        return arguments
    if arguments[1:2] == ["nlu"]:
        return arguments
    added = [] if _given(arguments, "-i", "--interface") else ["--interface", settings.bind_host()]
    if "--enable-api" in arguments and not _given(arguments, "-t", "--auth-token", "--jwt-secret"):
        added += ["--auth-token", local_secrets.rasa_api_token()]
    return arguments + added


def start_alert_sender() -> None:
    """The action server sends the clinic's alerts (clinic.alerts) every ALERT_SEND_INTERVAL_SECONDS."""
    from clinic.alerts import config
    from clinic.alerts.outbox import alert_sender

    interval = config.send_interval_seconds()
    if interval > 0:
        alert_sender(interval).start()


def _start_spool_retry() -> None:
    from clinic import settings
    from clinic.handoffs.service import spool_flusher

    interval = settings.handoff_spool_retry_seconds()
    if interval > 0:
        spool_flusher(interval).start()


def _option(arguments: List[str], short: str, long: str) -> Optional[str]:
    for i, argument in enumerate(arguments):
        if argument in (short, long) and i + 1 < len(arguments):
            return arguments[i + 1]
        if argument.startswith(long + "="):
            return argument.split("=", 1)[1]
    return None


def own_url(arguments: List[str]) -> str:
    """Where this Rasa server answers on this machine, from its `--interface` and `--port`."""
    interface = _option(arguments, "-i", "--interface") or "127.0.0.1"
    port = _option(arguments, "-p", "--port") or "5005"
    if interface in ("0.0.0.0", "::", ""):
        interface = "127.0.0.1"
    return f"http://{f'[{interface}]' if ':' in interface else interface}:{port}"


def start_idle_returner(arguments: List[str]) -> None:
    """The Rasa server returns idle claims to the bot (clinic.takeover.idle) every TAKEOVER_IDLE_CHECK_SECONDS."""
    from clinic.takeover import idle

    interval = idle.check_interval_seconds()
    if interval > 0:
        idle.idle_returner(interval, own_url(arguments)).start()


def main() -> None:
    limit_blas_threads()
    _keep_requested_warning_filters()
    # They import Rasa, and so Sanic: after the filters are set.
    from clinic import action_auth, cors, rasa_fixes

    arguments = secure_arguments(sys.argv[1:])
    rasa_fixes.apply()
    cors.apply()
    if arguments[:2] == ["run", "actions"]:
        action_auth.apply()
        start_alert_sender()
        _start_spool_retry()
    elif arguments[:1] == ["run"]:
        from clinic.takeover import silence

        silence.apply()
        if arguments[1:2] != ["nlu"]:
            start_idle_returner(arguments)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
