"""A day's real capacity as linear rows: staff minutes flowing to request types and counters.

The same fluid relaxation as ../shared/tools/fluid_bound.py (time-segmented and counter-aware), added
to a GLOP model so the horizon LP can hold every office-day at once: inside each segment of the
opening hours (presence constant inside it) a person serves or guides at most the segment, a counter
serves at most the segment and only the types its equipment fits, guides cover `guides_min`; over the
day a person works at most their presence inside opening hours minus the breaks ArbZG forces and the
back-office minimum, as far as these cannot lie outside opening hours.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from ortools.linear_solver import pywraplp

from ..clock import merge_intervals, overlap
from ..office_days import opening_intervals
from ..scenario import GUIDE_SKILL, Scenario


def _forced_break(presence: int) -> int:
    """The break ArbZG forces on a presence of this length (as in the shared tool)."""
    return 45 if presence - 45 > 540 else 30 if presence - 30 > 360 else 0


Intervals = list[tuple[int, int]]


def _segments(opening: Intervals, windows: dict[str, Intervals]) -> Intervals:
    cuts = {m for s, e in opening for m in (s, e)}
    cuts |= {m for ws in windows.values() for s, e in ws for m in (s, e)}
    ordered = sorted(cuts)
    return [(a, b) for a, b in itertools.pairwise(ordered) if any(s <= a and b <= e for s, e in opening)]


def add_day_capacity(
    solver: pywraplp.Solver, scenario: Scenario, date: dt.date, tag: str
) -> dict[str, list[pywraplp.Variable]] | None:
    """Add one day's capacity rows to `solver`.

    Returns per request type id the variables of its service minutes that day (empty lists when the
    office is closed), or None when the present guides cannot cover the opening hours.
    """
    types = scenario.service_types
    type_minutes: dict[str, list[pywraplp.Variable]] = {t.id: [] for t in types}
    opening = opening_intervals(scenario, date)
    if not opening:
        return type_minutes
    raw: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for avail in scenario.availability:
        if avail.date == date:
            raw[avail.staff].append((avail.start, avail.end))
    windows = {p: merge_intervals(ws) for p, ws in raw.items()}
    staff = {p.id: p for p in scenario.staff}
    policy = scenario.policy
    day_terms: dict[str, list[pywraplp.Variable]] = defaultdict(list)
    inf = solver.infinity()
    for j, (a, b) in enumerate(_segments(opening, windows)):
        length = b - a
        present = [p for p, ws in windows.items() if overlap(ws, [(a, b)]) == length]
        guides = []
        serving: dict[str, list[pywraplp.Variable]] = defaultdict(list)
        for p in present:
            skills = set(staff[p].skills)
            own = []
            for t in types:
                if t.skill in skills:
                    v = solver.NumVar(0, inf, f"{tag}m[{p},{t.id},{j}]")
                    own.append(v)
                    serving[t.id].append(v)
                    type_minutes[t.id].append(v)
            if GUIDE_SKILL in skills:
                v = solver.NumVar(0, inf, f"{tag}g[{p},{j}]")
                own.append(v)
                guides.append(v)
            if own:
                solver.Add(sum(own) <= length)
                day_terms[p].extend(own)
        if policy.guides_min:
            if len(guides) < policy.guides_min:
                return None
            solver.Add(sum(guides) >= policy.guides_min * length)
        at_counter: dict[str, list[pywraplp.Variable]] = defaultdict(list)
        for c in scenario.office.counters:
            row = []
            for t in types:
                if serving[t.id] and set(t.equipment) <= set(c.equipment):
                    v = solver.NumVar(0, inf, f"{tag}x[{t.id},{c.id},{j}]")
                    row.append(v)
                    at_counter[t.id].append(v)
            if row:
                solver.Add(sum(row) <= length)
        for t in types:
            if serving[t.id]:
                solver.Add(sum(serving[t.id]) <= sum(at_counter[t.id]))
    for p, terms in day_terms.items():
        presence = sum(e - s for s, e in windows[p])
        inside = overlap(windows[p], opening)
        forced = max(0, _forced_break(presence) + min(policy.back_office_min, presence) - (presence - inside))
        solver.Add(sum(terms) <= max(0, inside - forced))
    return type_minutes
