"""Why a feasible day serves less than demand: which rule or input limits each request type.

Read off the plan: for every request type short of its demand, the minutes in which all counters
that fit it were taken, or in which every present person with its skill was busy, or else that other
requests are worth more per minute and took the capacity.
"""

from __future__ import annotations

from collections import defaultdict

from .clock import span
from .office_days import opening_intervals
from .plan import Plan
from .scenario import RequestType, Scenario

LIMITING_SHARE = 0.5
"""A resource limits a request type when it is exhausted in at least this share of the opening minutes."""


def _spans(minutes: list[int], grid: int) -> list[str]:
    out: list[list[int]] = []
    for m in sorted(minutes):
        if out and m == out[-1][1]:
            out[-1][1] = m + grid
        else:
            out.append([m, m + grid])
    return [span(s, e) for s, e in out]


class Usage:
    """Who sits at which counter, and who is busy or present, per grid minute of a planned day."""

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.grid = scenario.office.granularity_min
        self.minutes = [m for s, e in opening_intervals(scenario, plan.date) for m in range(s, e, self.grid)]
        self.counters = {c.id: set(c.equipment) for c in scenario.office.counters}
        self.skills = {p.id: set(p.skills) for p in scenario.staff}
        self.seated: dict[int, set[str]] = defaultdict(set)
        self.busy: dict[int, set[str]] = defaultdict(set)
        self.present: dict[int, set[str]] = defaultdict(set)
        for a in plan.assignments:
            for m in range(a.start, a.end, self.grid):
                self.present[m].add(a.staff)
                if a.activity != "back_office":
                    self.busy[m].add(a.staff)
                if a.activity == "service" and a.counter:
                    self.seated[m].add(a.counter)


def limiting_resource(usage: Usage, t: RequestType) -> tuple[str, str] | None:
    """What limited request type `t` that day: ("no counter" | "counters" | "skill", words), or None when
    neither its counters nor its skilled people were taken for at least `LIMITING_SHARE` of the day."""
    fitting = {c for c, eq in usage.counters.items() if set(t.equipment) <= eq}
    where = f"counters with {', '.join(t.equipment)}" if t.equipment else "counters"
    if not fitting:
        return "no counter", f"no counter has {', '.join(t.equipment)}"
    minutes = usage.minutes
    full = [m for m in minutes if fitting <= usage.seated[m]]
    if minutes and len(full) >= LIMITING_SHARE * len(minutes):
        return "counters", f"{where} {', '.join(_spans(full, usage.grid)[:3])}"
    skilled = lambda m: {p for p in usage.present[m] if t.skill in usage.skills.get(p, set())}  # noqa: E731
    no_one = [m for m in minutes if skilled(m) <= usage.busy[m]]
    if minutes and len(no_one) >= LIMITING_SHARE * len(minutes):
        return "skill", f"people with skill '{t.skill}' {', '.join(_spans(no_one, usage.grid)[:3])}"
    return None


def explain_limits(scenario: Scenario, plan: Plan) -> list[str]:
    """One sentence per request type with demand, e.g. "Übertrag demand 180, served 122: limited by
    counters with eat_reader 07:30–10:00"."""
    usage = Usage(scenario, plan)
    served, demand = plan.kpis["served"], plan.kpis["demand"]
    out = []
    for t in scenario.service_types:
        if not demand.get(t.id):
            continue
        head = f"{t.name} demand {demand[t.id]}, served {served.get(t.id, 0)}"
        if served.get(t.id, 0) >= demand[t.id]:
            out.append(f"{head}: demand met")
            continue
        limit = limiting_resource(usage, t)
        if limit is not None:
            kind, words = limit
            out.append(f"{head}: {words}" if kind == "no counter" else f"{head}: limited by {words}")
        else:
            worth = t.weight / t.duration_min
            better = [o.name for o in scenario.service_types if o.weight / o.duration_min > worth]
            out.append(
                f"{head}: worth {t.weight:g} per {t.duration_min} min, less per minute than "
                f"{', '.join(better) or 'other duties'}, which took the capacity"
            )
    return out
