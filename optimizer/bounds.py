"""Upper bounds on a day's weighted served demand, by linear relaxation (GLOP, shipped with OR-Tools).

`fluid_bound` is the relaxation of ../shared/tools/fluid_bound.py, reimplemented so plans can quote
their share of it without scipy. `equipment_bound` adds what that relaxation leaves out: counters are
shared, so the request types needing some equipment together get no more minutes than the counters
that have it (for every union of equipment-compatible counter sets, a Hall-type capacity row).
Both ignore slot integrality and timing, so real plans stay below them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import combinations

from ortools.linear_solver import pywraplp

from .clock import merge_intervals, overlap
from .office_days import opening_intervals
from .scenario import GUIDE_SKILL, Scenario


def _forced_break(presence: int) -> int:
    """The break the fluid relaxation reserves (as in the shared tool)."""
    return 45 if presence - 45 > 540 else 30 if presence - 30 > 360 else 0


def _relaxation(scenario: Scenario, date: dt.date, hall_rows: bool) -> float | None:
    opening = opening_intervals(scenario, date)
    if not opening:
        return 0.0
    open_min = sum(e - s for s, e in opening)
    policy = scenario.policy
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a in scenario.availability:
        if a.date == date:
            windows[a.staff].append((a.start, a.end))
    staff = {p.id: p for p in scenario.staff}
    types = scenario.service_types
    counters = scenario.office.counters
    solver = pywraplp.Solver.CreateSolver("GLOP")
    minutes: dict[tuple[str, int], pywraplp.Variable] = {}
    guide_minutes = []
    for p, ws in windows.items():
        ws = merge_intervals(ws)
        presence = sum(e - s for s, e in ws)
        inside = overlap(ws, opening)
        forced = max(0, _forced_break(presence) + min(policy.back_office_min, presence) - (presence - inside))
        own = []
        for k, t in enumerate(types):
            if t.skill in staff[p].skills:
                minutes[(p, k)] = solver.NumVar(0, solver.infinity(), f"m[{p},{k}]")
                own.append(minutes[(p, k)])
        if GUIDE_SKILL in staff[p].skills:
            g = solver.NumVar(0, solver.infinity(), f"g[{p}]")
            guide_minutes.append(g)
            own.append(g)
        if own:
            solver.Add(sum(own) <= max(0, inside - forced))
    per_type = [[v for (p, k), v in minutes.items() if k == i] for i in range(len(types))]
    solver.Add(sum(minutes.values()) <= len(counters) * open_min)
    fits = [frozenset(c.id for c in counters if set(t.equipment) <= set(c.equipment)) for t in types]
    for i in range(len(types)):
        solver.Add(sum(per_type[i]) <= len(fits[i]) * open_min)
    if hall_rows:
        distinct = sorted(set(fits), key=sorted)
        for r in range(2, len(distinct) + 1):
            for sets in combinations(distinct, r):
                group = [i for i in range(len(types)) if fits[i] in sets]
                solver.Add(sum(v for i in group for v in per_type[i]) <= len(frozenset().union(*sets)) * open_min)
        for fit in distinct:
            group = [i for i in range(len(types)) if fits[i] == fit]
            solver.Add(sum(v for i in group for v in per_type[i]) <= len(fit) * open_min)
    if policy.guides_min:
        solver.Add(sum(guide_minutes) >= policy.guides_min * open_min)
    demand: dict[str, int] = defaultdict(int)
    for d in scenario.demand:
        if d.date == date:
            demand[d.service] += d.count
    served = []
    for i, t in enumerate(types):
        y = solver.NumVar(0, demand[t.id], f"y[{t.id}]")
        solver.Add(t.duration_min * y <= sum(per_type[i]))
        served.append(t.weight * y)
    solver.Maximize(sum(served))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return solver.Objective().Value()


def fluid_bound(scenario: Scenario, date: dt.date) -> float | None:
    """The shared tool's fluid bound (None when guides cannot cover opening hours)."""
    return _relaxation(scenario, date, hall_rows=False)


def equipment_bound(scenario: Scenario, date: dt.date) -> float | None:
    """The fluid bound tightened by shared counters: never above `fluid_bound`."""
    return _relaxation(scenario, date, hall_rows=True)
