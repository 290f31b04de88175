"""Rasa's own command line with `clinic.rasa_fixes` and `clinic.cors` applied: `python -m clinic.server run ...`.

Takes exactly the arguments of `rasa` (`python -m clinic.server run --enable-api ...` is `rasa run
--enable-api ...`, `python -m clinic.server run actions` is `rasa run actions`); the Procfile, the
tests and the benchmark start the Rasa server and the action server through it.
"""

import sys
import warnings
from typing import Any


def _apply_requested_warning_filters() -> None:
    for option in sys.warnoptions:
        warnings._setoption(option)  # the parser Python itself applies PYTHONWARNINGS and -W with


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


def main() -> None:
    _keep_requested_warning_filters()
    from clinic import cors, rasa_fixes  # they import Rasa, and so Sanic: after the filters are set

    rasa_fixes.apply()
    cors.apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
