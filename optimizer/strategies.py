"""Planning strategies for an office-day: the optimizer (CP-SAT) or today's hand-style template."""

from __future__ import annotations

import datetime as dt
import time

from .day.diagnose import input_conflicts
from .day.index import build_index
from .day.schedule import build_schedule
from .day.solve import Progress, ProgressFn, SolveOptions
from .day.template import STRATEGY as TEMPLATE
from .day.template import pin_counters, template_solution
from .errors import InfeasibleError, NoPlanInTimeError
from .pipeline import plan_day
from .plan import Plan
from .scenario import Scenario
from .slots import build_plan

CP_SAT = "cp-sat"
STRATEGIES = (CP_SAT, TEMPLATE)


def template_plan(scenario: Scenario, date: dt.date, options: SolveOptions | None = None,
                  on_progress: ProgressFn | None = None) -> Plan:
    """The hand-style plan of one office-day (see `optimizer.day.template`); raises `InfeasibleError`."""
    began = time.monotonic()
    index = build_index(scenario, date)
    conflicts = input_conflicts(index)
    if conflicts:
        raise InfeasibleError(conflicts)
    solution = template_solution(index, options)
    solution.seconds = time.monotonic() - began
    if on_progress:
        on_progress(Progress(TEMPLATE, solution.seconds, solution.objective, solution.bound))
    return build_plan(scenario, pin_counters(build_schedule(solution, strategy=TEMPLATE), solution))


def plan_with_strategy(scenario: Scenario, date: dt.date, strategy: str = CP_SAT,
                       options: SolveOptions | None = None, on_progress: ProgressFn | None = None) -> Plan:
    """Plan one office-day with the named strategy: `cp-sat` (the optimizer) or `template`."""
    options = options or SolveOptions()
    if strategy == CP_SAT:
        try:
            return plan_day(scenario, date, options, on_progress)
        except NoPlanInTimeError as no_time:
            # The template is the instant fallback: a valid hand-style plan beats none before opening.
            try:
                return template_plan(scenario, date, options, on_progress)
            except InfeasibleError:
                raise no_time from None
    if strategy == TEMPLATE:
        return template_plan(scenario, date, options, on_progress)
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
