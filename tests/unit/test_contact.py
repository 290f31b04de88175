"""Contact details from what people type: phone numbers to E.164, emails validated."""

import pytest

from clinic.handoffs.contact import display_phone, parse_contact
from clinic.handoffs.reference import ALPHABET, new_reference


@pytest.mark.parametrize(
    "text, phone",
    [
        ("(415) 555-2671", "+14155552671"),
        ("call me on 415.555.2671 after 5", "+14155552671"),
        ("+44 20 7946 0018", "+442079460018"),
        ("my cell is 4155552671", "+14155552671"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text, phone):
    assert parse_contact(text).phone == phone


def test_email_and_phone_in_one_answer():
    details = parse_contact("Sam.Lee@Example.com or 415 555 2671")
    assert details.email == "Sam.Lee@example.com"
    assert details.phone == "+14155552671"


@pytest.mark.parametrize("text", ["tomorrow", "12345", "sam@", "555-0199", "call me maybe"])
def test_not_contact_details(text):
    assert not parse_contact(text).found


def test_region_for_numbers_without_country_code(monkeypatch):
    monkeypatch.setenv("CLINIC_PHONE_REGION", "GB")
    assert parse_contact("020 7946 0018").phone == "+442079460018"


def test_display_phone_is_national_in_the_clinic_region():
    assert display_phone("+14155552671") == "(415) 555-2671"
    assert display_phone("+442079460018") == "+44 20 7946 0018"


def test_reference_codes_are_short_and_unambiguous():
    codes = {new_reference() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 7 and code[3] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(ALPHABET)
