"""Upper bounds on a day's weighted served demand, by linear relaxation (GLOP, shipped with OR-Tools).

`fluid_bound` is the relaxation of ../shared/tools/fluid_bound.py, reimplemented so plans can quote
their share of it without scipy: staff minutes flow to request types and to concrete counters,
segment by segment of the opening hours, so types that need the same equipment share its counters
and nobody serves outside their presence. `equipment_bound` is the older day-aggregate relaxation
(no segments; one Hall-type row per union of equipment-compatible counter sets); the segmented
fluid bound implies all of its rows, so it is never above `equipment_bound`.
Both ignore slot integrality and the placement of breaks, so real plans stay below them.

`day_floors` gives the requests each type is owed on a day (the horizon's contingents, else
`policy.min_share` of the demand); `fluid_bound(..., floors=...)` is the same relaxation over the plans
that honour them, which is what the day model maximises once no type is starved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import combinations, pairwise

from ortools.linear_solver import pywraplp

from .clock import merge_intervals, overlap
from .office_days import opening_intervals
from .scenario import GUIDE_SKILL, Scenario


def _forced_break(presence: int) -> int:
    """The break the fluid relaxation reserves (as in the shared tool)."""
    return 45 if presence - 45 > 540 else 30 if presence - 30 > 360 else 0


def _windows(scenario: Scenario, date: dt.date) -> dict[str, list[tuple[int, int]]]:
    """Each present person's merged presence windows on `date`."""
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a in scenario.availability:
        if a.date == date:
            windows[a.staff].append((a.start, a.end))
    return {p: merge_intervals(ws) for p, ws in windows.items()}


def _day_capacity(windows: list[tuple[int, int]], opening: list[tuple[int, int]], back_office: int) -> int:
    """Minutes inside opening hours one person can give to the counter or to guiding: their presence there,
    less the forced break and the back-office minimum as far as these cannot lie outside opening hours."""
    presence = sum(e - s for s, e in windows)
    inside = overlap(windows, opening)
    forced = max(0, _forced_break(presence) + min(back_office, presence) - (presence - inside))
    return max(0, inside - forced)


def day_demand(scenario: Scenario, date: dt.date) -> defaultdict[str, int]:
    """Requests per type on `date` (0 for a type without any)."""
    demand: defaultdict[str, int] = defaultdict(int)
    for d in scenario.demand:
        if d.date == date:
            demand[d.service] += d.count
    return demand


def day_contingents(scenario: Scenario, date: dt.date) -> dict[str, int]:
    """The horizon planner's contingents per type on `date` (empty without any)."""
    contingents: dict[str, int] = defaultdict(int)
    for c in scenario.contingents:
        if c.date == date:
            contingents[c.service] += c.count
    return dict(contingents)


def day_floors(scenario: Scenario, date: dt.date) -> dict[str, int]:
    """Requests owed to each type on `date`: its contingent when the date has any (horizon planner), else
    `policy.min_share` of its demand, rounded up; types owed nothing are left out."""
    contingents = day_contingents(scenario, date)
    if contingents:
        return {k: n for k, n in contingents.items() if n > 0}
    share = scenario.policy.min_share
    return {k: n for k, d in day_demand(scenario, date).items() if (n := math.ceil(share * d)) > 0}


def floors_shortfall(floors: Mapping[str, int], served: Mapping[str, int]) -> int:
    """Requests by which `served` falls short of `floors`, summed over the types."""
    return sum(max(0, n - served.get(k, 0)) for k, n in floors.items())


