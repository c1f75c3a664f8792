"""Morning re-plan: sick calls, late arrivals and early leaves, with the least disruption.

The published plan is the starting point: its bookings must keep their time and type (staff and
counter may change), what lies before `now` stays as it was; weighted served counts less a price for
each changed day and withdrawn published slot, then the most days kept (`keep_days`), then the fewest
published slots withdrawn (`keep_published`) win (docs/replan.md). Freed or remaining capacity goes
online the same day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .clock import hhmm
from .day.index import build_index
from .day.map_published import build_baseline
from .day.schedule import build_schedule
from .day.solution import ProgressFn, SolveOptions
from .errors import InfeasibleError, InputError
from .overbook import carry_overbooked, without_overbooked
from .pipeline import solve_checked
from .plan import Plan
from .plan_build import build_plan
from .scenario import Scenario, parse_scenario
from .sittings_view import plan_sittings


@dataclass(frozen=True)
class Changes:
    """What changed since the plan was published."""

    absent: tuple[str, ...] = ()
    arrive: tuple[tuple[str, int], ...] = ()
    """(staff, minute): comes only at that time."""
    leave: tuple[tuple[str, int], ...] = ()
    """(staff, minute): leaves at that time."""
    now: int | None = None
    """Minute of the re-plan: everything before it is frozen."""


@dataclass
class ChangeReport:
    """How the new plan differs from the published one, by slot id."""

    kept: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    """Same id, time and type, but another person or counter."""
    withdrawn: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    notify: list[dict[str, Any]] = field(default_factory=list)
    """Bookings that lost their time: booking, service, start, reason, proposal."""
    people: list[dict[str, Any]] = field(default_factory=list)
    """Per present person: staff, whether the day is unchanged, and what changed (German, for the office)."""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "moved": self.moved,
            "withdrawn": self.withdrawn,
            "new": self.new,
            "notify": self.notify,
            "people": self.people,
        }

    @property
    def unchanged_people(self) -> int:
        return sum(1 for p in self.people if p["unchanged"])


def apply_changes(scenario: Scenario, date: dt.date, published: Plan, changes: Changes) -> Scenario:
    """The scenario as it stands now: presence cut by the changes, the published bookings added."""
    staff = {p.id for p in scenario.staff}
    for option, ids in (
        ("--absent", changes.absent),
        ("--arrive", [s for s, _ in changes.arrive]),
        ("--leave", [s for s, _ in changes.leave]),
    ):
        unknown = [s for s in ids if s not in staff]
        if unknown:
            raise InputError(f"{option}: unknown staff {', '.join(repr(s) for s in unknown)}")
    grid = scenario.office.granularity_min
    for option, items in (("--arrive", changes.arrive), ("--leave", changes.leave)):
        for who, minute in items:
            if minute % grid:
                raise InputError(f"{option}: {who}={hhmm(minute)} is off the {grid}-minute grid")
    if published.office != scenario.office.id or published.date != date:
        raise InputError(
            f"--plan: the plan is for {published.office} on {published.date}, not {scenario.office.id} on {date}"
        )
    arrive, leave = dict(changes.arrive), dict(changes.leave)
    availability = []
    for a in scenario.availability:
        if a.date == date:
            if a.staff in changes.absent:
                continue
            start = max(a.start, arrive.get(a.staff, a.start))
            end = min(a.end, leave.get(a.staff, a.end))
            if end <= start:
                continue
            a = a.model_copy(update={"start": start, "end": end})
        availability.append(a)
    data = scenario.to_json_dict()
    data["availability"] = [a.model_dump(mode="json", exclude_none=True) for a in availability]
    booked = {s.booking: s for s in published.slots if s.booking}
    bookings = [
        b.model_dump(mode="json", exclude_none=True) for b in scenario.bookings if b.date != date or b.id not in booked
    ]
    for booking, s in booked.items():
        bookings.append(
            {
                "id": booking,
                "date": date.isoformat(),
                "start": hhmm(s.start),
                "service": s.service,
                "staff": s.staff,
                "counter": s.counter,
            }
        )
    data["bookings"] = bookings
    return parse_scenario(data)


def compare(published: Plan, plan: Plan) -> ChangeReport:
    """Kept, moved, withdrawn and new slots, and the bookings to notify."""
    old = {s.id: s for s in published.slots}
    new = {s.id: s for s in plan.slots}
    report = ChangeReport()
    for slot_id, s in new.items():
        before = old.get(slot_id)
        if before is None:
            report.new.append(slot_id)
        elif (before.staff, before.counter) == (s.staff, s.counter):
            report.kept.append(slot_id)
        else:
            report.moved.append(slot_id)
    report.withdrawn = [slot_id for slot_id in old if slot_id not in new]
    report.people = day_changes(published, plan)
    booking_slot = {s.booking: s for s in published.slots if s.booking}
    for r in plan.rebook:
        held = booking_slot.get(r.booking)
        report.notify.append(
            {
                "booking": r.booking,
                "slot": held.id if held else None,
                "service": held.service if held else None,
                "start": hhmm(held.start) if held else None,
                "reason": r.reason,
                "proposal": r.proposal,
            }
        )
    return report


def _day_of(plan: Plan, staff: str) -> dict[str, list[str]]:
    """A person's day as the office sees it: sittings (counter and time), breaks, guide duty."""

    def spans(activity: str) -> list[str]:
        out: list[list[int]] = []
        for a in sorted(
            (a for a in plan.assignments if a.staff == staff and a.activity == activity), key=lambda a: a.start
        ):
            if out and out[-1][1] == a.start:
                out[-1][1] = a.end
            else:
                out.append([a.start, a.end])
        return [f"{hhmm(s)}–{hhmm(e)}" for s, e in out]

    sittings = [s for s in plan_sittings(plan) if s.staff == staff]
    return {
        "Sitzung": [f"{s.counter} {hhmm(s.start)}–{hhmm(s.end)}" for s in sittings],
        "Pause": spans("break"),
        "Lotse": spans("guide"),
    }


