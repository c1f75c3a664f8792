"""Time the morning re-plan of the sample Monday with two people absent (issue 6: inside 10 s on 2 cores).

Usage: python benchmarks/replan_bench.py [--absent S005,S007] [--time-limit 8]
Plans the day (60 s), publishes nothing, re-plans from that plan with the absences, checks the new
plan against the scenario as it stands now, and prints one markdown table row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import importlib.util

from optimizer.day.solve import SolveOptions
from optimizer.pipeline import plan_day
from optimizer.replan import Changes, apply_changes, replan_day
from optimizer.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_plan", ROOT.parent / "shared" / "tools" / "check_plan.py")
checker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checker)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--absent", default="S005,S007")
    ap.add_argument("--time-limit", type=float, default=8.0, help="seconds of solving; the CLI default")
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "data" / "sample.json")
    day = dt.date(2024, 4, 22)
    published = plan_day(scenario, day, SolveOptions(time_limit_s=60))
    change = Changes(absent=tuple(args.absent.split(",")), now=7 * 60 + 10)
    began = time.monotonic()
    current = apply_changes(scenario, day, published, change)
    plan, report = replan_day(current, published, day, change, SolveOptions(time_limit_s=args.time_limit))
    wall = time.monotonic() - began
    bad = checker.check(current.to_json_dict(), plan.to_json_dict())
    booked = sum(1 for s in published.slots if s.booking)
    print("| absent | wall s | status | weighted served (published) | gap | kept | moved | withdrawn | new | "
          "bookings kept | to notify | check_plan |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.absent} | {wall:.1f} | {plan.status} | {plan.solver.objective:g} ({published.solver.objective:g}) | "
          f"{plan.solver.gap:.2%} | {len(report.kept)} | {len(report.moved)} | {len(report.withdrawn)} | "
          f"{len(report.new)} | {booked - len(report.notify)}/{booked} | {len(report.notify)} | {len(bad)} violations |")


if __name__ == "__main__":
    main()
