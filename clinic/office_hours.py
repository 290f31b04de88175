"""Office hours from the clinic's settings: open now?, when it next opens, how to say it, and when a
handoff came in relative to the hours. Every function takes the clock (`now`, aware or naive UTC)."""

from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional

from clinic import clinic_settings
from clinic.clinic_settings import DAYS, ClinicSettings

IN_HOURS, AFTER_HOURS, CLOSED_DAY = "in hours", "after hours", "on a closed day"


def _local(settings: ClinicSettings, now: datetime) -> datetime:
    if now.tzinfo is None:  # the project's naive UTC (handoff times)
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(settings.timezone)


def closed_day(settings: ClinicSettings, day: date) -> bool:
    return day in settings.closed_dates or not settings.hours[day.weekday()]


def is_open(settings: ClinicSettings, now: datetime) -> bool:
    local = _local(settings, now)
    if closed_day(settings, local.date()):
        return False
    return any(opens <= local.time() < closes for opens, closes in settings.hours[local.weekday()])


def next_opening(settings: ClinicSettings, now: datetime) -> Optional[datetime]:
    """The next time the clinic opens after `now`, in its time zone; None if never within a year."""
    local = _local(settings, now)
    for offset in range(367):
        day = local.date() + timedelta(days=offset)
        if closed_day(settings, day):
            continue
        for opens, _ in settings.hours[day.weekday()]:
            at = datetime.combine(day, opens, tzinfo=settings.timezone)
            if at > local:
                return at
    return None


def clock(at: time) -> str:
    """9am, 5:30pm, 12pm."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


def opening_phrase(settings: ClinicSettings, now: datetime) -> Optional[str]:
    """'today at 9am', 'tomorrow at 9am', 'Monday at 9am', 'Monday 5 January at 9am'."""
    opening = next_opening(settings, now)
    if opening is None:
        return None
    days_away = (opening.date() - _local(settings, now).date()).days
    if days_away == 0:
        day = "today"
    elif days_away == 1:
        day = "tomorrow"
    elif days_away < 7:
        day = DAYS[opening.weekday()].capitalize()
    else:
        day = f"{DAYS[opening.weekday()].capitalize()} {opening.day} {opening.strftime('%B')}"
    return f"{day} at {clock(opening.time())}"


def hours_text(settings: ClinicSettings) -> str:
    """'Monday to Friday, 9am to 5pm'; days with other hours after a semicolon."""
    groups: List[List[int]] = []
    for index, ranges in enumerate(settings.hours):
        if not ranges:
            continue
        if groups and groups[-1][-1] == index - 1 and settings.hours[groups[-1][0]] == ranges:
            groups[-1].append(index)
        else:
            groups.append([index])
    if not groups:
        return "by appointment only"
    parts = []
    for group in groups:
        first, last = DAYS[group[0]].capitalize(), DAYS[group[-1]].capitalize()
        days = first if len(group) == 1 else (f"{first} and {last}" if len(group) == 2 else f"{first} to {last}")
        times = " and ".join(f"{clock(opens)} to {clock(closes)}" for opens, closes in settings.hours[group[0]])
        parts.append(f"{days}, {times}")
    return "; ".join(parts)


def received(settings: ClinicSettings, at: datetime) -> str:
    """When something came in, relative to the hours: in hours, after hours, on a closed day."""
    local = _local(settings, at)
    if closed_day(settings, local.date()):
        return CLOSED_DAY
    return IN_HOURS if is_open(settings, at) else AFTER_HOURS


def clinic_variables(now: Optional[datetime] = None) -> Dict[str, str]:
    """The clinic's details and what to say about its hours at `now`, for responses (clinic.responses)."""
    settings = clinic_settings.load()
    now = now or datetime.now(timezone.utc)
    hours = hours_text(settings)
    variables = {
        "clinic_name": settings.name,
        "clinic_phone": settings.phone,
        "clinic_hours": hours,
        "booking_url": settings.booking_url,
    }
    opening = None if is_open(settings, now) else opening_phrase(settings, now)
    if opening:
        variables["clinic_callback"] = (
            f"Our clinic is closed right now: we open {opening}, " f"and our staff will contact you then."
        )
        variables["clinic_closed_note"] = (
            f"Our clinic is closed right now; we open {opening}, " f"and our staff would get back to you then. "
        )
    else:
        variables["clinic_callback"] = f"They'll contact you during clinic hours ({hours})."
        variables["clinic_closed_note"] = ""
    return variables
