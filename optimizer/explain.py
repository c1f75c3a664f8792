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
from .scenario import Scenario

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


def explain_limits(scenario: Scenario, plan: Plan) -> list[str]:
    """One sentence per request type with demand, e.g. "Übertrag demand 180, served 122: limited by
    counters with eat_reader 07:30–10:00"."""
    grid = scenario.office.granularity_min
    minutes = [m for s, e in opening_intervals(scenario, plan.date) for m in range(s, e, grid)]
    counters = {c.id: set(c.equipment) for c in scenario.office.counters}
    skills = {p.id: set(p.skills) for p in scenario.staff}
    seated: dict[int, set[str]] = defaultdict(set)
    busy: dict[int, set[str]] = defaultdict(set)
    present: dict[int, set[str]] = defaultdict(set)
    for a in plan.assignments:
        for m in range(a.start, a.end, grid):
            present[m].add(a.staff)
            if a.activity != "back_office":
                busy[m].add(a.staff)
            if a.activity == "service" and a.counter:
                seated[m].add(a.counter)
    served, demand = plan.kpis["served"], plan.kpis["demand"]
    out = []
    for t in scenario.service_types:
        if not demand.get(t.id):
            continue
        head = f"{t.name} demand {demand[t.id]}, served {served.get(t.id, 0)}"
        if served.get(t.id, 0) >= demand[t.id]:
            out.append(f"{head}: demand met")
            continue
        fitting = {c for c, eq in counters.items() if set(t.equipment) <= eq}
        where = f"counters with {', '.join(t.equipment)}" if t.equipment else "counters"
        full = [m for m in minutes if fitting and fitting <= seated[m]]
        skilled = lambda m: {p for p in present[m] if t.skill in skills.get(p, set())}  # noqa: E731
        no_one = [m for m in minutes if skilled(m) <= busy[m]]
        if not fitting:
            out.append(f"{head}: no counter has {', '.join(t.equipment)}")
        elif minutes and len(full) >= LIMITING_SHARE * len(minutes):
            out.append(f"{head}: limited by {where} {', '.join(_spans(full, grid)[:3])}")
        elif minutes and len(no_one) >= LIMITING_SHARE * len(minutes):
            out.append(f"{head}: limited by people with skill '{t.skill}' {', '.join(_spans(no_one, grid)[:3])}")
        else:
            worth = t.weight / t.duration_min
            better = [o.name for o in scenario.service_types if o.weight / o.duration_min > worth]
            out.append(f"{head}: worth {t.weight:g} per {t.duration_min} min, less per minute than "
                       f"{', '.join(better) or 'other duties'}, which took the capacity")
    return out
