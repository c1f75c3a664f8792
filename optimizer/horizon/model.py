"""The horizon LP: how many slots of each type each office-day should offer (its contingents).

Per type k and office-day d of the horizon, `S[k,d]` is the number of waiting requests served up to d
(cumulative, first come first served) and `x[k,d] = S[k,d] - S[k,d-1] >= 0` the day's free slots:
`S[k,d]` never exceeds the requests made up to d, and each day's free slots plus its bookings fit the
day's capacity (`capacity.add_day_capacity`), scaled by `capacity_factor` for what whole slots, break
placement and block rules cost in a real day plan.

A group g of requests (made on one date, n_g of them, B_g requests ahead of it in the queue) with its
target day inside the horizon, whose last office day within target is d*, gets `w_g <= n_g` and
`w_g <= S[k,d*] - B_g`. Under FIFO the group's requests served within target are
`min(n_g, max(0, S[k,d*] - B_g))`; `w_g` drops the `max(0, .)`, so it is a concave lower bound
that is exact unless the queue has not even reached the group by its last day: that counts negative,
by how far the queue lags. So the LP plans with a guaranteed share and pays to catch up a late queue.
Where the optimum leaves a group unreached anyway, that group is given up (`w_g = 0`, its row
dropped, which is exact for it) and level 1 solved again, for at most `rounds` solves: a late queue
then no longer drags a whole type down when its share is better spent on the groups it can reach.

Lexicographic objective, each level a separate GLOP solve with the optimum of the levels before it
held (to `tolerance`), no weights mixing levels:
0. (only with bookings that some day cannot hold) hold as many booked minutes as possible;
1. the worst type's share within target (requests counted as wait_eval.py counts them, including
   what the days already planned reached);
2. the total share within target, weighted by the types' weights;
3. weighted served requests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from ..errors import InputError
from ..scenario import Scenario
from .capacity import add_day_capacity
from .queue import DAY, Entry, run_queues


@dataclass(frozen=True)
class HorizonOptions:
    capacity_factor: float = 0.95
    """Share of a day's fluid capacity the contingents may plan with."""
    tolerance: float = 1e-4
    """How far a later level may lower an earlier level's optimum (absolute, on shares)."""
    rounds: int = 6
    """Solves of level 1 at most, each giving up the groups the queue does not reach in time."""


@dataclass(frozen=True)
class HorizonPlan:
    """Contingents per (date, type) for the office days of the horizon, and what the LP proved."""

    days: list[dt.date]
    contingents: dict[tuple[dt.date, str], int]
    levels: dict[str, float]
    """Optimum of each objective level (shares are the LP's lower bound on the FIFO share)."""
    seconds: float

    def for_day(self, day: dt.date) -> dict[str, int]:
        return {k: n for (d, k), n in self.contingents.items() if d == day}


@dataclass
class _Group:
    made: dt.date
    count: int
    ahead: int
    """Requests ahead of this group in the queue (B_g)."""
    deadline: dt.date | None
    """The last office day within target inside the horizon; None when not counted or already late."""
    counted: bool


def _groups(
    entries: list[Entry], pending: list[tuple[dt.date, int]], target: int | None, days: list[dt.date], last: dt.date
) -> list[_Group]:
    out, ahead = [], 0
    for made, count, late in [(e.made, e.count, e.late) for e in entries] + [
        (m, n, False) for m, n in pending if m <= last
    ]:
        counted = target is not None and not late and made + dt.timedelta(days=target) <= last
        deadline = None
        if counted:
            end = made + dt.timedelta(days=target)  # type: ignore[arg-type]
            inside = [d for d in days if made <= d <= end]
            deadline = inside[-1] if inside else None
        out.append(_Group(made, count, ahead, deadline, counted))
        ahead += count
    return out


