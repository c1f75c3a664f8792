"""Planning across days: how many slots of each type each day offers, so requests wait within target.

`plan_horizon` (model.py) sets each office-day's contingents by a lexicographic LP over the
horizon; `queue.py` keeps the waiting requests as ../shared/tools/wait_eval.py counts them;
`capacity.py` gives each day's capacity. Pure: no printing, no files.
"""

from .model import HorizonOptions, HorizonPlan, plan_horizon
from .queue import TypeWaits, WaitReport, free_slots, wait_report

__all__ = ["HorizonOptions", "HorizonPlan", "TypeWaits", "WaitReport", "free_slots", "plan_horizon", "wait_report"]
