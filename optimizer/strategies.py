"""Planning strategies for an office-day: the optimizer (CP-SAT) or today's hand-style template."""

from __future__ import annotations

import datetime as dt

from .day.solution import ProgressFn, SolveOptions
from .day.template import STRATEGY as TEMPLATE
from .pipeline import plan_day, template_plan
from .plan import Plan
from .scenario import Scenario

CP_SAT = "cp-sat"
STRATEGIES = (CP_SAT, TEMPLATE)


def plan_with_strategy(
    scenario: Scenario,
    date: dt.date,
    options: SolveOptions | None = None,
    strategy: str = CP_SAT,
    on_progress: ProgressFn | None = None,
) -> Plan:
    """Plan one office-day: the one entry point (`optimizer.plan_day`). `strategy` is `cp-sat` (the
    optimizer, with the template as the instant fallback when it finds no plan in time) or `template`.
    Raises `InfeasibleError` with reasons in words."""
    options = options or SolveOptions()
    if strategy == CP_SAT:
        return plan_day(scenario, date, options, on_progress)
    if strategy == TEMPLATE:
        return template_plan(scenario, date, options, on_progress)
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
