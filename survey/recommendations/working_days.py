"""Working days in Vietnam: Monday to Friday, less the days off the government decides
(Tết by the lunar calendar, with its bridge and substitute days), plus the weekend days
worked in exchange. A recommendation is due within a number of them.

The calendar is data (questionnaires/holidays/vn.yaml), so that a province can follow
the year's decision without a new release; a year it does not list comes from the
`holidays` library's rules, which know the lunar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays
import yaml

CALENDAR_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "holidays" / "vn.yaml"


class CalendarError(Exception):
    """The holiday calendar file is broken: says where."""


@dataclass(frozen=True)
class Year:
    days_off: dict[date, tuple[str, str]]  # day -> (Vietnamese name, English name)
    weekend_days_worked: frozenset[date]


@cache
def _listed() -> dict[int, Year]:
    return read_calendar(CALENDAR_PATH.read_text(encoding="utf-8"))


def read_calendar(text: str) -> dict[int, Year]:
    """The years of a calendar file; CalendarError naming the year and entry that is wrong."""
    content = yaml.safe_load(text)
    if not isinstance(content, dict) or not isinstance(content.get("years"), dict):
        raise CalendarError("the calendar must hold a mapping 'years'")
    found = {}
    for year, entry in content["years"].items():
        if not isinstance(year, int) or not isinstance(entry, dict):
            raise CalendarError(f"year {year!r}: a year and its 'days_off'")
        days_off = {}
        for n, day in enumerate(entry.get("days_off") or [], start=1):
            when = day.get("date") if isinstance(day, dict) else None
            if not isinstance(when, date) or when.year != year:
                raise CalendarError(f"year {year}, day off #{n}: a date of {year} is needed")
            days_off[when] = (str(day.get("vi") or ""), str(day.get("en") or ""))
        worked = entry.get("weekend_days_worked") or []
        if not all(isinstance(d, date) and d.year == year and d.weekday() >= 5 for d in worked):
            raise CalendarError(f"year {year}: weekend_days_worked must be Saturdays or Sundays")
        found[year] = Year(days_off, frozenset(worked))
    return found


@cache
def _year(year: int) -> Year:
    listed = _listed().get(year)
    if listed is not None:
        return listed
    vi = holidays.country_holidays("VN", years=[year], language="vi")
    en = holidays.country_holidays("VN", years=[year], language="en_US")
    return Year(
        {day: (vi[day], en[day]) for day in vi},
        frozenset(d for d in vi.weekend_workdays if d.year == year),
    )


def is_working_day(day: date) -> bool:
    year = _year(day.year)
    if day in year.weekend_days_worked:
        return True
    return day.weekday() < 5 and day not in year.days_off


def day_off_name(day: date, language: str = "vi") -> str | None:
    names = _year(day.year).days_off.get(day)
    return None if names is None else names[0 if language == "vi" else 1]


def add(start: date, working_days: int) -> date:
    """The day `working_days` working days after `start` (not counting `start` itself):
    a recommendation received on `start` is due at the end of that day."""
    day = start
    left = working_days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 on the same day): how long a
    reply took."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
