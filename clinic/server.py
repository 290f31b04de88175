"""Rasa's own command line with `clinic.rasa_fixes` applied: `python -m clinic.server run ...`.

Takes exactly the arguments of `rasa` (`python -m clinic.server run --enable-api ...` is `rasa run
--enable-api ...`); the Procfile, the tests and the benchmark start the Rasa server through it.
"""

import sys

from clinic import rasa_fixes


def main() -> None:
    rasa_fixes.apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
