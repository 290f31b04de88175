"""Configuration from the environment, with safe local defaults (12-factor)."""

import os
from datetime import datetime
from pathlib import Path
from typing import Dict, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "clinic.db"
# Public (it is in this repository): fine on a laptop, refused by the production profile.
DEFAULT_SMS_SENDER_KEY = "clinic-sms-sender"
# What every server process is started with (the Makefile exports the same for its targets; the
# production profile, the tests, the benchmark and the load test take them from here): no telemetry,
# a readable log.
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def database_url() -> str:
    """The one database of the project: conversations (tracker store), handoffs, SMS senders and the
    staff console's tables.

    `DATABASE_URL` is an SQLAlchemy URL; unset, a SQLite file under var/ (created on first use).
    A `postgres://` URL (as some hosts hand out) is accepted as `postgresql://`.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def redis_url() -> str:
    """Redis for the conversation locks of the production profile (several Rasa replicas)."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1").strip()


def phone_region() -> str:
    """Region for phone numbers typed without a country code (ISO 3166 code, e.g. US, CA, GB)."""
    return os.environ.get("CLINIC_PHONE_REGION", "US").strip().upper() or "US"


def handoff_spool_dir() -> Path:
    """Where handoffs wait, durably, while the database is unavailable."""
    configured = os.environ.get("HANDOFF_SPOOL_DIR", "").strip()
    return Path(configured) if configured else PROJECT_ROOT / "var" / "spool" / "handoffs"


def handoff_dead_letter_dir() -> Path:
    """Where handoffs the database refused (not for being down) are kept for staff to see."""
    configured = os.environ.get("HANDOFF_DEAD_LETTER_DIR", "").strip()
    return Path(configured) if configured else handoff_spool_dir() / "dead-letter"


def handoff_spool_retry_seconds() -> float:
    """How often the action server retries spooled handoffs (0: never)."""
    return float(os.environ.get("HANDOFF_SPOOL_RETRY_SECONDS", "10"))


def sms_sender_key() -> str:
    """Key of the hash that turns a phone number into a conversation id (set a secret in production)."""
    return os.environ.get("SMS_SENDER_KEY", DEFAULT_SMS_SENDER_KEY)


def twilio_auth_token() -> Optional[str]:
    return os.environ.get("TWILIO_AUTH_TOKEN") or None


def twilio_webhook_url() -> Optional[str]:
    """The public URL Twilio posts to, when the server sits behind a proxy that rewrites it."""
    return os.environ.get("TWILIO_WEBHOOK_URL") or None


def trust_forwarded_headers() -> bool:
    return os.environ.get("TRUST_FORWARDED_HEADERS", "").lower() in ("1", "true", "yes")


def clinic_details(now: Optional[datetime] = None) -> Dict[str, str]:
    """Clinic name, phone, hours... as the clinic settings file says (clinic/clinic_settings.py), and what to say
    about the hours at `now` (by default now)."""
    from clinic.clinic_settings import CRISIS_LINE, EMERGENCY_NUMBER
    from clinic.office_hours import clinic_variables

    return {**clinic_variables(now), "crisis_line": CRISIS_LINE, "emergency_number": EMERGENCY_NUMBER}


def number(name: str, default: float) -> float:
    """A number from the environment, else the default (unset, empty or not a number)."""
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        return default


def encoder_threads() -> int:
    """Threads of one sentence-encoder call (ENCODER_THREADS). 1, the default, runs it on the calling thread:
    a turn encodes one short message, and ONNX Runtime's own pool (0: one thread per core, spinning
    between calls) took the cores the rest of the turn needs (docs/performance.md)."""
    return max(0, int(number("ENCODER_THREADS", 1)))


def port(name: str, default: int) -> int:
    """A port from the environment (ACTIONS_PORT, RASA_PORT, WEB_PORT), else the default."""
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


def bind_host() -> str:
    """The interface the servers of `make run` listen on (BIND_HOST): this machine only by default."""
    return os.environ.get("BIND_HOST", "").strip() or "127.0.0.1"


def forwarded_allow_ips() -> list:
    """Peers whose X-Forwarded-* headers the website believes (FORWARDED_ALLOW_IPS, space- or
    comma-separated): none by default; the production profile names its nginx."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "").replace(",", " ").split()


def rasa_public_url() -> str:
    """Where browsers reach the Rasa server (the widget's socket.io URL); default: this machine's RASA_PORT."""
    default = f"http://localhost:{port('RASA_PORT', 5005)}"
    return (os.environ.get("RASA_PUBLIC_URL", "").strip() or default).rstrip("/")


def allowed_origins() -> list:
    """Site origins allowed to call the Rasa server (socket.io and REST), space-separated.

    Default: the website of `make run` on this machine (WEB_PORT), by either local name.
    """
    web_port = port("WEB_PORT", 8000)
    default = f"http://localhost:{web_port} http://127.0.0.1:{web_port}"
    return (os.environ.get("ALLOWED_ORIGINS", "").strip() or default).split()
