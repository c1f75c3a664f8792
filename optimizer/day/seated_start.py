"""The day model solved inside a seating: the complete plan every later level of a day with sittings
starts from."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from .budget import Budget
from .fill import fill_seating
from .seating import StopWhenDue, seated_model
from .sitting_grid import Seating
from .snapshots import STATUS_NAMES, Snapshot, chosen_slots, hint, scaled_served, snapshot_of, solve_fixed
from .solution import StageReport
from .variables import DayModel


def seated_start(
    dm: DayModel, seating: Seating, budget: Budget, seconds: float, stages: list[StageReport]
) -> Snapshot | None:
    """The model solved inside a seating: most bookings first, then the floors and weighted served, then
    (re-plans) the published slots kept. A complete plan of the full model, found fast because counters
    no longer conflict."""
    model = dm.model
    model.clear_objective()
    model.clear_hints()
    ix = dm.index
    # Bookings first, then the floors, then weighted served: a constructor's weighting, not a level.
    per_request = max((ix.scaled_weight(k) for k in ix.services), default=0) + 1
    met = []
    for k, floor in ix.floors.items():
        met.append(model.new_int_var(0, floor, f"toward_floor[{k}]"))
        model.add(met[-1] <= dm.served(k))
    # In a re-plan, among equal plans the one that keeps the most published slots (same type and time).
    published = sorted(ix.baseline.options) if ix.baseline is not None else []
    unit = len(published) + 1
    most = unit * per_request * (sum(ix.floors.values()) + len(ix.slot_options)) + 1
    model.maximize(
        most * sum(dm.held.values())
        + unit * (per_request * sum(met) + dm.weighted_served())
        + sum(dm.slot[i] for i in published)
    )
    sub = seated_model(dm, seating)
    model.clear_objective()
    params = budget.options.parameters
    # The seating filled without search (`fill.fill_seating`), completed to a plan of the model: the
    # search from nothing may find no plan in its time (30 staff, Thursday, 30 % booked) or plans that
    # give bookings up, which the bookings level would then fix as lost.
    began = time.monotonic()
    # A re-plan's seating is the published day: no fill, it holds none of the bookings by itself.
    start = _filled(dm, sub, seating, seconds, budget) if dm.index.baseline is None else None
    if start is not None:
        hint(sub, start)
    solver = budget.solver(
        max(0.05, seconds - (0.0 if budget.options.deterministic else time.monotonic() - began))
        if start is not None
        else min(seconds * params.first_plan_grace, max(seconds, budget.remaining() / 2)),
        params.proving_subsolvers,
    )
    status = solver.solve(sub, None if start is not None or budget.options.deterministic else StopWhenDue(seconds))
    budget.charge(solver)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
        start is None or solver.objective_value >= -start.objective
    ):
        snap = snapshot_of(sub, solver)
    elif start is not None:
        snap, status = start, cp_model.FEASIBLE
    else:
        return None
    served = scaled_served(dm.index, chosen_slots(dm, snap))
    stages.append(StageReport("seated", STATUS_NAMES[status], served / dm.index.weight_scale, 0.0, solver.wall_time))
    return snap


def _filled(dm: DayModel, sub: cp_model.CpModel, seating: Seating, seconds: float, budget: Budget) -> Snapshot | None:
    """`sub` (the seated model, maximising) with its appointments fixed to the seating's fill and the rest
    completed; None when the fill breaks a rule the fill does not know."""
    assert dm.sittings is not None
    chosen = set(fill_seating(dm.index, seating, dm.sittings.grid))
    solver = budget.solver(seconds, budget.options.parameters.seating_subsolvers)
    snap = solve_fixed(sub, ((lit.index, int(i in chosen)) for i, lit in enumerate(dm.slot)), solver)
    budget.charge(solver)
    return snap
