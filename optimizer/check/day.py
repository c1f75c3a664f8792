"""What the rules look up about one office-day: presence, opening hours, assignments by person, names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..clock import merge_intervals, span
from ..office_days import closed_reason, opening_intervals
from ..plan import Assignment, Plan, Slot
from ..scenario import Counter, Person, RequestType, Scenario

Interval = tuple[int, int]


@dataclass(frozen=True)
class Day:
    """A plan and the facts of its scenario on the plan's date; times are minutes since midnight."""

    scenario: Scenario
    plan: Plan
    services: dict[str, RequestType]
    counters: dict[str, Counter]
    people: dict[str, Person]
    presence: dict[str, list[Interval]]
    """Merged availability windows per present person."""
    opening: list[Interval]
    """Merged opening intervals; empty on a closed day."""
    closed: str | None
    """Why the office is closed on the date, or None."""
    by_staff: dict[str, list[Assignment]]
    """Each person's assignments with start < end, sorted by start."""

    @property
    def date(self) -> dt.date:
        return self.plan.date

    @classmethod
    def of(cls, scenario: Scenario, plan: Plan) -> Day:
        windows: dict[str, list[Interval]] = defaultdict(list)
        for a in scenario.availability:
            if a.date == plan.date:
                windows[a.staff].append((a.start, a.end))
        by_staff: dict[str, list[Assignment]] = defaultdict(list)
        for item in sorted(plan.assignments, key=lambda x: (x.start, x.end)):
            if item.start < item.end:
                by_staff[item.staff].append(item)
        return cls(
            scenario=scenario,
            plan=plan,
            services={t.id: t for t in scenario.service_types},
            counters={c.id: c for c in scenario.office.counters},
            people={p.id: p for p in scenario.staff},
            presence={staff: merge_intervals(w) for staff, w in windows.items()},
            opening=merge_intervals(opening_intervals(scenario, plan.date)),
            closed=closed_reason(scenario, plan.date),
            by_staff=dict(by_staff),
        )

    def of_activity(self, staff: str, activity: str) -> list[Assignment]:
        return [a for a in self.by_staff.get(staff, []) if a.activity == activity]


def inside(start: int, end: int, intervals: list[Interval]) -> bool:
    """Whether [start, end) lies within one of `intervals`."""
    return any(s <= start and end <= e for s, e in intervals)


def subtract(intervals: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """The parts of disjoint `intervals` not covered by `cuts`."""
    out: list[Interval] = []
    for s, e in intervals:
        pos = s
        for cs, ce in merge_intervals(cuts):
            if ce <= pos or cs >= e:
                continue
            if cs > pos:
                out.append((pos, cs))
            pos = max(pos, ce)
        if pos < e:
            out.append((pos, e))
    return out


def total(intervals: list[Interval]) -> int:
    return sum(e - s for s, e in intervals)


def spans(intervals: list[Interval]) -> str:
    """ "07:30–12:30, 13:00–16:00" for messages."""
    return ", ".join(span(s, e) for s, e in intervals) or "none"


def duration(minutes: int) -> str:
    """ "6 h 30 min", "45 min" for messages."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def describe(a: Assignment) -> str:
    """ "S004 service uebertrag at C03 09:00–10:00", "S012 guide 07:30–09:00"."""
    what = a.activity.replace("_", " ")
    if a.activity == "service":
        what += f" {a.service or '?'} at {a.counter or '?'}"
    return f"{a.staff} {what} {span(a.start, a.end)}"


def describe_slot(slot: Slot) -> str:
    """ "slot abh-…-0900-1 (uebertrag 09:00–09:15, S004 at C03)"."""
    return f"slot {slot.id} ({slot.service} {span(slot.start, slot.end)}, {slot.staff} at {slot.counter})"
