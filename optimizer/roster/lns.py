"""Large-neighbourhood search on the compact model, aimed where the roster is worst.

Each step picks a badly covered (day, shift), frees a few employees who could change it (and a few at
random) over a window of days around it or over the whole horizon, fixes everything else to the current
roster, and lets CP-SAT re-plan the freed part for at most `STEP_S`. The step's model is the whole compact
model with the fixed variables' domains narrowed, so every rule, weekends and totals included, is kept
exactly. The number of freed employees adapts: it grows after steps CP-SAT closes quickly and shrinks after
steps that run out of time.

CP-SAT's own search on the whole model improves large rosters slowly (Curtois 13, 120 employees over 28
days: 2081 -> 1899 in 80 s); these steps, small enough to be solved, took the same instance's dive roster
from 2328 to 1589-1698 in 120 s.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .compact_model import RosterModel, hint_roster, solved_roster
from .problem import Roster, RosterProblem

STEP_S = 2.0
"""CP-SAT's time for one neighbourhood."""
WINDOWS = (4, 10_000)
"""Days freed either side of the chosen day, a kind of step each: a window of nine days, or the whole horizon
(for rules that span it: weekends worked, total minutes). Curtois 13's shortfalls after the window steps
were all on weekends."""
FREED = (2, 20, 60)
"""Employees freed a step: the least, the first and the most."""
AIMED = 0.8
"""Share of the steps aimed at a badly covered (day, shift); the rest pick a day at random."""


def improve(
    built: RosterModel,
    roster: Roster,
    deadline: float,
    *,
    value: int,
    bound: int | None = None,
    workers: int = 2,
    seed: int = 0,
    deterministic_budget: float | None = None,
) -> tuple[Roster, int]:
    """The best roster the steps find by `deadline` (or within `deterministic_budget` of CP-SAT's
    deterministic time, so that a run repeats) and its model objective, starting from `roster` of
    objective `value`; stops early at `bound`."""
    problem = built.ctx.problem
    rng = random.Random(seed)
    ids = [emp.id for emp in problem.employees]
    by_employee: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for (e, d, s), var in built.ctx.x.items():
        by_employee[e].append((d, s, var.index))
    freed = {window: FREED[1] for window in WINDOWS}
    spent = 0.0
    hint_roster(built, roster)  # each step's copy carries the hint; renewed when the roster improves
    while time.monotonic() < deadline and (bound is None or value > bound):
        if deterministic_budget is not None and spent >= deterministic_budget:
            break
        window = rng.choice(WINDOWS)
        center, chosen = _neighbourhood(problem, roster, ids, freed[window], rng)
        model = built.model.clone()
        variables = model.proto.variables
        for e, cells in by_employee.items():
            for d, s, index in cells:
                if e in chosen and abs(d - center) <= window:
                    continue
                fixed = int(roster.get((ids[e], d)) == s)
                variables[index].domain[0] = fixed
                variables[index].domain[1] = fixed
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = max(1, workers)
        solver.parameters.random_seed = rng.randrange(1 << 20)
        if deterministic_budget is not None:
            solver.parameters.max_deterministic_time = min(STEP_S, deterministic_budget - spent)
        else:
            solver.parameters.max_time_in_seconds = max(0.05, min(STEP_S, deadline - time.monotonic()))
        status = solver.solve(model)
        spent += max(solver.deterministic_time, 1e-3)  # a step that presolve settles still counts
        if status == cp_model.OPTIMAL and solver.wall_time < STEP_S / 4:
            freed[window] = min(FREED[2], freed[window] + 2)
        elif status != cp_model.OPTIMAL:
            freed[window] = max(FREED[0], freed[window] - 1)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < value - 0.5:
            value = round(solver.objective_value)
            roster = solved_roster(built, solver)
            hint_roster(built, roster)
        whole = len(chosen) == len(ids) and center - window <= 0 and center + window >= problem.days - 1
        if whole and status == cp_model.OPTIMAL:  # nothing was fixed: the roster is optimal
            break
    return roster, value


def _neighbourhood(
    problem: RosterProblem, roster: Roster, ids: list[str], freed: int, rng: random.Random
) -> tuple[int, set[int]]:
    """A day and the employees to free around it: mostly those who could mend a badly covered shift."""
    working: dict[tuple[int, str], list[str]] = defaultdict(list)
    for (emp, d), s in roster.items():
        working[d, s].append(emp)
    staffed = [sum(1 for emp in working[c.day, c.shift] if c.counts(emp)) for c in problem.cover]
    bad = [
        (c, staffed[i] < c.requirement)
        for i, c in enumerate(problem.cover)
        if (staffed[i] < c.requirement and c.under_weight) or (staffed[i] > c.requirement and c.over_weight)
    ]
    chosen: set[int] = set()
    center = rng.randrange(problem.days)
    if bad and rng.random() < AIMED:
        cover, short = rng.choice(bad)
        center = cover.day
        able = [
            e
            for e, emp in enumerate(problem.employees)
            if emp.may_work(cover.shift) and cover.day not in emp.days_off and cover.counts(emp.id)
        ]
        # short: those not on that shift could take it; extra: those on it could leave it
        movable = [e for e in able if (roster.get((ids[e], cover.day)) == cover.shift) != short]
        rng.shuffle(movable)
        chosen.update(movable[: max(1, freed // 2)])
    others = [e for e in range(len(ids)) if e not in chosen]
    chosen.update(rng.sample(others, min(len(others), max(0, freed - len(chosen)))))
    return center, chosen
