"""Which days the office is open, and when: opening hours, closed dates, public holidays, release moments.

The office's own calendar lives on `Office` (`Office.closed_reason`, `Office.opening_intervals`), so that
the scenario's cross-check can use it; these are the scenario-level views the stages call.
"""

from __future__ import annotations

import datetime as dt

from .clock import WEEKDAYS
from .scenario import Scenario


def closed_reason(scenario: Scenario, date: dt.date) -> str | None:
    """Why the office is closed on `date` (closed date, public holiday, no opening hours), or None."""
    return scenario.office.closed_reason(date)


def opening_intervals(scenario: Scenario, date: dt.date) -> list[tuple[int, int]]:
    """Public opening hours on `date` as sorted half-open minute intervals; empty when closed."""
    return scenario.office.opening_intervals(date)


def next_open_day(scenario: Scenario, date: dt.date) -> dt.date:
    """The next date after `date` with opening hours (within a year; else the day after)."""
    for days in range(1, 366):
        candidate = date + dt.timedelta(days=days)
        if opening_intervals(scenario, candidate):
            return candidate
    return date + dt.timedelta(days=1)


def release_moments(scenario: Scenario, date: dt.date) -> list[int]:
    """Moments (minutes) at which same-day slots go online: the policy's, else the opening times."""
    if scenario.policy.same_day_release:
        return sorted(scenario.policy.same_day_release)
    return sorted(start for start, _ in scenario.office.opening_hours.get(WEEKDAYS[date.weekday()], []))
