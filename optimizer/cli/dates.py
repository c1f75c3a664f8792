"""Dates from the command line: one date, a range, or every date a scenario mentions."""

from __future__ import annotations

import datetime as dt

from ..batch import office_dates
from ..errors import InputError
from ..scenario import Scenario


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def parse_range(date: str | None, to: str | None) -> tuple[dt.date | None, dt.date | None]:
    """--date..--to as dates; (None, None) when --date is not given (every date of each scenario)."""
    if date is None:
        if to is not None:
            raise InputError("--to: needs --date")
        return None, None
    first = parse_date(date, "--date")
    last = parse_date(to, "--to") if to else first
    if last < first:
        raise InputError(f"--to: {last} is before --date {first}")
    return first, last


def dates_to_plan(scenario: Scenario, first: dt.date | None, last: dt.date | None) -> list[dt.date]:
    """The dates first..last, or every date the scenario mentions when no date is given."""
    days = office_dates(scenario, first, last)
    if not days:
        raise InputError("scenario: no dates in availability, demand or bookings; give --date")
    return days
