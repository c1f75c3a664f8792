"""The one-way pipeline for an office-day: index, model and solve, schedule, slots, plan."""

from __future__ import annotations

import datetime as dt
import time

from .day.diagnose import explain_infeasible, input_conflicts
from .day.index import DayIndex, build_index
from .day.schedule import build_schedule
from .day.solution import DaySolution, Progress, ProgressFn, SolveOptions
from .day.solve import solve_day
from .day.template import STRATEGY as TEMPLATE
from .day.template import pin_counters, template_solution
from .errors import InfeasibleError, NoPlanInTimeError
from .overbook import overbook
from .plan import Plan
from .plan_build import build_plan
from .scenario import Scenario


def solve_checked(
    index: DayIndex, options: SolveOptions, on_progress: ProgressFn | None = None, started: float | None = None
) -> DaySolution:
    """Solve an indexed day; raises `InfeasibleError` with reasons in words when no plan exists.

    The status is OPTIMAL only when the proven gap is zero. The limit counts from `started` if given.
    """
    conflicts = input_conflicts(index)
    if conflicts:
        raise InfeasibleError(conflicts)
    solution = solve_day(index, options, on_progress, started)
    if solution.status == "INFEASIBLE":
        raise InfeasibleError(explain_infeasible(index, options))
    if solution.status not in ("OPTIMAL", "FEASIBLE"):
        raise NoPlanInTimeError(
            f"{index.date}: no plan found within {options.time_limit_s:g} s "
            f"(solver status {solution.status}); allow more time with --time-limit"
        )
    if solution.gap > 1e-9:
        solution.status = "FEASIBLE"
    return solution


def plan_day(
    scenario: Scenario, date: dt.date, options: SolveOptions = SolveOptions(), on_progress: ProgressFn | None = None
) -> Plan:
    """Plan one office-day with CP-SAT; raises `InfeasibleError` with reasons in words.

    When the solver ends the day with no plan at all, the template plan stands in
    (`solver.strategy: "template"`): a valid hand-style plan beats none before opening. It also stands in
    when the search ends with a plan that holds fewer bookings or serves less. With
    `policy.no_show: overbook`, calendar slots are sold twice within `policy.overflow_risk` (`overbook`).
    The whole of it, index and template included, keeps within `options.time_limit_s` (wall-clock runs).
    """
    began = time.monotonic()
    index = build_index(scenario, date)
    try:  # the hand-style plan, ready in a blink: the fallback, and the plan to beat
        template: Plan | None = template_plan(scenario, date, options, index=index)
    except InfeasibleError:
        template = None
    try:
        solution = solve_checked(index, options, on_progress, started=began)
    except NoPlanInTimeError:
        if template is None:
            raise
        if on_progress:
            on_progress(Progress(TEMPLATE, time.monotonic() - began, template.kpis["weighted_served"], 0.0))
        return template
    plan = build_plan(scenario, build_schedule(solution))
    if template is not None and _rank(template) > _rank(plan):
        plan = template
    return overbook(scenario, plan)


def _rank(plan: Plan) -> tuple[int, int, float]:
    """Plans compare as the day model's levels do: bookings held, then the requests short of the day's
    floors (fewer is better), then weighted served demand."""
    return plan.kpis["bookings_held"], -plan.kpis["floors_shortfall"], plan.kpis["weighted_served"]


def template_plan(
    scenario: Scenario,
    date: dt.date,
    options: SolveOptions | None = None,
    on_progress: ProgressFn | None = None,
    index: DayIndex | None = None,
) -> Plan:
    """The hand-style plan of one office-day (see `optimizer.day.template`); raises `InfeasibleError`.
    `index` is the day's, when the caller has built it already."""
    began = time.monotonic()
    index = build_index(scenario, date) if index is None else index
    conflicts = input_conflicts(index)
    if conflicts:
        raise InfeasibleError(conflicts)
    solution = template_solution(index, options)
    solution.seconds = time.monotonic() - began
    if on_progress:
        on_progress(Progress(TEMPLATE, solution.seconds, solution.objective, solution.bound))
    return build_plan(scenario, pin_counters(build_schedule(solution, strategy=TEMPLATE), solution))
