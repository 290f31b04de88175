"""The REST channel's cleaning of what people send (the HTTP behaviour is tested end to end)."""

import pytest

from clinic.channels.rest import EMPTY_MESSAGE_PAYLOAD, clean_message


@pytest.mark.parametrize("text", ["hello\x00world\x07", "   ", ""])
def test_rest_input_cleaning(text):
    cleaned = clean_message(text)
    assert "\x00" not in cleaned and "\x07" not in cleaned
    assert cleaned.strip()
    if not text.strip("\x00\x07 "):
        assert cleaned == EMPTY_MESSAGE_PAYLOAD
