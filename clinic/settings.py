"""Configuration from the environment, with safe local defaults (12-factor)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "clinic.db"


def database_url() -> str:
    """The one database of the project: conversations (tracker store) and, later, the handoff log.

    `DATABASE_URL` is an SQLAlchemy URL; unset, a SQLite file under var/ (created on first use).
    A `postgres://` URL (as some hosts hand out) is accepted as `postgresql://`.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def phone_region() -> str:
    """Region for phone numbers typed without a country code (ISO 3166 code, e.g. US, CA, GB)."""
    return os.environ.get("CLINIC_PHONE_REGION", "US").strip().upper() or "US"


def handoff_spool_dir() -> Path:
    """Where handoffs wait, durably, while the database is unavailable."""
    configured = os.environ.get("HANDOFF_SPOOL_DIR", "").strip()
    return Path(configured) if configured else PROJECT_ROOT / "var" / "spool" / "handoffs"
