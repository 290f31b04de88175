"""Short reference codes people can read out on the phone: `KX7-4F2`."""

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing two people could read differently.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"{chars[:3]}-{chars[3:]}"
