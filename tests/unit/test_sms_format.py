"""Replies shaped for SMS: plain text, numbered options, at most 320 characters a message."""

from datetime import datetime, timezone
from pathlib import Path

import yaml
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.interpolator import interpolate_text

from clinic.settings import clinic_details
from clinic.sms.format import MAX_SMS_CHARS, plain, split, to_sms


def test_markdown_and_emoji_are_removed():
    assert plain("**Hi** there 😀 _friend_ 👍") == "Hi there friend"


def test_long_text_splits_at_sentence_ends():
    sentence = "This sentence is about forty characters. "
    messages = split(sentence * 20)
    assert all(len(m) <= MAX_SMS_CHARS for m in messages)
    assert all(m.endswith(".") for m in messages)
    assert " ".join(messages) == (sentence * 20).strip()


def test_a_one_word_answer_stays_with_the_sentence_it_answers():
    # Texted, "Yes." ended the message before and "Post-traumatic stress disorder ..." began the next.
    first = "It's designed to work within a few hours. " * 6
    condition = "Post-traumatic stress disorder (PTSD) is one of the conditions our information lists."
    messages = split(f"{first}Yes. {condition}")
    assert messages[-1] == f"Yes. {condition}"
    assert " ".join(messages) == f"{first}Yes. {condition}"


def test_a_sentence_longer_than_one_sms_is_cut_between_words():
    messages = split("word " * 200)
    assert all(len(m) <= MAX_SMS_CHARS for m in messages)
    assert " ".join(messages).split() == ["word"] * 200


def test_buttons_become_numbered_options():
    messages, options = to_sms([
        {"text": "Would you like me to connect you with our clinic staff?",
         "buttons": [{"title": "Yes, please", "payload": "/affirm"}, {"title": "No, thanks", "payload": "/deny"}]},
    ])
    assert messages == ["Would you like me to connect you with our clinic staff? "
                        "Reply 1 for Yes, please, 2 for No, thanks."]
    assert options == [("Yes, please", "/affirm"), ("No, thanks", "/deny")]


def test_signature_url_behind_a_proxy(monkeypatch):
    from types import SimpleNamespace

    from clinic.channels.sms import _public_url

    request = SimpleNamespace(scheme="http", host="10.0.0.5:5005", path="/webhooks/twilio/webhook",
                              query_string="", headers={"X-Forwarded-Proto": "https",
                                                        "X-Forwarded-Host": "bot.clinic.example"})
    assert _public_url(request) == "http://10.0.0.5:5005/webhooks/twilio/webhook"
    monkeypatch.setenv("TRUST_FORWARDED_HEADERS", "true")
    assert _public_url(request) == "https://bot.clinic.example/webhooks/twilio/webhook"
    monkeypatch.setenv("TWILIO_WEBHOOK_URL", "https://sms.clinic.example/hook")
    assert _public_url(request) == "https://sms.clinic.example/hook"


def _responses():
    """Every response of the bot: domain.yml's and data/responses/'s, by name."""
    root = Path(__file__).resolve().parents[2]
    for path in [root / "domain.yml", *sorted((root / "data" / "responses").glob("*.yml"))]:
        yield from (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items()


def test_every_reply_longer_than_one_text_has_an_sms_variation_that_fits_in_one():
    # Texted, the answer about other forms of ketamine came as three messages, its second sentence split off;
    # the reply to low mood and the start of a booking (domain.yml) came as two.
    saturday = datetime(2026, 12, 5, 17, tzinfo=timezone.utc)  # closed: the longest clinic variables
    values = clinic_details(saturday)
    responses = dict(_responses())
    choose = ResponseVariationFilter(responses).responses_for_utter_action  # as Rasa picks a variation

    def length(variation):  # as sent: the variables filled in as Rasa fills them
        return len(interpolate_text(variation.get("text", ""), values))

    for name, variations in responses.items():
        for condition in [[], *(v["condition"] for v in variations if v.get("condition"))]:
            slots = {c["name"]: c["value"] for c in condition}
            web, texted = choose(name, "rest", slots), choose(name, "twilio", slots)
            # Rasa prefers a channel's variation without a condition to a condition's without a channel: a
            # condition's reply is texted only if it has an SMS variation of its own.
            assert all(v.get("condition") == web[0].get("condition") for v in texted), (name, slots)
            if any(length(v) > MAX_SMS_CHARS for v in web):
                assert all(length(v) <= MAX_SMS_CHARS for v in texted), (name, slots)
