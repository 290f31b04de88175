"""Office hours from the clinic settings file, with a fixed clock: in hours, out of hours, a closed date,
a time zone; what the booking confirmation and the staff offer say; the crisis reply never changes."""

from datetime import datetime, timezone

import pytest
from rasa.shared.core.domain import Domain

from clinic import clinic_settings, office_hours
from clinic.office_hours import AFTER_HOURS, CLOSED_DAY, IN_HOURS, clinic_variables
from clinic.responses import ClinicResponses
from tests.handoff_db import ROOT

SETTINGS = """
name: Riverside Ketamine Clinic
phone: "(555) 010-0123"
booking_url: https://riverside.example/book
timezone: America/Los_Angeles
hours:
  monday: "09:00-17:00"
  tuesday: "09:00-17:00"
  wednesday: "09:00-17:00"
  thursday: "09:00-17:00"
  friday: "09:00-17:00"
  saturday: "10:00-13:00"
closed_dates: [2026-12-25]
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# 2026-12-02 is a Wednesday; Los Angeles is UTC-8 in December.
WEDNESDAY_10AM = utc(2026, 12, 2, 18, 0)
WEDNESDAY_6PM = utc(2026, 12, 3, 2, 0)
FRIDAY_6PM = utc(2026, 12, 5, 2, 0)
SATURDAY_2PM = utc(2026, 12, 5, 22, 0)
CHRISTMAS_10AM = utc(2026, 12, 25, 18, 0)  # a Friday


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    path = tmp_path / "clinic.yml"
    path.write_text(SETTINGS)
    monkeypatch.setenv("CLINIC_SETTINGS_FILE", str(path))
    return path


@pytest.fixture
def settings(settings_file):
    return clinic_settings.load()


def test_the_settings_file_gives_name_phone_link_and_hours(settings):
    assert (settings.name, settings.phone, settings.booking_url) == (
        "Riverside Ketamine Clinic", "(555) 010-0123", "https://riverside.example/book")
    assert office_hours.hours_text(settings) == "Monday to Friday, 9am to 5pm; Saturday, 10am to 1pm"


@pytest.mark.parametrize("now, is_open, opening, received", [
    (WEDNESDAY_10AM, True, "tomorrow at 9am", IN_HOURS),
    (WEDNESDAY_6PM, False, "tomorrow at 9am", AFTER_HOURS),
    (FRIDAY_6PM, False, "tomorrow at 10am", AFTER_HOURS),
    (SATURDAY_2PM, False, "Monday at 9am", AFTER_HOURS),
    (utc(2026, 12, 6, 20, 0), False, "tomorrow at 9am", CLOSED_DAY),  # Sunday noon
    (CHRISTMAS_10AM, False, "tomorrow at 10am", CLOSED_DAY),
    (utc(2026, 12, 2, 16, 30), False, "today at 9am", AFTER_HOURS),  # 8:30am in Los Angeles
])
def test_open_closed_and_the_next_opening_with_a_fixed_clock(settings, now, is_open, opening, received):
    assert office_hours.is_open(settings, now) is is_open
    assert office_hours.opening_phrase(settings, now) == opening
    assert office_hours.received(settings, now) == received
    assert office_hours.received(settings, now.replace(tzinfo=None)) == received  # handoff times: naive UTC


def test_the_same_instant_is_in_hours_in_one_time_zone_and_not_in_another(settings_file):
    at = utc(2026, 12, 2, 16, 30)  # 11:30am in New York, 8:30am in Los Angeles
    assert not office_hours.is_open(clinic_settings.load(), at)
    settings_file.write_text(SETTINGS.replace("America/Los_Angeles", "America/New_York") + "\n")
    assert office_hours.is_open(clinic_settings.load(), at)


def test_an_opening_a_week_or_more_away_names_the_date(settings_file):
    settings_file.write_text(SETTINGS.replace("closed_dates: [2026-12-25]",
                                              "closed_dates: [2026-12-24, 2026-12-25, 2026-12-26, 2026-12-28, "
                                              "2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01, 2027-01-02]"))
    assert office_hours.opening_phrase(clinic_settings.load(), utc(2026, 12, 24, 2, 0)) == "Monday 4 January at 9am"


def test_out_of_hours_the_booking_confirmation_and_the_staff_offer_say_when_the_clinic_opens(settings_file):
    domain = Domain.load(str(ROOT / "domain.yml"))
    responses = ClinicResponses(domain=domain)
    slots = {slot.name: slot.initial_value for slot in domain.slots}

    def say(action, now, channel="rest", **values):
        filled = {**slots, "contact_name": "Sam", **clinic_variables(now)}
        return responses.generate_from_slots(action, filled, channel, **values)["text"]

    closed = say("utter_booking_logged", FRIDAY_6PM, reference="KX7-4F2")
    assert closed == ("Thank you, Sam. Your request is with our staff; your reference is KX7-4F2. Our clinic is "
                      "closed right now: we open tomorrow at 10am, and our staff will contact you then.")
    assert say("utter_booking_logged", WEDNESDAY_10AM, reference="KX7-4F2").endswith(
        "They'll contact you during clinic hours (Monday to Friday, 9am to 5pm; Saturday, 10am to 1pm).")
    assert say("utter_booking_logged_with_link", SATURDAY_2PM, reference="KX7-4F2").endswith(
        "we open Monday at 9am, and our staff will contact you then. You can also book online at "
        "https://riverside.example/book.")
    assert say("utter_offer_staff", CHRISTMAS_10AM) == (
        "Our clinic is closed right now; we open tomorrow at 10am, and our staff would get back to you then. "
        "Would you like me to connect you with our clinic staff?")
    assert say("utter_offer_staff", WEDNESDAY_10AM) == "Would you like me to connect you with our clinic staff?"
    assert "(555) 010-0123 (Monday to Friday, 9am to 5pm; Saturday, 10am to 1pm)" in say(
        "utter_staff_contact", WEDNESDAY_10AM)

    for variation in domain.responses["utter_crisis"]:
        responses.responses = {"utter_crisis": [variation]}
        channel = variation.get("channel") or "rest"
        assert say("utter_crisis", WEDNESDAY_10AM, channel) == say("utter_crisis", CHRISTMAS_10AM, channel)
        assert "988" in say("utter_crisis", CHRISTMAS_10AM, channel)


def test_a_changed_file_is_read_again_and_a_broken_one_keeps_the_last_good_settings(settings_file):
    assert clinic_settings.load().phone == "(555) 010-0123"
    settings_file.write_text(SETTINGS.replace("(555) 010-0123", "(555) 010-0456") + "\n")
    assert clinic_settings.load().phone == "(555) 010-0456"
    settings_file.write_text(SETTINGS.replace("America/Los_Angeles", "Mars/Olympus_Mons") + "\n\n")
    assert clinic_settings.load().phone == "(555) 010-0456"


@pytest.mark.parametrize("change, error", [
    (("America/Los_Angeles", "Mars/Olympus_Mons"), "unknown time zone"),
    (('"09:00-17:00"', '"9am-5pm"'), "is not like 09:00-17:00"),
    (('saturday: "10:00-13:00"', 'saturday: "13:00-10:00"'), "closes before it opens"),
    (("saturday:", "caturday:"), "unknown day"),
    (("[2026-12-25]", "[christmas]"), "is not a date"),
])
def test_a_wrong_settings_file_is_refused_with_the_reason(tmp_path, change, error):
    path = tmp_path / "wrong.yml"
    path.write_text(SETTINGS.replace(*change))
    with pytest.raises(clinic_settings.SettingsError, match=error):
        clinic_settings.load(path)


def test_the_clinic_file_in_the_repository_is_valid():
    settings = clinic_settings.load(clinic_settings.DEFAULT_FILE)
    assert office_hours.hours_text(settings) == "Monday to Friday, 9am to 5pm"
    assert settings.phone == "(555) 010-0199"


def test_the_queue_shows_when_each_handoff_came_in_relative_to_the_hours(settings_file, tmp_path):
    import re

    from clinic.db import session_scope
    from clinic.handoffs.models import Handoff
    from tests.handoff_db import migrate
    from tests.support.staff_console import Console

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    migrate(url)
    arrivals = {"IN1-HRS": WEDNESDAY_10AM, "AFT-HRS": WEDNESDAY_6PM, "XMS-DAY": CHRISTMAS_10AM}
    with session_scope(url) as session:
        for reference, at in arrivals.items():
            session.add(Handoff(reference=reference, idempotency_key=reference, channel="rest", sender_id=reference,
                                reason="Asked to book a consultation", created_at=at.replace(tzinfo=None)))
    console = Console(url)
    page = console.browser(console.account("alice")).get("/staff/queue").get_data(as_text=True)
    rows = {reference: re.search(rf'id="handoff-{reference}".*?</tr>', page, re.S).group(0) for reference in arrivals}
    assert ">in hours<" in rows["IN1-HRS"]
    assert ">after hours<" in rows["AFT-HRS"]
    assert ">on a closed day<" in rows["XMS-DAY"]
