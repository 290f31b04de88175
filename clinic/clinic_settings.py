"""The clinic's own details and hours: one YAML file read at run time (README "Clinic details and hours").

`clinic/clinic.yml` unless CLINIC_SETTINGS_FILE names another. The file is read again whenever it
changes, so a new phone number or holiday reaches the next reply without retraining or a restart;
a file that cannot be read after a change is logged and the last good settings are kept.
"""

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from clinic.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEFAULT_FILE = PROJECT_ROOT / "clinic" / "clinic.yml"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# National numbers, not the clinic's: the crisis reply never depends on the clinic's settings.
CRISIS_LINE, EMERGENCY_NUMBER = "988", "911"

Ranges = Tuple[Tuple[time, time], ...]


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    phone: str
    booking_url: str
    timezone: ZoneInfo
    hours: Tuple[Ranges, ...]  # one entry per weekday, Monday first; empty: closed that day
    closed_dates: FrozenSet[date]


def settings_file() -> Path:
    configured = os.environ.get("CLINIC_SETTINGS_FILE", "").strip()
    return Path(configured) if configured else DEFAULT_FILE


def _ranges(day: str, value) -> Ranges:
    if value is None or str(value).strip().lower() in ("", "closed"):
        return ()
    ranges = []
    for part in str(value).split(","):
        match = RANGE.match(part)
        if not match:
            raise SettingsError(f"hours for {day}: {part.strip()!r} is not like 09:00-17:00")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        try:
            opens, closes = time(h1, m1), (time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2))
        except ValueError:
            raise SettingsError(f"hours for {day}: {part.strip()!r} is not a time of day") from None
        if closes <= opens:
            raise SettingsError(f"hours for {day}: {part.strip()!r} closes before it opens")
        ranges.append((opens, closes))
    return tuple(sorted(ranges))


def parse(data: Dict) -> ClinicSettings:
    if not isinstance(data, dict):
        raise SettingsError("the clinic settings file must be a mapping (name:, phone:, hours:...)")
    for required in ("name", "phone", "timezone"):
        if not str(data.get(required) or "").strip():
            raise SettingsError(f"the clinic settings need a {required}")
    try:
        zone = ZoneInfo(str(data["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"unknown time zone {data['timezone']!r} (an IANA name such as America/New_York)") from None
    hours = data.get("hours") or {}
    unknown = set(hours) - set(DAYS)
    if unknown:
        raise SettingsError(f"hours: unknown day(s) {sorted(unknown)} (monday ... sunday)")
    closed = set()
    for value in data.get("closed_dates") or []:
        try:
            closed.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise SettingsError(f"closed_dates: {value!r} is not a date like 2026-12-25") from None
    return ClinicSettings(
        name=str(data["name"]).strip(),
        phone=str(data["phone"]).strip(),
        booking_url=str(data.get("booking_url") or "").strip(),
        timezone=zone,
        hours=tuple(_ranges(day, hours.get(day)) for day in DAYS),
        closed_dates=frozenset(closed),
    )


_lock = threading.Lock()
_cache: Dict[Path, Tuple[float, ClinicSettings]] = {}


def load(path: Optional[Path] = None) -> ClinicSettings:
    """The settings as the file says now (read again when its modification time changes)."""
    path = path or settings_file()
    with _lock:
        cached = _cache.get(path)
        try:
            modified = path.stat().st_mtime_ns
            if cached and cached[0] == modified:
                return cached[1]
            loaded = parse(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, SettingsError) as error:
            if not cached:
                raise SettingsError(f"cannot use the clinic settings file {path}: {error}") from error
            logger.error("The clinic settings file %s cannot be used (%s); keeping the previous settings", path, error)
            return cached[1]
        _cache[path] = (modified, loaded)
        return loaded