def plan_horizon(
    scenario: Scenario,
    days: list[dt.date],
    *,
    first: dt.date | None = None,
    free_before: Mapping[tuple[dt.date, str], int] | None = None,
    options: HorizonOptions = HorizonOptions(),
) -> HorizonPlan:
    """Contingents for the office `days` (sorted, the rest of the horizon).

    `first` is the horizon's first date (default `days[0]`); `free_before` the free slots the days
    first..days[0]-1 already offer (their plans), which the queue counts before the LP starts.
    Raises `InputError` when the scenario has no `requests`.
    """
    began = time.monotonic()
    if not scenario.requests:
        raise InputError("requests: the scenario has no requests; planning across days needs them")
    if not days:
        return HorizonPlan([], {}, {}, 0.0)
    today, last = days[0], days[-1]
    first = first or today
    queues = run_queues(scenario, free_before or {}, first, last, until=today - DAY)
    types = scenario.service_types
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    booked: dict[tuple[dt.date, str], int] = defaultdict(int)
    for b in scenario.bookings:
        booked[(b.date, b.service)] += 1
    lost_bookings = []
    capacity = {}
    for d in days:
        capacity[d] = add_day_capacity(solver, scenario, d, tag=f"{d:%m%d}")
    served: dict[str, list[pywraplp.Variable]] = {}
    within: dict[str, list] = {}
    reach: list[tuple[pywraplp.Variable, pywraplp.Constraint]] = []
    """Per counted group: w_g and its row w_g <= S[k,d*] - B_g."""
    counted: dict[str, int] = {}
    already: dict[str, int] = {}
    for t in types:
        q = queues[t.id]
        groups = _groups(q.queue, q.pending, t.target_wait_days, days, last)
        cum = []
        for i, d in enumerate(days):
            made_upto = sum(g.count for g in groups if g.made <= d)
            cum.append(solver.NumVar(0, made_upto, f"S[{t.id},{d}]"))
            if i:
                solver.Add(cum[i] >= cum[i - 1])
            minutes = capacity[d]
            need = booked[(d, t.id)] * t.duration_min
            free = cum[i] - (cum[i - 1] if i else 0)
            if minutes is None or not minutes[t.id]:
                solver.Add(free <= 0)
                continue
            kept = need
            if need:
                lost = solver.NumVar(0, need, f"lost[{t.id},{d}]")
                lost_bookings.append(lost)
                kept = need - lost
            solver.Add(t.duration_min * free + kept <= options.capacity_factor * sum(minutes[t.id]))
        served[t.id] = cum
        w = []
        for g in groups:
            if g.counted and g.deadline is not None:
                v = solver.NumVar(-inf, g.count, f"w[{t.id},{g.made}]")
                row = solver.Add(v <= cum[days.index(g.deadline)] - g.ahead)
                w.append(v)
                reach.append((v, row))
        within[t.id] = w
        counted[t.id] = q.within + q.missed + sum(g.count for g in groups if g.counted)
        already[t.id] = q.within
    levels: dict[str, float] = {}

    held: list[tuple] = []

    def optimise(name: str, objective, give_up_late: bool = False) -> None:
        for expression, value in held:  # the levels before hold their optimum
            solver.Add(expression >= value - options.tolerance * max(1.0, abs(value)))
        held.clear()
        solver.Maximize(objective)
        for attempt in range(options.rounds):
            status = solver.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                raise RuntimeError(f"horizon LP, level {name}: solver status {status}")
            late = [(v, row) for v, row in reach if v.solution_value() < -0.5] if give_up_late else []
            if not late or attempt == options.rounds - 1:
                break
            for v, row in late:  # the queue does not reach these by their last day: they count 0, exactly
                v.SetBounds(0.0, 0.0)
                row.SetUb(inf)
        levels[name] = solver.Objective().Value()
        held.append((objective, levels[name]))

    if lost_bookings:
        optimise("bookings_lost", -sum(lost_bookings))
    shared = [t for t in types if counted[t.id]]
    if shared:
        worst = solver.NumVar(-inf, 1.0, "worst")
        for t in shared:
            solver.Add(worst * counted[t.id] <= already[t.id] + sum(within[t.id]))
        optimise("worst_share", worst, give_up_late=True)
        total = sum(t.weight * counted[t.id] for t in shared) or 1.0
        weighted = sum(t.weight * (already[t.id] + sum(within[t.id])) for t in shared)
        optimise("weighted_share", weighted / total)
    scale = sum(t.weight * served[t.id][-1].ub() for t in types) or 1.0
    optimise("weighted_served", sum(t.weight * served[t.id][-1] for t in types) / scale)
    contingents = {}
    for t in types:
        before = 0
        for d, s in zip(days, served[t.id]):
            now = round(s.solution_value())
            contingents[(d, t.id)] = max(0, now - before)
            before = max(before, now)
    return HorizonPlan(days, contingents, levels, time.monotonic() - began)
