"""Solving the master LP robustly: a ladder of algorithms and solvers, tried in turn until one succeeds.

GLOP's warm-started dual simplex is fast on a master that grows by a few columns a round, but on long
dives it can end with an abnormal status (ortools maps GLOP's "imprecise" to ABNORMAL), seen on
Curtois Instance 7. A failed solve must not end the run: `solve_master` tries, in order,

1. GLOP warm-started (the usual case);
2. GLOP from scratch (warm start and factorisation dropped), dual simplex;
3. GLOP from scratch, primal simplex with presolve;
4. CLP's barrier on a copy of the model;
5. PDLP (first-order, approximate duals) on a copy of the model.

The first answer with status OPTIMAL and finite values is taken. The column generation's lower bound
never depends on the LP being exact (any cover duals give a valid Lagrangian bound), so an approximate
answer only costs pricing quality, never correctness. If every rung fails, `LPFailed` is raised and the
caller drops columns or falls back to the best roster it has.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ortools.linear_solver import linear_solver_pb2, pywraplp


class LPFailed(RuntimeError):
    """No rung of the ladder solved the master LP."""


@dataclass(frozen=True)
class LPSolution:
    """Objective, one dual per constraint (model order) and the rung used.

    `values` holds one value per variable when a copy of the model was solved; None when the model itself
    holds the solution (read its variables; reading 10 000 values through SWIG takes 0.1 s, so only on demand).
    """

    value: float
    duals: list[float]
    values: list[float] | None
    method: str


class Rung(NamedTuple):
    """One way to solve the model (or a copy of it): the solution, or None when it failed."""

    method: str
    solve: Callable[[pywraplp.Solver], LPSolution | None]


def _read(solver: pywraplp.Solver, status: int, method: str, copy: bool = False) -> LPSolution | None:
    if status != pywraplp.Solver.OPTIMAL:
        return None
    value = solver.Objective().Value()
    duals = [c.dual_value() for c in solver.constraints()]
    values = [v.solution_value() for v in solver.variables()] if copy else None
    if (
        not math.isfinite(value)
        or not all(map(math.isfinite, duals))
        or (values is not None and not all(map(math.isfinite, values)))
    ):
        return None
    return LPSolution(value, duals, values, method)


def _glop_warm(lp: pywraplp.Solver) -> LPSolution | None:
    return _read(lp, lp.Solve(), "GLOP warm")


def _glop_scratch(algorithm: int, method: str) -> Rung:
    def attempt(lp: pywraplp.Solver) -> LPSolution | None:
        params = pywraplp.MPSolverParameters()
        # without incrementality GLOP re-extracts the model: no basis or factorisation of earlier solves
        params.SetIntegerParam(params.INCREMENTALITY, params.INCREMENTALITY_OFF)
        params.SetIntegerParam(params.PRESOLVE, params.PRESOLVE_ON)
        params.SetIntegerParam(params.LP_ALGORITHM, algorithm)
        return _read(lp, lp.Solve(params), method)

    return Rung(method, attempt)


def _on_copy(solver_name: str, algorithm: int | None, method: str) -> Rung:
    def attempt(lp: pywraplp.Solver) -> LPSolution | None:
        other = pywraplp.Solver.CreateSolver(solver_name)
        if other is None:
            return None
        proto = linear_solver_pb2.MPModelProto()
        lp.ExportModelToProto(proto)
        if other.LoadModelFromProto(proto):  # a non-empty string is an error message
            return None
        other.SetNumThreads(1)
        params = pywraplp.MPSolverParameters()
        if algorithm is not None:
            params.SetIntegerParam(params.LP_ALGORITHM, algorithm)
        return _read(other, other.Solve(params), method, copy=True)

    return Rung(method, attempt)


P = pywraplp.MPSolverParameters
LADDER: tuple[Rung, ...] = (
    Rung("GLOP warm", _glop_warm),
    _glop_scratch(P.DUAL, "GLOP dual simplex from scratch"),
    _glop_scratch(P.PRIMAL, "GLOP primal simplex from scratch"),
    _on_copy("CLP", P.BARRIER, "CLP barrier"),
    _on_copy("PDLP", None, "PDLP"),
)
"""The rungs `solve_master` tries in order (tests replace it to force failures)."""


def solve_master(lp: pywraplp.Solver, failures: list[str] | None = None) -> LPSolution:
    """The answer of the first rung of `LADDER` that solves `lp`; each failed rung is added to `failures`."""
    for rung in LADDER:
        try:
            solution = rung.solve(lp)
        except (RuntimeError, ValueError, MemoryError) as err:  # a solver wrapper's own failure
            solution, why = None, f"{rung.method} ({err})"
        else:
            why = rung.method
        if solution is not None:
            return solution
        if failures is not None:
            failures.append(why)
    raise LPFailed("master LP not solved: " + ", ".join(r.method for r in LADDER) + " all failed")
