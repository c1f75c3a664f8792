"""A solver-independent multi-week roster problem: who works which shift on which day.

Days are counted from 0; `first_weekday` says which weekday day 0 is (0 = Monday). Every rule is per
employee; cover is per day and shift type. The Curtois & Qu benchmark and the scenario's roster section
both map onto this one shape, and the engine only ever sees this shape.

Rules (hard):
- at most one shift a day; never on a fixed day off; never a shift type the employee may not work;
- a shift type's forbidden successors never follow it on the next day;
- at most `max_shifts[s]` shifts of type `s` (a type missing from the map is unlimited);
- total minutes within [`min_minutes`, `max_minutes`]; optionally also per calendar week;
- runs of worked days at most `max_consecutive` long and at least `min_consecutive` long; runs of days
  off at least `min_days_off` long. Runs touching the first or last day of the horizon are exempt from
  the minimums (the days outside the horizon are unknown);
- at most `max_weekends` weekends (a Saturday/Sunday pair of one week) with any work.

Objective (minimised): weight of every on-request not met, weight of every off-request met, and per
day and shift `under_weight * missing + over_weight * extra` staff against the requirement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift: its length and the shift types that may not follow it on the next day."""

    id: str
    minutes: int
    forbidden_next: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Employee:
    """One person with the rules of their contract."""

    id: str
    max_shifts: Mapping[str, int] = field(default_factory=dict)
    min_minutes: int = 0
    max_minutes: int | None = None
    min_consecutive: int = 1
    max_consecutive: int | None = None
    min_days_off: int = 1
    max_weekends: int | None = None
    days_off: frozenset[int] = frozenset()
    # Per calendar week (Monday to Sunday, clipped to the horizon): at most this many minutes.
    max_minutes_per_week: int | None = None

    def may_work(self, shift: str) -> bool:
        return self.max_shifts.get(shift, 1) > 0


@dataclass(frozen=True)
class Request:
    """A wish of one employee for one day: `on` = wants to work it, `off` = does not.

    `shift` names the shift; None means any shift (on: work at all that day, off: not work that day).
    """

    employee: str
    day: int
    shift: str | None
    weight: int
    on: bool

    def granted(self, roster: Roster) -> bool:
        worked = roster.get((self.employee, self.day))
        works = worked is not None if self.shift is None else worked == self.shift
        return works == self.on


@dataclass(frozen=True)
class Cover:
    """How many employees should work shift `shift` on day `day`, with the cost per missing/extra one.

    `eligible` names the employees who count (for instance those with a skill); None = everyone.
    Several cover entries may share a day and shift when they count different groups.
    """

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int
    eligible: frozenset[str] | None = None

    def counts(self, employee: str) -> bool:
        return self.eligible is None or employee in self.eligible

    def staffed(self, roster: Roster) -> int:
        return sum(1 for (emp, day), s in roster.items() if day == self.day and s == self.shift and self.counts(emp))


