"""slotplan: daily roster and appointment-slot optimizer for public offices.

The public API, enough to plan a day from Python (see examples/plan_one_day.py):

    from optimizer import load_scenario, plan_day, SolveOptions
    scenario = load_scenario("data/sample.json")
    plan = plan_day(scenario, date, SolveOptions(time_limit_s=20))
    print(plan.status, plan.kpis["weighted_served"])
"""

from .day.solution import SolveOptions, SolveStatus
from .errors import InfeasibleError, InputError, NoPlanInTimeError
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
