"""The morning re-plan of the sample Monday (issue 12): the two people holding the most bookings absent.

Usage: python benchmarks/replan_bench.py [--absent S005,S007] [--time-limit 8] [--now 07:00] [--plan-limit 60]
Plans the day, re-plans from that plan with the absences, checks the new plan against the scenario as
it stands now (../shared/tools/check_plan.py), and prints one markdown table row: wall time, bookings
kept, people whose day is unchanged, published slots withdrawn against the issue's limit (the absent
people's slots plus 10 % of the published ones).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import time
from collections import Counter
from pathlib import Path

from machine import machine_note

from optimizer.clock import parse_hhmm
from optimizer.day.solution import SolveOptions
from optimizer.pipeline import plan_day
from optimizer.replan import Changes, apply_changes, replan_day
from optimizer.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_plan", ROOT.parent / "shared" / "tools" / "check_plan.py")
checker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checker)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--absent", help="default: the two people holding the most bookings")
    ap.add_argument("--time-limit", type=float, default=8.0, help="seconds of solving; the CLI default")
    ap.add_argument("--now", default="07:00")
    ap.add_argument("--plan-limit", type=float, default=60.0)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "data" / "sample.json")
    day = dt.date(2024, 4, 22)
    published = plan_day(scenario, day, SolveOptions(time_limit_s=args.plan_limit, gap_limit=0.005))
    absent = (
        args.absent.split(",")
        if args.absent
        else [s for s, _n in Counter(s.staff for s in published.slots if s.booking).most_common(2)]
    )
    change = Changes(absent=tuple(absent), now=parse_hhmm(args.now))
    began = time.monotonic()
    current = apply_changes(scenario, day, published, change)
    plan, report = replan_day(current, published, day, change, SolveOptions(time_limit_s=args.time_limit))
    wall = time.monotonic() - began
    bad = checker.check(current.to_json_dict(), plan.to_json_dict())
    booked = sum(1 for s in published.slots if s.booking)
    theirs = sum(1 for s in published.slots if s.staff in absent)
    limit = theirs + 0.1 * len(published.slots)
    print(machine_note(), end="\n\n")
    print(
        "| absent | wall s | status | weighted served (published) | gap | days unchanged | kept | moved | "
        "withdrawn (limit) | new | bookings kept | check_plan |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {','.join(absent)} | {wall:.1f} | {plan.status} | {plan.solver.objective:g} "
        f"({published.solver.objective:g}) | {plan.solver.gap:.2%} | {report.unchanged_people} of "
        f"{len(report.people)} ({report.unchanged_people / max(1, len(report.people)):.0%}) | "
        f"{len(report.kept)} | {len(report.moved)} | {len(report.withdrawn)} ({limit:.1f}) | {len(report.new)} | "
        f"{booked - len(report.notify)}/{booked} | {len(bad)} violations |"
    )


if __name__ == "__main__":
    main()
