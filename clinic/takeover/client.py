"""The console's side of a staff message (clinic.takeover.relay is the Rasa server's): posts it to the
Rasa server, which stores it and sends it on. Kept free of Rasa imports, so the website's processes
never load Rasa or TensorFlow."""

import os
from typing import Optional

import requests

from clinic import local_secrets, settings

MAX_TEXT = 2000
NOTES = ("joined", "returned")
JOINED_NOTE = "A member of our team has joined the conversation."
RETURNED_NOTE = "You're back with the clinic's automated assistant."


def rasa_internal_url() -> str:
    """Where the console reaches the Rasa server: RASA_INTERNAL_URL, else this machine's RASA_PORT."""
    return os.environ.get("RASA_INTERNAL_URL") or f"http://127.0.0.1:{settings.port('RASA_PORT', 5005)}"


class RelayFailed(Exception):
    pass


def send(sender_id: str, staff: str, text: str, note: Optional[str] = None, rasa_url: Optional[str] = None) -> str:
    """Stores and sends a staff message (the console's side); where it went: widget, sms or stored."""
    try:
        reply = requests.post(
            f"{rasa_url or rasa_internal_url()}/webhooks/staff/send",
            json={"sender_id": sender_id, "staff": staff, "text": text, "note": note},
            headers={"Authorization": f"Bearer {local_secrets.rasa_api_token()}"},
            timeout=15,
        )
        reply.raise_for_status()
    except requests.RequestException as error:
        raise RelayFailed(f"The assistant's server could not be reached ({type(error).__name__}).") from error
    return reply.json()["delivered"]
