"""slotplan: daily roster and appointment-slot optimizer for public offices.

The public API, enough to plan a day from Python (see examples/plan_one_day.py):

    from optimizer import load_scenario, plan_day, SolveOptions
    scenario = load_scenario("data/sample.json")
    plan = plan_day(scenario, date, SolveOptions(time_limit_s=20))
    print(plan.status, plan.kpis["weighted_served"])

The names are imported on first use, so that `import optimizer.service` (the booking service) and other
parts that do not plan start without loading the solver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import InfeasibleError, InputError, NoPlanInTimeError

if TYPE_CHECKING:
    from .day.solution import SolveOptions, SolveStatus
    from .plan import Plan
    from .replan import ChangeReport, Changes, apply_changes, replan_day
    from .scenario import Scenario, load_scenario
    from .strategies import plan_with_strategy as plan_day

__version__ = "0.1.0"
__all__ = [
    "ChangeReport",
    "Changes",
    "InfeasibleError",
    "InputError",
    "NoPlanInTimeError",
    "Plan",
    "Scenario",
    "SolveOptions",
    "SolveStatus",
    "apply_changes",
    "load_scenario",
    "plan_day",
    "replan_day",
]
_LAZY = {
    "SolveOptions": ("optimizer.day.solution", "SolveOptions"),
    "SolveStatus": ("optimizer.day.solution", "SolveStatus"),
    "Plan": ("optimizer.plan", "Plan"),
    "ChangeReport": ("optimizer.replan", "ChangeReport"),
    "Changes": ("optimizer.replan", "Changes"),
    "apply_changes": ("optimizer.replan", "apply_changes"),
    "replan_day": ("optimizer.replan", "replan_day"),
    "Scenario": ("optimizer.scenario", "Scenario"),
    "load_scenario": ("optimizer.scenario", "load_scenario"),
    "plan_day": ("optimizer.strategies", "plan_with_strategy"),
}


def __getattr__(name: str) -> Any:
    """The public names not imported yet (PEP 562): imported on first use, then kept."""
    if name not in _LAZY:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
