"""Which days the office is open, and when: opening hours, closed dates, public holidays."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays as holiday_lib

from .clock import WEEKDAYS
from .scenario import Scenario


def _split_code(code: str) -> tuple[str, str | None]:
    country, _, subdivision = code.partition("-")
    return country.upper(), (subdivision.upper() or None)


@lru_cache(maxsize=64)
def _calendar(code: str, year: int) -> holiday_lib.HolidayBase:
    country, subdivision = _split_code(code)
    return holiday_lib.country_holidays(country, subdiv=subdivision, years=year)


def holiday_calendar_problem(code: str | None) -> str | None:
    """Why `code` (e.g. "DE-BW") is not a known holiday calendar, or None if it is."""
    if code is None:
        return None
    try:
        _calendar(code, 2024)
    except (NotImplementedError, KeyError, ValueError) as err:
        return f"unknown holiday calendar {code!r} ({err})"
    return None


def closed_reason(scenario: Scenario, date: dt.date) -> str | None:
    """Why the office is closed on `date` (closed date, public holiday, no opening hours), or None."""
    office = scenario.office
    if date in office.closed_dates:
        return f"{date} is a closed date of the office"
    if office.holidays:
        name = _calendar(office.holidays, date.year).get(date)
        if name:
            return f"{date} is a public holiday ({name}, {office.holidays})"
    if not office.opening_hours.get(WEEKDAYS[date.weekday()]):
        return f"the office has no opening hours on {WEEKDAYS[date.weekday()]}"
    return None


def opening_intervals(scenario: Scenario, date: dt.date) -> list[tuple[int, int]]:
    """Public opening hours on `date` as sorted half-open minute intervals; empty when closed."""
    if closed_reason(scenario, date):
        return []
    return sorted(scenario.office.opening_hours.get(WEEKDAYS[date.weekday()], []))


def release_moments(scenario: Scenario, date: dt.date) -> list[int]:
    """Moments (minutes) at which same-day slots go online: the policy's, else the opening times."""
    if scenario.policy.same_day_release:
        return sorted(scenario.policy.same_day_release)
    return sorted(start for start, _ in scenario.office.opening_hours.get(WEEKDAYS[date.weekday()], []))
