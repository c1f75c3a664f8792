"""Plan the sample office's Monday through slotplan's public API and print what the office needs.

Usage: python examples/plan_one_day.py [SCENARIO] [DATE] [SECONDS]
"""

import datetime as dt
import sys
from pathlib import Path

from optimizer import SolveOptions, load_scenario, plan_day

scenario = load_scenario(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[1] / "data" / "sample.json")
date = dt.date.fromisoformat(sys.argv[2] if len(sys.argv) > 2 else "2024-04-22")
plan = plan_day(scenario, date, SolveOptions(time_limit_s=float(sys.argv[3]) if len(sys.argv) > 3 else 20))
print(
    f"{plan.date}: {plan.status}, weighted served {plan.kpis['weighted_served']} "
    f"(bound {plan.solver.bound}, gap {plan.solver.gap:.2%}), {len(plan.slots)} slots"
)
