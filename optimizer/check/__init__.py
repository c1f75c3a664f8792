"""The project's own plan validator: does a plan obey the hard rules of the contract?

`check_plan(scenario, plan)` returns the `Violation`s of rules 1–11 of shared/spec/SCENARIO.md
(section "Hard rules the checker enforces"); an empty list means the plan is valid. It is written from
the rule text, independently of shared/tools/check_plan.py, so that each checks the other.
"""

from .rules import check_plan
from .violation import Violation

__all__ = ["Violation", "check_plan"]
