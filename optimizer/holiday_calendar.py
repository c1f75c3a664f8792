"""Public holiday calendars by code ("DE-BW": country, then subdivision), from the `holidays` library.

Knows nothing of scenarios, so that the scenario's cross-check, the office days and the forecast's
calendar can all use it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays as holiday_lib


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


def public_holiday(code: str, date: dt.date) -> str | None:
    """The name of the public holiday on `date` in calendar `code`, or None on a working day."""
    name = _calendar(code, date.year).get(date)
    return str(name) if name else None