def day_changes(published: Plan, plan: Plan) -> list[dict[str, Any]]:
    """For every person present in the new plan: unchanged, or what changed in their day."""
    out = []
    for staff in sorted({a.staff for a in plan.assignments}):
        before, after = _day_of(published, staff), _day_of(plan, staff)
        what = [
            f"{kind}: {', '.join(before[kind]) or '–'} → {', '.join(after[kind]) or '–'}"
            for kind in before
            if before[kind] != after[kind]
        ]
        out.append({"staff": staff, "unchanged": not what, "changes": what})
    return out


def replan_day(
    current: Scenario,
    published: Plan,
    date: dt.date,
    changes: Changes,
    options: SolveOptions = SolveOptions(time_limit_s=10.0),
    on_progress: ProgressFn | None = None,
) -> tuple[Plan, ChangeReport]:
    """Re-plan one published office-day; `current` is `apply_changes(...)` of the scenario.

    Raises `InfeasibleError` with reasons in words.
    """
    regular = without_overbooked(published)
    extras = {s.booking for s in published.slots if s.overbook_of and s.booking}
    model = current.model_copy(update={"bookings": [b for b in current.bookings if b.id not in extras]})
    index = build_index(model, date)
    index.baseline = build_baseline(index, regular, changes.now)
    absent = f" ({', '.join(changes.absent)} absent)" if changes.absent else ""
    try:
        solution = solve_checked(index, options, on_progress)
    except InfeasibleError as err:
        raise InfeasibleError([reason + absent for reason in err.reasons]) from None
    plan = build_plan(model, build_schedule(solution, strategy="cp-sat replan"), previous=regular)
    plan = carry_overbooked(published, plan)
    if absent:
        for r in plan.rebook:
            r.reason += absent
    return plan, compare(published, plan)
