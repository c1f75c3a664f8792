"""Solutions as values: CP-SAT statuses, snapshots of complete solutions, hints, and what a
solution chooses and serves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..fluid_bounds import floors_shortfall
from ..plan import Status
from .index import DayIndex
from .variables import DayModel

STATUS_NAMES: dict[cp_model.CpSolverStatus, Status] = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


@dataclass
class Snapshot:
    """Values of every model variable (by proto index) and the objective they score."""

    values: list[int]
    objective: float


def snapshot_of(model: cp_model.CpModel, solver: cp_model.CpSolver) -> Snapshot:
    """The solver's last solution of `model`, read from its response in one piece (per variable through
    the Python API it took 0.13 s on the sample Monday, several times per solve)."""
    values = list(solver.response_proto.solution)
    assert len(values) == len(model.proto.variables)
    return Snapshot(values, solver.objective_value)


def solve_fixed(
    model: cp_model.CpModel,
    fixed: Iterable[tuple[int, int]],
    solver: cp_model.CpSolver,
    start: Snapshot | None = None,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> Snapshot | None:
    """`model` solved with the variables of `fixed` (proto index, value) held at their values (a copy; its
    hints replaced by `start`, if given): the rest of a solution completed. None when no solution is found."""
    copy = cp_model.CpModel()
    copy.proto.copy_from(model.proto)
    for i, value in fixed:
        copy.add(copy.get_int_var_from_proto_index(i) == value)
    copy.clear_hints()
    if start is not None:
        hint(copy, start)
    if solver.solve(copy, callback) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return snapshot_of(copy, solver)


def hint(model: cp_model.CpModel, snap: Snapshot) -> None:
    """Hint every variable of `model` with its value in `snap`."""
    model.clear_hints()
    model.proto.solution_hint.vars.extend(range(len(snap.values)))
    model.proto.solution_hint.values.extend(snap.values)


def model_objective(model: cp_model.CpModel, values: list[int]) -> float:
    """The value of `model`'s linear objective for a complete assignment (by proto index)."""
    obj = model.proto.objective
    return obj.offset + sum(c * (values[v] if v >= 0 else -values[-v - 1]) for v, c in zip(obj.vars, obj.coeffs))


def by_index(values: list[int]) -> Callable[[cp_model.IntVar], int]:
    """Values of the model's variables, read from a snapshot's list by proto index."""
    return lambda var: values[var.index]


def chosen_slots(dm: DayModel, snap: Snapshot) -> list[int]:
    """The slot options a complete solution chooses."""
    return [i for i, lit in enumerate(dm.slot) if snap.values[lit.index]]


def held_bookings(dm: DayModel, snap: Snapshot) -> int:
    """How many bookings a complete solution holds (soft bookings; 0 without)."""
    return sum(snap.values[lit.index] for lit in dm.held.values())


def scaled_served(index: DayIndex, chosen_slots: list[int]) -> int:
    """Weighted served demand of these slot options, in the model's scaled units."""
    return sum(index.scaled_weight(index.slot_options[i].service) for i in chosen_slots)


def shortfall(index: DayIndex, chosen_slots: list[int]) -> int:
    """Requests short of the floors in a plan given by its chosen slot options."""
    return floors_shortfall(index.floors, Counter(index.slot_options[i].service for i in chosen_slots))
