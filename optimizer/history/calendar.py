"""Which days the office is open, for the forecast: weekdays, public holidays and closed dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..clock import WEEKDAYS
from ..errors import InputError
from ..holiday_calendar import holiday_calendar_problem, public_holiday
from ..scenario import Scenario


@dataclass(frozen=True)
class OfficeCalendar:
    weekdays: frozenset[int]
    """Weekdays (0 = Monday) the office opens."""
    holidays: str | None = "DE-BW"
    closed_dates: frozenset[dt.date] = frozenset()

    def is_open(self, date: dt.date) -> bool:
        if date.weekday() not in self.weekdays or date in self.closed_dates:
            return False
        return not (self.holidays and public_holiday(self.holidays, date))

    def open_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
        return [d for d in days if self.is_open(d)]


def calendar_of(scenario: Scenario) -> OfficeCalendar:
    """The scenario office's calendar: its opening weekdays, holiday calendar and closed dates."""
    office = scenario.office
    return OfficeCalendar(
        weekdays=frozenset(i for i, d in enumerate(WEEKDAYS) if office.opening_hours.get(d)),
        holidays=office.holidays,
        closed_dates=frozenset(office.closed_dates),
    )


def default_calendar(weekdays: set[int], holidays: str | None) -> OfficeCalendar:
    """Open on `weekdays` (those the history has), closed on the `holidays` calendar (e.g. "DE-BW")."""
    problem = holiday_calendar_problem(holidays)
    if problem:
        raise InputError(f"--holidays: {problem}")
    return OfficeCalendar(weekdays=frozenset(weekdays), holidays=holidays)
