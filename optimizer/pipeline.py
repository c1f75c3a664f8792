"""The one-way pipeline for an office-day: index, model and solve, schedule, slots, plan."""

from __future__ import annotations

import datetime as dt

from .day.diagnose import explain_infeasible, input_conflicts
from .day.index import DayIndex, build_index
from .day.schedule import build_schedule
from .day.solve import DaySolution, ProgressFn, SolveOptions, solve_day
from .errors import InfeasibleError, NoPlanInTimeError
from .plan import Plan
from .scenario import Scenario
from .slots import build_plan


def solve_checked(index: DayIndex, options: SolveOptions, on_progress: ProgressFn | None = None) -> DaySolution:
    """Solve an indexed day; raises `InfeasibleError` with reasons in words when no plan exists.

    The status is OPTIMAL only when the proven gap is zero.
    """
    conflicts = input_conflicts(index)
    if conflicts:
        raise InfeasibleError(conflicts)
    solution = solve_day(index, options, on_progress)
    if solution.status == "INFEASIBLE":
        raise InfeasibleError(explain_infeasible(index, options))
    if solution.status not in ("OPTIMAL", "FEASIBLE"):
        raise NoPlanInTimeError(f"{index.date}: no plan found within {options.time_limit_s:g} s "
                              f"(solver status {solution.status}); allow more time with --time-limit")
    if solution.gap > 1e-9:
        solution.status = "FEASIBLE"
    return solution


def plan_day(scenario: Scenario, date: dt.date, options: SolveOptions = SolveOptions(),
             on_progress: ProgressFn | None = None) -> Plan:
    """Plan one office-day with CP-SAT; raises `InfeasibleError` with reasons in words."""
    solution = solve_checked(build_index(scenario, date), options, on_progress)
    return build_plan(scenario, build_schedule(solution))
