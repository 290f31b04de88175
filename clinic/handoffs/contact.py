"""Contact details from free text, validated with maintained libraries.

Phone numbers: `phonenumbers` (Google's libphonenumber), normalised to E.164; numbers without a
country code are read in the clinic's region (CLINIC_PHONE_REGION, default US).
Email addresses: `email-validator` (syntax only: no DNS look-ups from the action server).
"""

import re
from dataclasses import dataclass
from typing import Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from clinic import settings

EMAIL_CANDIDATE = re.compile(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+")


@dataclass(frozen=True)
class ContactDetails:
    phone: Optional[str] = None
    email: Optional[str] = None

    @property
    def found(self) -> bool:
        return bool(self.phone or self.email)


def parse_phone(text: str) -> Optional[str]:
    for match in phonenumbers.PhoneNumberMatcher(text, settings.phone_region()):
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def parse_email(text: str) -> Optional[str]:
    for candidate in EMAIL_CANDIDATE.findall(text):
        try:
            return validate_email(candidate.rstrip("."), check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def parse_contact(text: str) -> ContactDetails:
    return ContactDetails(phone=parse_phone(text), email=parse_email(text))


def display_phone(e164: str) -> str:
    number = phonenumbers.parse(e164)
    region = settings.phone_region()
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
