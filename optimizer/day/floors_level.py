"""The floors level: fewest requests short of the floors (no request type starved), then held."""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from .constructive import hint_greedy
from .greedy import GreedyPlan
from .model import FLOORS_LEVEL, add_objective_level
from .snapshots import Snapshot, chosen_slots, hint, shortfall, snapshot_of
from .variables import DayModel


def meet_floors(
    dm: DayModel,
    start: Snapshot | None,
    greedy: GreedyPlan | None,
    run: Callable[..., tuple[cp_model.CpSolver, cp_model.CpSolverStatus]],
    seconds: float,
) -> Snapshot | None:
    """The floors level: fewest requests short of the floors, then held as a constraint. Returns the
    level's solution (the next levels' start), or the start itself when the search found nothing better."""
    model, index = dm.model, dm.index
    model.clear_objective()
    model.clear_hints()
    objective = add_objective_level(dm, FLOORS_LEVEL)
    chosen = chosen_slots(dm, start) if start is not None else greedy.chosen_slots if greedy is not None else None
    known = shortfall(index, chosen) if chosen is not None else None
    if known == 0:  # nothing to improve: no search
        model.add(objective <= 0)
        return start
    model.minimize(objective)
    if start is not None:
        hint(model, start)
    elif greedy is not None:
        hint_greedy(dm, greedy)
    solver, status = run("floors", 1.0, seconds)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = snapshot_of(model, solver)
        short = shortfall(index, chosen_slots(dm, found))  # the plan's own, should a gap variable be slack
        if known is None or short <= known:
            model.add(objective <= short)
            return found
    if known is not None:
        model.add(objective <= known)
    return start