@dataclass(frozen=True)
class RosterProblem:
    """The whole roster problem over `days` days."""

    days: int
    shifts: tuple[ShiftType, ...]
    employees: tuple[Employee, ...]
    requests: tuple[Request, ...] = ()
    cover: tuple[Cover, ...] = ()
    first_weekday: int = 0
    name: str = ""

    def shift(self, shift_id: str) -> ShiftType:
        return self._shift_index()[shift_id]

    def _shift_index(self) -> dict[str, ShiftType]:
        return {s.id: s for s in self.shifts}

    def weekday(self, day: int) -> int:
        return (self.first_weekday + day) % 7

    def weekends(self) -> list[tuple[int, ...]]:
        """The days of each weekend touched by the horizon: (Sat, Sun), or a lone day at an end."""
        groups: dict[int, list[int]] = {}
        for d in range(self.days):
            if self.weekday(d) in (SATURDAY, SUNDAY):
                groups.setdefault((self.first_weekday + d) // 7, []).append(d)
        return [tuple(days) for _, days in sorted(groups.items())]

    def weeks(self) -> list[tuple[int, ...]]:
        """The days of each calendar week (Monday to Sunday) touched by the horizon."""
        groups: dict[int, list[int]] = {}
        for d in range(self.days):
            groups.setdefault((self.first_weekday + d) // 7, []).append(d)
        return [tuple(days) for _, days in sorted(groups.items())]

    def validate(self) -> list[str]:
        """Problems of consistency (unknown ids, days out of range), each naming its place."""
        problems: list[str] = []
        shift_ids = [s.id for s in self.shifts]
        emp_ids = [e.id for e in self.employees]
        problems += _duplicates("shift", shift_ids) + _duplicates("employee", emp_ids)
        known_s, known_e = set(shift_ids), set(emp_ids)
        if self.days <= 0:
            problems.append(f"horizon: {self.days} days is not positive")
        for s in self.shifts:
            if s.minutes < 0:
                problems.append(f"shift {s.id}: negative length {s.minutes}")
            for t in sorted(s.forbidden_next - known_s):
                problems.append(f"shift {s.id}: unknown successor shift '{t}'")
        for e in self.employees:
            for t in sorted(set(e.max_shifts) - known_s):
                problems.append(f"employee {e.id}: limit for unknown shift '{t}'")
            for d in sorted(e.days_off):
                if not 0 <= d < self.days:
                    problems.append(f"employee {e.id}: day off {d} outside the horizon 0..{self.days - 1}")
        for r in self.requests:
            if r.employee not in known_e:
                problems.append(f"request: unknown employee '{r.employee}'")
            if r.shift is not None and r.shift not in known_s:
                problems.append(f"request of {r.employee}: unknown shift '{r.shift}'")
            if not 0 <= r.day < self.days:
                problems.append(f"request of {r.employee}: day {r.day} outside the horizon")
        for c in self.cover:
            if c.shift not in known_s:
                problems.append(f"cover: unknown shift '{c.shift}' on day {c.day}")
            if not 0 <= c.day < self.days:
                problems.append(f"cover: day {c.day} outside the horizon")
        return problems


def _duplicates(kind: str, ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for ident in ids:
        if ident in seen:
            out.append(f"{kind} '{ident}' is defined twice")
        seen.add(ident)
    return out


Roster = dict[tuple[str, int], str]
"""A roster: (employee id, day) -> shift id, for the worked days only."""


def violations(problem: RosterProblem, roster: Roster) -> list[str]:
    """Every hard rule the roster breaks, in words (an independent check used by tests and the engine)."""
    bad: list[str] = []
    n = problem.days
    shifts = problem._shift_index()
    by_emp: dict[str, dict[int, str]] = {e.id: {} for e in problem.employees}
    for (emp, day), s in roster.items():
        if emp not in by_emp or s not in shifts or not 0 <= day < n:
            bad.append(f"unknown entry {emp},{day},{s}")
            continue
        by_emp[emp][day] = s
    for e in problem.employees:
        w = by_emp[e.id]
        for d, s in w.items():
            if d + 1 in w and w[d + 1] in shifts[s].forbidden_next:
                bad.append(f"{e.id}: {w[d + 1]} on day {d + 1} may not follow {s}")
            if d in e.days_off:
                bad.append(f"{e.id}: works on day off {d}")
        for s in shifts:
            count = sum(1 for v in w.values() if v == s)
            if count > e.max_shifts.get(s, n):
                bad.append(f"{e.id}: {count} shifts {s} > max {e.max_shifts.get(s)}")
        total = sum(shifts[s].minutes for s in w.values())
        if total < e.min_minutes or (e.max_minutes is not None and total > e.max_minutes):
            bad.append(f"{e.id}: {total} min outside [{e.min_minutes}, {e.max_minutes}]")
        if e.max_minutes_per_week is not None:
            for week in problem.weeks():
                minutes = sum(shifts[w[d]].minutes for d in week if d in w)
                if minutes > e.max_minutes_per_week:
                    bad.append(f"{e.id}: {minutes} min in the week of day {week[0]} > {e.max_minutes_per_week}")
        on = [d in w for d in range(n)]
        for start, length in _runs(on):
            if e.max_consecutive is not None and length > e.max_consecutive:
                bad.append(f"{e.id}: {length} consecutive shifts > {e.max_consecutive}")
            if length < e.min_consecutive and start > 0 and start + length < n:
                bad.append(f"{e.id}: {length} consecutive shifts < {e.min_consecutive} at day {start}")
        for start, length in _runs([not f for f in on]):
            if length < e.min_days_off and start > 0 and start + length < n:
                bad.append(f"{e.id}: {length} days off < {e.min_days_off} at day {start}")
        if e.max_weekends is not None:
            worked = sum(1 for days in problem.weekends() if any(on[d] for d in days))
            if worked > e.max_weekends:
                bad.append(f"{e.id}: {worked} weekends > {e.max_weekends}")
    return bad


OBJECTIVE_TERMS = ("on_requests", "off_requests", "cover_under", "cover_over")
"""The names of the objective's terms (the same names as the model's objective families)."""


def objective(problem: RosterProblem, roster: Roster, skip: Iterable[str] = ()) -> int:
    """The objective value of a roster (requests and cover), independent of any solver.

    `skip` leaves out terms named in `OBJECTIVE_TERMS` (for ablations).
    """
    skip = set(skip)
    total = 0
    for r in problem.requests:
        if ("on_requests" if r.on else "off_requests") not in skip and not r.granted(roster):
            total += r.weight
    for c in problem.cover:
        have = c.staffed(roster)
        if have < c.requirement and "cover_under" not in skip:
            total += (c.requirement - have) * c.under_weight
        elif have > c.requirement and "cover_over" not in skip:
            total += (have - c.requirement) * c.over_weight
    return total


def _runs(flags: list[bool]) -> Iterable[tuple[int, int]]:
    """(start, length) of every run of True."""
    start = None
    for i, f in enumerate([*flags, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            yield start, i - start
            start = None
