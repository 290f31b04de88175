"""Sending one alert: an email over SMTP (smtplib) or a signed JSON POST (urllib). Both raise on failure."""

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import List

from clinic.alerts import config
from clinic.alerts.models import ESCALATION
from clinic.handoffs.kinds import POSSIBLE_CRISIS

TIMEOUT_SECONDS = 15
# The only servers a password may be sent to without TLS: this machine.
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Alert:
    """What a notification may say: no names, no contact details, nothing the patient wrote."""

    event: str
    reference: str
    urgent: bool
    kind: str
    topics: List[str]
    created_at: str  # ISO 8601, UTC
    console_url: str
    escalate_minutes: float

    @property
    def subject(self) -> str:
        if self.event == ESCALATION:
            return f"URGENT, unclaimed for {self.escalate_minutes:g} min: crisis handoff {self.reference}"
        if self.urgent:
            return f"URGENT: crisis handoff {self.reference} - call back now"
        if self.kind == POSSIBLE_CRISIS:
            return f"Possible crisis, not confirmed: handoff {self.reference} - please read the conversation"
        return f"New handoff {self.reference}"

    @property
    def text(self) -> str:
        lines = [self.subject, ""]
        if self.urgent:
            lines.append("A patient showed signs of crisis and was given 988 and 911. Follow up urgently.")
        elif self.kind == POSSIBLE_CRISIS:
            lines.append(
                "A patient's message may be a sign of crisis; the assistant was not sure. Its reply ended with "
                "the crisis line (988). Please read the conversation."
            )
        else:
            lines.append("A patient asked for the clinic's staff to get in touch.")
        lines += [
            f"Reference: {self.reference}",
            f"Received: {self.created_at} UTC",
            f"Topics: {', '.join(self.topics) if self.topics else '(none)'}",
            f"Open the queue: {self.console_url}",
            "",
            "Contact details are in the staff console only.",
        ]
        return "\n".join(lines)

    def payload(self) -> dict:
        return {
            "event": self.event,
            "reference": self.reference,
            "urgent": self.urgent,
            "kind": self.kind,
            "topics": self.topics,
            "created_at": self.created_at,
            "console_url": self.console_url,
            "text": self.text,
        }


def send_email(alert: Alert, recipients: List[str]) -> None:
    server = config.smtp_server()
    if server is None or not recipients:
        raise RuntimeError("email alerts need SMTP_URL and ALERT_EMAIL_TO")
    message = EmailMessage()
    message["From"] = config.email_from()
    message["To"] = ", ".join(recipients)
    message["Subject"] = alert.subject
    if alert.urgent:
        message["X-Priority"] = "1 (Highest)"
        message["Importance"] = "high"
    message.set_content(alert.text)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.implicit_tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        encrypted = server.implicit_tls
        if not encrypted and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            encrypted = True
        if server.username:
            if not encrypted and server.host not in LOOPBACK:
                raise RuntimeError(f"{server.host} offers no STARTTLS: the SMTP password is not sent unencrypted")
            client.login(server.username, server.password or "")
        client.send_message(message, to_addrs=recipients)


def signature(secret: str, body: bytes) -> str:
    """X-Clinic-Signature: the hex HMAC-SHA256 of the raw body with ALERT_WEBHOOK_SECRET."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_webhook(alert: Alert) -> None:
    configured = config.webhook()
    if configured is None:
        raise RuntimeError("webhook alerts need ALERT_WEBHOOK_URL and ALERT_WEBHOOK_SECRET")
    url, secret = configured
    body = json.dumps(alert.payload(), separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Clinic-Signature": signature(secret, body)},
    )
    # urlopen raises HTTPError for any answer outside 2xx/3xx, URLError when nothing answers.
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
        answer.read()
