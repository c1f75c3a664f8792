"""Large-neighbourhood polishing of the secondary level: re-plan a few people at a time.

The secondary terms (few runs, short runs, same-day share, fair counter time) are about each person's
day. CP-SAT's generic neighbourhoods rarely free the handful of people whose slots must be swapped to
merge runs, so this loop does exactly that: all decisions of everyone else are held (as assumptions),
the chosen people are re-solved with the primary value held by a constraint, and any improvement is
kept. Held variables are fixed in a copy of the model, so presolve shrinks each step to the chosen
people. Every accepted step is a complete feasible solution.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from .budget import Budget
from .snapshots import Snapshot, hint, snapshot_of

NEIGHBOURHOOD_PEOPLE = 4
STEP_SECONDS = 1.5


def polish(
    model: cp_model.CpModel,
    people: Sequence[Sequence[cp_model.IntVar]],
    start: Snapshot,
    seconds: float,
    budget: Budget,
    subsolvers: tuple[str, ...],
    focus: Callable[[Snapshot], Sequence[int]] | None = None,
) -> Snapshot:
    """Improve `start` by re-solving random groups of people until `seconds` of the budget run out (or
    many steps in a row fail). `people` lists each person's decision literals. With `focus`, each group
    holds one of the people it names for the current best (in turn) and random others: the people whose
    penalty the level counts (a re-plan's changed days), whom random groups find slowly."""
    rng = random.Random(budget.options.seed)
    stop_at = budget.remaining() - seconds
    best = start
    candidates = [i for i, lits in enumerate(people) if lits]
    if len(candidates) < 2:
        return best
    failures = turn = 0
    # A step's work outside the solver (copying and fixing the model: about 3 s at 500 staff) must fit
    # the time left too, or the last step ends past the limit (500 staff, Thursday: 126 s of 120).
    # Wall-clock only: a deterministic run must not depend on the machine.
    overhead = 0.0
    while budget.remaining() - stop_at > 0.2 + overhead and failures < 2 * len(candidates):
        began = time.monotonic()
        targets = [i for i in focus(best) if i in candidates] if focus is not None else []
        if targets:
            first = targets[turn % len(targets)]
            turn += 1
            others = [i for i in candidates if i != first]
            group = {first, *rng.sample(others, min(NEIGHBOURHOOD_PEOPLE - 1, len(others)))}
        else:
            group = set(rng.sample(candidates, min(NEIGHBOURHOOD_PEOPLE, len(candidates))))
        sub = cp_model.CpModel()
        sub.proto.copy_from(model.proto)
        for i, lits in enumerate(people):
            if i not in group:
                for lit in lits:
                    domain = sub.proto.variables[lit.index].domain
                    domain[0] = domain[1] = best.values[lit.index]
        hint(sub, best)
        solver = budget.solver(min(STEP_SECONDS, budget.remaining() - stop_at), subsolvers)
        status = solver.solve(sub)
        budget.charge(solver)
        if not budget.options.deterministic:
            overhead = max(0.0, time.monotonic() - began - solver.wall_time)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < best.objective - 1e-9:
            best = snapshot_of(sub, solver)
            failures = 0
        else:
            failures += 1
    return best