def _segments(opening: list[tuple[int, int]], windows: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The opening hours cut wherever an opening interval or a presence window starts or ends."""
    cuts = sorted({t for s, e in opening for t in (s, e)} | {t for ws in windows for s, e in ws for t in (s, e)})
    return [(a, b) for a, b in pairwise(cuts) if any(s <= a and b <= e for s, e in opening)]


def fluid_bound(
    scenario: Scenario, date: dt.date, floors: Mapping[str, int] | None = None, shortfall: int = 0
) -> float | None:
    """The shared tool's time-segmented fluid bound (None when guides cannot cover opening hours).

    With `floors`, the bound over the plans that fall short of them by at most `shortfall` requests in
    all (served_k + short_k >= floor_k, sum of short_k <= shortfall): what a plan meeting the floors as
    well as a given one can serve at most. A plan's own figures make it feasible.

    Variables: served requests per type (at most the demand); per segment, each person's minutes per
    skilled type and at guiding (at most the segment, and over the day at most `_day_capacity`); per
    segment, each counter's minutes per type whose equipment it has (at most the segment). A type's
    minutes in a segment are at most its counter minutes there; `guides_min` guides cover each
    segment; a type serves at most its minutes divided by its duration.
    People with the same presence and skills, and counters that fit the same types, are pooled into
    one variable set with their summed capacity: an even split of a pooled solution is a solution of
    the unpooled LP, so the optimum is the same and the LP stays small on large offices.
    """
    opening = merge_intervals(opening_intervals(scenario, date))
    if not opening:
        return 0.0
    types = scenario.service_types
    skills = {p.id: set(p.skills) for p in scenario.staff}
    people: Counter[tuple[tuple[tuple[int, int], ...], tuple[int, ...], bool]] = Counter()
    for p, ws in _windows(scenario, date).items():
        serves = tuple(k for k, t in enumerate(types) if t.skill in skills[p])
        if serves or GUIDE_SKILL in skills[p]:
            people[(tuple(ws), serves, GUIDE_SKILL in skills[p])] += 1
    counters = Counter(
        tuple(k for k, t in enumerate(types) if set(t.equipment) <= set(c.equipment)) for c in scenario.office.counters
    )
    counters.pop((), None)
    guides_min = scenario.policy.guides_min
    demand = day_demand(scenario, date)

    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    objective = solver.Objective()
    objective.SetMaximization()
    type_rows = []  # duration * served - minutes <= 0
    short = {t.id: solver.NumVar(0, inf, "") for t in types if floors and floors.get(t.id)}
    if short:
        budget = solver.Constraint(-inf, shortfall)
        for v in short.values():
            budget.SetCoefficient(v, 1)
    for t in types:
        y = solver.NumVar(0, demand[t.id], "")
        objective.SetCoefficient(y, t.weight)
        type_rows.append(solver.Constraint(-inf, 0))
        type_rows[-1].SetCoefficient(y, t.duration_min)
        if floors and floors.get(t.id):
            owed = solver.Constraint(floors[t.id], inf)
            owed.SetCoefficient(y, 1)
            owed.SetCoefficient(short[t.id], 1)
    back_office = scenario.policy.back_office_min
    day_rows = {
        key: solver.Constraint(-inf, n * _day_capacity(list(key[0]), opening, back_office)) for key, n in people.items()
    }

    def minutes(*rows: pywraplp.Constraint) -> pywraplp.Variable:
        """A new minutes variable with coefficient 1 in `rows`."""
        v = solver.NumVar(0, inf, "")
        for row in rows:
            row.SetCoefficient(v, 1)
        return v

    for a, b in _segments(opening, [list(key[0]) for key in people]):
        length = b - a
        guide_row = solver.Constraint(guides_min * length, inf) if guides_min else None
        guides_present = 0
        at_type: dict[int, pywraplp.Constraint] = {}  # people's minutes of a type - counters' <= 0
        for key, n in people.items():
            spans, serves, guides = key
            if not any(s <= a and b <= e for s, e in spans):
                continue
            own = solver.Constraint(-inf, n * length)
            for k in serves:
                if k not in at_type:
                    at_type[k] = solver.Constraint(-inf, 0)
                m = minutes(own, day_rows[key], at_type[k])
                type_rows[k].SetCoefficient(m, -1)
            if guides:
                guides_present += n
                minutes(own, day_rows[key], *([guide_row] if guide_row else []))
        if guides_present < guides_min:
            return None
        for fit, n in counters.items():
            here = [k for k in fit if k in at_type]
            if here:
                seats = solver.Constraint(-inf, n * length)
                for k in here:
                    at_type[k].SetCoefficient(minutes(seats), -1)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return objective.Value()


def equipment_bound(scenario: Scenario, date: dt.date) -> float | None:
    """The day-aggregate bound with shared counters: for every union of the counter sets that fit some
    request types, those types together get no more minutes than those counters over the opening hours.
    Looser than `fluid_bound` (which implies each of its rows); None when guides cannot cover the day."""
    opening = merge_intervals(opening_intervals(scenario, date))
    if not opening:
        return 0.0
    open_min = sum(e - s for s, e in opening)
    policy = scenario.policy
    staff = {p.id: p for p in scenario.staff}
    types = scenario.service_types
    counters = scenario.office.counters
    solver = pywraplp.Solver.CreateSolver("GLOP")
    minutes: dict[tuple[str, int], pywraplp.Variable] = {}
    guide_minutes = []
    for p, ws in _windows(scenario, date).items():
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
            solver.Add(sum(own) <= _day_capacity(ws, opening, policy.back_office_min))
    per_type = [[v for (p, k), v in minutes.items() if k == i] for i in range(len(types))]
    solver.Add(sum(minutes.values()) <= len(counters) * open_min)
    fits = [frozenset(c.id for c in counters if set(t.equipment) <= set(c.equipment)) for t in types]
    distinct = sorted(set(fits), key=sorted)
    for r in range(1, len(distinct) + 1):
        for sets in combinations(distinct, r):
            group = [i for i in range(len(types)) if fits[i] in sets]
            solver.Add(sum(v for i in group for v in per_type[i]) <= len(frozenset().union(*sets)) * open_min)
    if policy.guides_min:
        solver.Add(sum(guide_minutes) >= policy.guides_min * open_min)
    demand = day_demand(scenario, date)
    served = []
    for i, t in enumerate(types):
        y = solver.NumVar(0, demand[t.id], f"y[{t.id}]")
        solver.Add(t.duration_min * y <= sum(per_type[i]))
        served.append(t.weight * y)
    solver.Maximize(sum(served))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return solver.Objective().Value()
