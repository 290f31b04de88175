"""Alert settings from the environment (README "Alerts"); nothing is sent while they are unset."""

import os
from dataclasses import dataclass
from typing import List, Optional, Tuple
from urllib.parse import unquote, urlsplit

from clinic import settings

EMAIL, WEBHOOK = "email", "webhook"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: Optional[str]
    password: Optional[str]
    implicit_tls: bool  # smtps://: TLS from the first byte; smtp://: STARTTLS when the server offers it


def _addresses(name: str) -> List[str]:
    return [a.strip() for a in os.environ.get(name, "").replace(";", ",").split(",") if a.strip()]


def smtp_server() -> Optional[SmtpServer]:
    """SMTP_URL: smtp://user:password@host:587 (STARTTLS when offered) or smtps://...:465."""
    raw = os.environ.get("SMTP_URL", "").strip()
    if not raw:
        return None
    url = urlsplit(raw)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    implicit = url.scheme == "smtps"
    return SmtpServer(
        host=url.hostname,
        port=url.port or (465 if implicit else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        implicit_tls=implicit,
    )


def email_from() -> str:
    return os.environ.get("ALERT_EMAIL_FROM", "").strip() or "clinic-assistant@localhost"


def email_to() -> List[str]:
    return _addresses("ALERT_EMAIL_TO")


def escalate_to() -> List[str]:
    return _addresses("ALERT_ESCALATE_TO")


def webhook() -> Optional[Tuple[str, str]]:
    """(ALERT_WEBHOOK_URL, ALERT_WEBHOOK_SECRET); the webhook is off unless both are set, so that
    nothing is ever posted unsigned."""
    url = os.environ.get("ALERT_WEBHOOK_URL", "").strip()
    secret = os.environ.get("ALERT_WEBHOOK_SECRET", "")
    return (url, secret) if url and secret else None


def channels(escalation: bool = False) -> List[str]:
    """The channels configured now: email needs SMTP_URL and recipients (ALERT_EMAIL_TO, or for an
    escalation ALERT_ESCALATE_TO)."""
    configured = []
    if os.environ.get("SMTP_URL", "").strip() and (email_to() or (escalation and escalate_to())):
        configured.append(EMAIL)
    if webhook():
        configured.append(WEBHOOK)
    return configured


def escalate_minutes() -> float:
    return max(settings.number("ALERT_ESCALATE_MINUTES", 10.0), 0.0)


def send_interval_seconds() -> float:
    """How often the action server looks for alerts to send (ALERT_SEND_INTERVAL_SECONDS, default 5; 0: off)."""
    return settings.number("ALERT_SEND_INTERVAL_SECONDS", 5.0)


def console_url() -> str:
    """The staff console's address as staff open it (STAFF_CONSOLE_URL), for the link in alerts."""
    default = f"http://localhost:{settings.port('WEB_PORT', 8000)}/staff"
    return (os.environ.get("STAFF_CONSOLE_URL", "").strip() or default).rstrip("/")
