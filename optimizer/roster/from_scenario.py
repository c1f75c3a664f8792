"""The scenario's roster section as a `RosterProblem`, and a solved roster back as availability.

`roster_problem(scenario, first, last)` maps (documented in docs/roster.md):
- every staff member (unless their contract says `rostered: false`) becomes an employee;
- days the office is closed (no opening hours, closed dates, public holidays) are days off for everyone,
  as are a contract's `days_off` and `weekdays_off`;
- `weekly_hours` becomes a target of worked minutes over the range, pro rata over the office's open
  days minus the person's own days off; the total must lie within the target ± `hours_flex`, and each
  calendar week at most `max_weekly_hours` (default weekly hours + flex, at most 48 h);
- a shift's worked minutes are its length minus the break the law requires (30 min over 6 h, 45 min
  over 9 h); `min_rest_hours` forbids a shift the next day that starts too soon after one ends;
- wishes become on/off requests (a wish without a shift means the whole day);
- cover is taken from the section, or else derived from demand: each open date's staff-minutes of demand
  (count × duration, plus entrance-guide minutes) are split over the shifts that serve the public that
  day (at least half of their worked time in opening hours) in proportion to their overlap with opening
  hours, and divided by what one person on that shift serves (overlap, at most the shift's worked minutes
  less the back-office minutes). With `policy.guides_min`, the shifts that
  together cover the opening hours also get a cover of guides (staff with the skill "guide"), two per
  guide where the shift lies more than six hours in opening hours, so that breaks can be taken.

`roster_availability(scenario, mapped, roster)` returns the scenario with the availability of the rostered
staff on those dates replaced by the worked shifts, which `slotplan plan` consumes directly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..clock import WEEKDAYS
from ..errors import InputError
from ..office_days import opening_intervals
from ..scenario import GUIDE_SKILL, Availability, Scenario
from .problem import Cover, Employee, Request, Roster, RosterProblem, ShiftType
from .section import ContractRules, RosterSection, ShiftDef

MAX_DAYS = 366
LAW_MAX_WEEKLY_HOURS = 48.0


def worked_minutes(shift: ShiftDef) -> int:
    """Presence minus the break the law requires (ArbZG §4: 30 min over 6 h, 45 min over 9 h)."""
    length = shift.end - shift.start
    return length - (45 if length > 9 * 60 else 30 if length > 6 * 60 else 0)


@dataclass(frozen=True)
class ScenarioRoster:
    """A roster problem built from a scenario, with the dates and shift definitions it stands for."""

    problem: RosterProblem
    first: dt.date
    shifts: dict[str, ShiftDef]
    targets: dict[str, int]  # worked-minutes target per employee over the range

    def date(self, day: int) -> dt.date:
        return self.first + dt.timedelta(days=day)


def _overlap(start: int, end: int, intervals: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, e) - max(start, s)) for s, e in intervals)


def _rule(name: str, contract: ContractRules | None, section: RosterSection):
    value = getattr(contract, name) if contract is not None else None
    return value if value is not None else getattr(section.defaults, name)


def _check(scenario: Scenario, section: RosterSection, first: dt.date, last: dt.date) -> list[str]:
    problems: list[str] = []
    if last < first:
        problems.append(f"--to: {last} is before --from {first}")
    elif (last - first).days + 1 > MAX_DAYS:
        problems.append(f"--to: at most {MAX_DAYS} days in one roster")
    grid = scenario.office.granularity_min
    ids = [s.id for s in section.shifts]
    for i, s in enumerate(section.shifts):
        loc = f"roster.shifts[{i}]"
        if ids.index(s.id) != i:
            problems.append(f"{loc}.id: duplicate id '{s.id}'")
        if s.end <= s.start:
            problems.append(f"{loc}.end: the shift must end after it starts (no shifts over midnight)")
        if s.end > 24 * 60:
            problems.append(f"{loc}.end: past midnight")
        for part in ("start", "end"):
            if getattr(s, part) % grid:
                problems.append(f"{loc}.{part}: off the {grid}-minute grid")
    staff = {p.id for p in scenario.staff}
    seen: set[str] = set()
    for i, c in enumerate(section.contracts):
        loc = f"roster.contracts[{i}]"
        if c.staff not in staff:
            problems.append(f"{loc}.staff: unknown staff '{c.staff}'")
        if c.staff in seen:
            problems.append(f"{loc}.staff: a second contract for '{c.staff}'")
        seen.add(c.staff)
        for j, sid in enumerate(c.shifts or []):
            if sid not in ids:
                problems.append(f"{loc}.shifts[{j}]: unknown shift '{sid}'")
    for i, w in enumerate(section.wishes):
        if w.staff not in staff:
            problems.append(f"roster.wishes[{i}].staff: unknown staff '{w.staff}'")
        if w.shift is not None and w.shift not in ids:
            problems.append(f"roster.wishes[{i}].shift: unknown shift '{w.shift}'")
    for i, cover in enumerate(section.cover or []):
        if cover.shift not in ids:
            problems.append(f"roster.cover[{i}].shift: unknown shift '{cover.shift}'")
    return problems


def roster_problem(scenario: Scenario, first: dt.date, last: dt.date) -> ScenarioRoster:
    """The roster problem of the scenario for the dates `first`..`last`; raises `InputError`."""
    section = scenario.roster
    if section is None:
        raise InputError("roster: the scenario has no roster section (shifts, contracts, wishes, cover)")
    problems = _check(scenario, section, first, last)
    if problems:
        raise InputError(problems)
    n = (last - first).days + 1
    dates = [first + dt.timedelta(days=d) for d in range(n)]
    opening = [opening_intervals(scenario, date) for date in dates]
    closed = {d for d in range(n) if not opening[d]}
    open_weekdays = sum(1 for day in WEEKDAYS if scenario.office.opening_hours.get(day)) or 5
    shifts = {s.id: s for s in section.shifts}
    rest = round(section.min_rest_hours * 60)
    types = tuple(
        ShiftType(s.id, worked_minutes(s), frozenset(t.id for t in section.shifts if 24 * 60 - s.end + t.start < rest))
        for s in section.shifts
    )

    contracts = {c.staff: c for c in section.contracts}
    employees, targets = [], {}
    for person in scenario.staff:
        contract = contracts.get(person.id)
        if contract is not None and not contract.rostered:
            continue
        own_off = {d for d in range(n) if contract is not None and dates[d] in contract.days_off}
        weekday_off = {
            d for d in range(n) if contract is not None and WEEKDAYS[dates[d].weekday()] in contract.weekdays_off
        }
        weekly = _rule("weekly_hours", contract, section)
        weekly = person.weekly_hours if weekly is None else weekly
        flex = round(_rule("hours_flex", contract, section) * 60)
        open_days = sum(1 for d in range(n) if d not in closed and d not in own_off)
        target = round(weekly * 60 / open_weekdays * open_days)
        max_week = _rule("max_weekly_hours", contract, section)
        max_week = min(LAW_MAX_WEEKLY_HOURS, weekly + flex / 60) if max_week is None else max_week
        allowed = set(contract.shifts) if contract is not None and contract.shifts is not None else set(shifts)
        targets[person.id] = target
        employees.append(
            Employee(
                id=person.id,
                max_shifts={s: 0 for s in shifts if s not in allowed},
                min_minutes=max(0, target - flex),
                max_minutes=target + flex,
                min_consecutive=_rule("min_consecutive_days", contract, section),
                max_consecutive=_rule("max_consecutive_days", contract, section),
                min_days_off=_rule("min_days_off", contract, section),
                max_weekends=_rule("max_weekends", contract, section),
                days_off=frozenset(closed | own_off | weekday_off),
                max_minutes_per_week=round(max_week * 60),
            )
        )
    rostered = {e.id for e in employees}

    requests = tuple(
        Request(w.staff, (w.date - first).days, w.shift, w.weight, w.kind == "on")
        for w in section.wishes
        if w.staff in rostered and first <= w.date <= last and w.weight
    )
    cover = (
        _explicit_cover(scenario, section, dates, closed)
        if section.cover is not None
        else _derived_cover(scenario, section, dates, opening)
    )
    problem = RosterProblem(
        days=n,
        shifts=types,
        employees=tuple(employees),
        requests=requests,
        cover=tuple(cover),
        first_weekday=first.weekday(),
        name=f"{scenario.office.id} {first}..{last}",
    )
    return ScenarioRoster(problem, first, shifts, targets)


def _skilled(scenario: Scenario, skill: str | None) -> frozenset[str] | None:
    return None if skill is None else frozenset(p.id for p in scenario.staff if skill in p.skills)


def _explicit_cover(scenario: Scenario, section: RosterSection, dates: list[dt.date], closed: set[int]) -> list[Cover]:
    out = []
    for c in section.cover or []:
        for d, date in enumerate(dates):
            if (
                d in closed
                or (c.date is not None and c.date != date)
                or (c.weekday is not None and WEEKDAYS[date.weekday()] != c.weekday)
            ):
                continue
            out.append(
                Cover(
                    d,
                    c.shift,
                    c.requirement,
                    section.under_weight if c.under_weight is None else c.under_weight,
                    section.over_weight if c.over_weight is None else c.over_weight,
                    _skilled(scenario, c.skill),
                )
            )
    return out


def _derived_cover(
    scenario: Scenario, section: RosterSection, dates: list[dt.date], opening: list[list[tuple[int, int]]]
) -> list[Cover]:
    durations = {t.id: t.duration_min for t in scenario.service_types}
    demand: dict[dt.date, int] = {}
    for row in scenario.demand:
        demand[row.date] = demand.get(row.date, 0) + row.count * durations.get(row.service, 0)
    guides = scenario.policy.guides_min
    shifts = {s.id: s for s in section.shifts}
    out = []
    for d, date in enumerate(dates):
        hours = opening[d]
        if not hours:
            continue
        open_minutes = sum(e - s for s, e in hours)
        overlap = {s.id: _overlap(s.start, s.end, hours) for s in section.shifts}
        # a shift serves the public that day if at least half of its worked time lies in opening hours
        serving = {sid: m for sid, m in overlap.items() if 2 * m >= worked_minutes(shifts[sid])}
        total = sum(serving.values())
        if not total:
            continue
        need = demand.get(date, 0) + guides * open_minutes
        for s in section.shifts:
            if s.id not in serving:
                continue
            serves = max(0, min(overlap[s.id], worked_minutes(s) - scenario.policy.back_office_min))
            if serves:
                out.append(
                    Cover(
                        d,
                        s.id,
                        math.ceil(need * overlap[s.id] / total / serves),
                        section.under_weight,
                        section.over_weight,
                    )
                )
        if guides:
            for s in _covering(section.shifts, hours):
                twice = 2 if overlap[s.id] > 6 * 60 else 1
                out.append(Cover(d, s.id, guides * twice, section.guide_weight, 0, _skilled(scenario, GUIDE_SKILL)))
    return out


def _covering(shifts: list[ShiftDef], hours: list[tuple[int, int]]) -> list[ShiftDef]:
    """Few shifts that together cover the opening hours: greedily the one covering most of what is left."""
    left = list(hours)
    chosen: list[ShiftDef] = []
    while left:
        best = max(shifts, key=lambda s: (_overlap(s.start, s.end, left), -s.start))
        if _overlap(best.start, best.end, left) == 0:
            break
        chosen.append(best)
        rest: list[tuple[int, int]] = []
        for s, e in left:
            if s < best.start:
                rest.append((s, min(e, best.start)))
            if e > best.end:
                rest.append((max(s, best.end), e))
        left = rest
    return chosen


def roster_availability(scenario: Scenario, mapped: ScenarioRoster, roster: Roster) -> Scenario:
    """The scenario with the rostered staff's availability on the roster's dates taken from the roster."""
    last = mapped.date(mapped.problem.days - 1)
    rostered = {e.id for e in mapped.problem.employees}
    kept = [a for a in scenario.availability if a.staff not in rostered or not mapped.first <= a.date <= last]
    worked = [
        Availability(staff=emp, date=mapped.date(day), start=mapped.shifts[s].start, end=mapped.shifts[s].end)
        for (emp, day), s in roster.items()
    ]
    order = {p.id: i for i, p in enumerate(scenario.staff)}
    worked.sort(key=lambda a: (a.date, order.get(a.staff, 0), a.start))
    return scenario.model_copy(update={"availability": kept + worked})
