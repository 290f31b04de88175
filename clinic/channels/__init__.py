"""Input channels of the assistant, referenced by module path from credentials.yml; and the names of
the channels as the clinic's tools show them (this module imports nothing of Rasa)."""

from typing import Dict

# Channels as Rasa names them (`input_channel` of a user event) -> what staff call them.
CHANNELS = {"rest": "web", "socketio": "web", "twilio": "sms"}
CHANNEL_CHOICES = ("web", "sms")


def channel_of(data: Dict) -> str:
    """The channel a user event came in by, as staff call it. Whatever a client managed to store there
    (a list, an object, a very long text) is shown as "unknown", never an error page."""
    raw = data.get("input_channel")
    if not isinstance(raw, str) or not raw:
        return "unknown"
    return CHANNELS.get(raw, raw[:32])


def text_of(data: Dict) -> str:
    """The text of a stored user or bot event ("" when there is none)."""
    text = data.get("text")
    return text if isinstance(text, str) else ""
