"""The time limit of one day's solve, shared by its stages (wall-clock or CP-SAT deterministic time)."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from .solution import SolveOptions

DETERMINISTIC_GUARD_S = 60.0
"""Least wall-clock limit of a solve in a deterministic run."""


class Budget:
    """The time limit of one day's solve, in seconds or in CP-SAT deterministic time."""

    def __init__(self, options: SolveOptions, started: float | None = None):
        """`started` (a `time.monotonic()` value) counts work done before the solve against the limit;
        wall-clock runs keep `plan_build_share` of the limit for the work after it."""
        self.options = options
        self.start = time.monotonic() if started is None else started
        self.deterministic_used = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        limit = self.options.time_limit_s
        if self.options.deterministic:
            return limit - self.deterministic_used
        return limit * (1 - self.options.parameters.plan_build_share) - self.elapsed()

    def solver(self, seconds: float, subsolvers: tuple[str, ...]) -> cp_model.CpSolver:
        """A CP-SAT solver limited to `seconds` of this budget."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = self.options.workers
        params.random_seed = self.options.seed
        params.subsolvers.extend(subsolvers)
        if self.options.deterministic:
            params.interleave_search = True
            params.max_deterministic_time = max(0.05, seconds)
            # Only a guard against a runaway: a run that hits it is no longer repeatable. At 1 s it was hit
            # on a loaded test machine (Ray starting beside another test process), and the process pool
            # and Ray planned the same office-day differently.
            params.max_time_in_seconds = max(DETERMINISTIC_GUARD_S, 20 * seconds)
        else:
            params.max_time_in_seconds = max(0.05, seconds)
        return solver

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.deterministic_used += solver.deterministic_time

    def spend(self, seconds: float) -> None:
        """Charge work done outside CP-SAT, counted in nominal seconds (deterministic runs only)."""
        if self.options.deterministic:
            self.deterministic_used += seconds
