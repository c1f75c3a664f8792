"""The scenario: an office's reality for some days, validated (format: shared/spec/SCENARIO.md).

`load_scenario` / `parse_scenario` turn JSON into a `Scenario` or raise `InputError` whose problems
name their field, e.g. ``availability[3].staff: unknown staff 'S999'``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from .clock import WEEKDAYS, Clock, Weekday, hhmm
from .errors import InputError
from .holiday_calendar import holiday_calendar_problem, public_holiday
from .io.json_file import read_json
from .roster.section import RosterSection

GUIDE_SKILL = "guide"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Counter(_Model):
    id: str = Field(min_length=1)
    equipment: list[str] = []


class Office(_Model):
    id: str = Field(min_length=1)
    name: str
    timezone: str = "Europe/Berlin"
    granularity_min: int = Field(default=5, gt=0, le=60)
    opening_hours: dict[Weekday, list[tuple[Clock, Clock]]] = {}
    closed_dates: list[dt.date] = []
    holidays: str | None = None
    counters: list[Counter] = []

    def closed_reason(self, date: dt.date) -> str | None:
        """Why the office is closed on `date` (closed date, public holiday, no opening hours), or None."""
        if date in self.closed_dates:
            return f"{date} is a closed date of the office"
        if self.holidays:
            name = public_holiday(self.holidays, date)
            if name:
                return f"{date} is a public holiday ({name}, {self.holidays})"
        if not self.opening_hours.get(WEEKDAYS[date.weekday()]):
            return f"the office has no opening hours on {WEEKDAYS[date.weekday()]}"
        return None

    def opening_intervals(self, date: dt.date) -> list[tuple[int, int]]:
        """Public opening hours on `date` as sorted half-open minute intervals; empty when closed."""
        if self.closed_reason(date):
            return []
        return sorted(self.opening_hours.get(WEEKDAYS[date.weekday()], []))


class RequestType(_Model):
    """A service type (Anliegen): what a citizen comes for."""

    id: str = Field(min_length=1)
    name: str
    duration_min: int = Field(gt=0)
    skill: str = Field(min_length=1)
    weight: float = Field(ge=0)
    same_day_share: float = Field(default=0.0, ge=0, le=1)
    equipment: list[str] = []
    info: str | None = None
    target_wait_days: int | None = Field(default=None, ge=0)
    """A request should get its appointment within this many calendar days of being made; 0 = same day."""


class Person(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    skills: list[str] = []
    weekly_hours: float = Field(default=39.0, ge=0)


class Availability(_Model):
    staff: str
    date: dt.date
    start: Clock
    end: Clock


class Vacancy(_Model):
    id: str = Field(min_length=1)
    title: str = ""
    skills: list[str] = []
    weekly_hours: float = Field(default=39.0, ge=0)


class Demand(_Model):
    date: dt.date
    service: str
    count: int = Field(ge=0)


class Backlog(_Model):
    """Requests of one type already waiting when the plans begin, made on date `since`."""

    service: str
    since: dt.date
    count: int = Field(ge=0)


class Contingent(_Model):
    """Slots of one type a date should offer, set by the horizon planner (optimizer/horizon)."""

    date: dt.date
    service: str
    count: int = Field(ge=0)


class Booking(_Model):
    id: str = Field(min_length=1)
    date: dt.date
    start: Clock
    service: str
    staff: str | None = None
    counter: str | None = None


class Policy(_Model):
    back_office_min: int = Field(default=0, ge=0)
    min_block_min: int = Field(default=60, ge=0)
    guides_min: int = Field(default=0, ge=0)
    same_day_release: list[Clock] | None = None
    calendar_horizon_days: int = Field(default=14, ge=0)
    max_counters_per_person: int | None = Field(default=None, ge=1)
    """Most distinct counters one person serves at in a day (rule 11); unset: planned with 1."""
    max_sittings: int | None = Field(default=None, ge=1)
    """Most sittings (stretches of service at one counter) per person and day; unset: planned with 2."""
    min_sitting_min: int | None = Field(default=None, ge=0)
    """Shortest sitting in minutes, unless its opening interval is shorter; unset: planned with 60."""
    min_share: float = Field(default=0.25, ge=0, le=1)
    """On a day without contingents, every type with demand first gets this share of its demand where
    capacity allows, before the rest goes by weight (no type is starved)."""
    # ask the planner to place same-day slots so that ZMS can release them exactly at release_at
    # (docs/export.md, "Release aligned to ZMS"); None = not asked, like False
    release_aligned_to_zms: bool | None = None
    no_show: Literal["off", "overbook"] = "off"
    overflow_risk: float = Field(default=0.5, gt=0, lt=1)
    """With `no_show: overbook`: the highest chance, per hour and counter, that more booked citizens
    come than the counter can serve in that hour (docs/forecast.md)."""

    def sitting_rules(self) -> tuple[int, int, int]:
        """(max counters, max sittings, shortest sitting in minutes) to plan with: the policy's values,
        else what offices expect, 1 / 2 / 60 (docs/day-model.md)."""
        return (
            self.max_counters_per_person or DEFAULT_MAX_COUNTERS,
            self.max_sittings or DEFAULT_MAX_SITTINGS,
            DEFAULT_MIN_SITTING_MIN if self.min_sitting_min is None else self.min_sitting_min,
        )


DEFAULT_MAX_COUNTERS, DEFAULT_MAX_SITTINGS, DEFAULT_MIN_SITTING_MIN = 1, 2, 60


class NoShowRate(_Model):
    """The chance that a citizen with a booked (calendar) appointment of `service` does not come."""

    service: str
    weekday: Weekday | None = None
    """None: every weekday without a row of its own."""
    rate: float = Field(ge=0, lt=1)


class Scenario(_Model):
    version: Literal[1] = 1
    office: Office
    service_types: list[RequestType]
    staff: list[Person] = []
    availability: list[Availability] = []
    vacancies: list[Vacancy] = []
    demand: list[Demand] = []
    bookings: list[Booking] = []
    policy: Policy = Policy()
    roster: RosterSection | None = None
    requests: list[Demand] = []
    """New requests per date and type (citizens who start looking for an appointment)."""
    backlog: list[Backlog] = []
    contingents: list[Contingent] = []
    """Per date and type, the slots the day should offer first (the horizon planner's contingents)."""
    no_show_rates: list[NoShowRate] = []

    def to_json_dict(self) -> dict[str, Any]:
        """The scenario in its JSON format."""
        return self.model_dump(mode="json", exclude_none=True)

    def dates(self) -> list[dt.date]:
        """Every date the scenario mentions (availability, demand, bookings), sorted."""
        return sorted(
            {a.date for a in self.availability} | {d.date for d in self.demand} | {b.date for b in self.bookings}
        )


def parse_scenario(data: Any) -> Scenario:
    """Validate a JSON-like object into a cross-checked `Scenario`; raises `InputError`."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise InputError([format_validation_error(e) for e in err.errors()]) from None
    problems = cross_check(scenario)
    if problems:
        raise InputError(problems)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file; raises `InputError` naming the field or the file."""
    return parse_scenario(read_json(path))


def location(loc: tuple[Any, ...]) -> str:
    """`('availability', 3, 'end')` -> `availability[3].end`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "scenario"


def format_validation_error(error: ErrorDetails) -> str:
    """One pydantic error as `path: message`, the offending value quoted where it helps."""
    loc = location(tuple(p for p in error["loc"] if not str(p).startswith("function-")))
    kind = error["type"]
    if kind == "time":
        return f"{loc}: {error['msg']}"
    if kind == "missing":
        return f"{loc}: missing"
    if kind == "extra_forbidden":
        return f"{loc}: unknown field"
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    return f"{loc}: {error['msg'][0].lower()}{error['msg'][1:]}{shown}"


def cross_check(s: Scenario) -> list[str]:
    """Checks across sections: ids, references, grid, ordering, overlaps, bookings in opening hours."""
    problems: list[str] = []
    grid = s.office.granularity_min

    def on_grid(loc: str, minutes: int) -> None:
        if minutes % grid:
            problems.append(f"{loc}: '{hhmm(minutes)}' is off the {grid}-minute grid")

    def unique(section: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                problems.append(f"{section}[{i}].id: duplicate id '{ident}'")
            seen.add(ident)

    unique("office.counters", [c.id for c in s.office.counters])
    unique("service_types", [t.id for t in s.service_types])
    unique("staff", [p.id for p in s.staff])
    unique("vacancies", [v.id for v in s.vacancies])
    unique("bookings", [b.id for b in s.bookings])
    staff_ids = {p.id for p in s.staff}
    for i, v in enumerate(s.vacancies):
        if v.id in staff_ids:
            problems.append(f"vacancies[{i}].id: '{v.id}' is also a staff id")

    problem = holiday_calendar_problem(s.office.holidays)
    if problem:
        problems.append(f"office.holidays: {problem}")
    for day, intervals in s.office.opening_hours.items():
        for j, (start, end) in enumerate(intervals):
            loc = f"office.opening_hours.{day}[{j}]"
            on_grid(loc + "[0]", start)
            on_grid(loc + "[1]", end)
            if end <= start:
                problems.append(f"{loc}: end '{hhmm(end)}' is not after start '{hhmm(start)}'")
        ordered = sorted(intervals)
        for (_s1, e1), (s2, _e2) in itertools.pairwise(ordered):
            if s2 < e1:
                problems.append(f"office.opening_hours.{day}: '{hhmm(s2)}' overlaps the interval ending '{hhmm(e1)}'")

    services = {t.id: t for t in s.service_types}
    for i, t in enumerate(s.service_types):
        if t.duration_min % grid:
            problems.append(
                f"service_types[{i}].duration_min: {t.duration_min} is not a multiple of the {grid}-minute grid"
            )

    windows: dict[tuple[str, dt.date], list[tuple[int, int, int]]] = defaultdict(list)
    for i, a in enumerate(s.availability):
        loc = f"availability[{i}]"
        if a.staff not in staff_ids:
            problems.append(f"{loc}.staff: unknown staff '{a.staff}'")
        on_grid(loc + ".start", a.start)
        on_grid(loc + ".end", a.end)
        if a.end > 24 * 60:
            problems.append(f"{loc}.end: '{hhmm(a.end)}' is past midnight")
        if a.end <= a.start:
            problems.append(f"{loc}.end: '{hhmm(a.end)}' is not after start '{hhmm(a.start)}'")
            continue
        for j, s0, e0 in windows[(a.staff, a.date)]:
            if a.start < e0 and s0 < a.end:
                problems.append(f"{loc}: overlaps availability[{j}] of staff '{a.staff}' on {a.date}")
        windows[(a.staff, a.date)].append((i, a.start, a.end))

    per_date: list[tuple[str, Sequence[Demand | Backlog | Contingent]]] = [
        ("demand", s.demand),
        ("requests", s.requests),
        ("backlog", s.backlog),
        ("contingents", s.contingents),
    ]
    for section, items in per_date:
        for i, d in enumerate(items):
            if d.service not in services:
                problems.append(f"{section}[{i}].service: unknown service '{d.service}'")

    for section, named in (
        ("requests", [r.service for r in s.requests]),
        ("no_show_rates", [r.service for r in s.no_show_rates]),
    ):
        for i, service in enumerate(named):
            if service not in services:
                problems.append(f"{section}[{i}].service: unknown service '{service}'")

    counter_ids = {c.id for c in s.office.counters}
    for i, b in enumerate(s.bookings):
        loc = f"bookings[{i}]"
        if b.staff is not None and b.staff not in staff_ids:
            problems.append(f"{loc}.staff: unknown staff '{b.staff}'")
        if b.counter is not None and b.counter not in counter_ids:
            problems.append(f"{loc}.counter: unknown counter '{b.counter}'")
        on_grid(loc + ".start", b.start)
        booked = services.get(b.service)
        if booked is None:
            problems.append(f"{loc}.service: unknown service '{b.service}'")
            continue
        if problem is None:
            end = b.start + booked.duration_min
            if not any(s0 <= b.start and end <= e0 for s0, e0 in s.office.opening_intervals(b.date)):
                problems.append(
                    f"{loc}.start: {b.service} at '{hhmm(b.start)}'–'{hhmm(end)}' on {b.date} is outside opening hours"
                )
    if s.policy.same_day_release:
        for j, moment in enumerate(s.policy.same_day_release):
            on_grid(f"policy.same_day_release[{j}]", moment)
    return problems
