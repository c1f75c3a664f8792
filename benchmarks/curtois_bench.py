"""Benchmark the roster engine on the Curtois & Qu instances and check every roster independently.

    python benchmarks/curtois_bench.py [1 2 ... 12] [--time-limit 120] [--workers 2] [--seed 0]

For each instance: solve with the engine, write the roster CSV, run ../shared/tools/curtois_eval.py on it,
and report the evaluator's objective, the best-known value (from the benchmark README), the gap to it,
the engine's proven lower bound and the gap to that, the seconds and the evaluator's hard violations.
The table is printed and written to benchmarks/results/curtois.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.atomic import write_atomic
from optimizer.roster.curtois import read_curtois, write_roster_csv
from optimizer.roster.engine import SolveOptions, solve

SHARED = ROOT.parent / "shared"
CURTOIS = SHARED / "benchmarks" / "curtois"
EVAL = SHARED / "tools" / "curtois_eval.py"
RESULTS = ROOT / "benchmarks" / "results" / "curtois.md"


def best_known() -> dict[int, tuple[int, str]]:
    """Instance -> (best-known objective, published lower bound or '–') from the benchmark README."""
    table = {}
    for line in (CURTOIS / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*(\d+)\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|$", line)
        if m:
            table[int(m.group(1))] = (int(m.group(2)), m.group(3))
    return table


def evaluate(instance: Path, roster: Path) -> tuple[int, int]:
    out = subprocess.run([sys.executable, str(EVAL), str(instance), str(roster)], capture_output=True, text=True,
                         check=False).stdout
    hard = re.search(r"^hard violations (\d+)$", out, re.MULTILINE)
    value = re.search(r"^objective (\d+)$", out, re.MULTILINE)
    if not hard or not value:
        raise RuntimeError(f"evaluator output not understood:\n{out}")
    return int(hard.group(1)), int(value.group(1))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", type=int, default=list(range(1, 13)))
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    known = best_known()
    header = ("| instance | objective | best known | gap to best known | proven lower bound | gap to bound "
              "| seconds | hard violations |")
    rows = [header, "|---|---|---|---|---|---|---|---|"]
    print(header, flush=True)
    print(rows[1], flush=True)
    loads = [os.getloadavg()[0]]
    started = dt.datetime.now().astimezone()
    mismatches = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in args.instances:
            path = CURTOIS / f"Instance{number}.txt"
            problem = read_curtois(path)
            result = solve(problem, SolveOptions(time_limit_s=args.time_limit, workers=args.workers,
                                                 seed=args.seed))
            roster = write_roster_csv(Path(tmp) / f"Instance{number}.csv", problem, result.roster)
            hard, value = evaluate(path, roster)
            if value != result.objective:
                mismatches.append(f"Instance{number}: engine {result.objective}, evaluator {value}")
            reference, _published_lb = known.get(number, (None, "–"))
            gap_known = (value - reference) / reference if reference else None
            gap_bound = (value - result.bound) / value if result.bound is not None and value else None
            row = (f"| {number} | {value} | {reference if reference is not None else '–'} | {pct(gap_known)} "
                   f"| {result.bound if result.bound is not None else '–'} | {pct(gap_bound)} "
                   f"| {result.seconds:.1f} | {hard} |")
            rows.append(row)
            loads.append(os.getloadavg()[0])
            print(row, flush=True)
    note = [
        "# Curtois & Qu benchmark, instances " + ", ".join(str(i) for i in args.instances),
        "",
        (f"Run {started:%Y-%m-%d %H:%M %Z} with `python benchmarks/curtois_bench.py` "
         f"(time limit {args.time_limit:g} s per instance, {args.workers} workers, seed {args.seed}) on "
         f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}."),
        (f"1-minute load average before the first instance and after each: "
         f"{', '.join(f'{x:.1f}' for x in loads)} (the machine was shared: above {os.cpu_count()} means the "
         "solver got less than its cores)."),
        "",
        ("Objective and hard violations are those printed by `../shared/tools/curtois_eval.py` for the written "
         "roster; best known from `../shared/benchmarks/curtois/README.md`. Gap to best known = "
         "(objective - best known) / best known; gap to bound = (objective - bound) / objective, where the "
         "bound is the engine's own proven lower bound (column generation / CP-SAT)."),
        "",
        *rows,
        "",
    ]
    if mismatches:
        note += ["Objective reported by the engine differs from the evaluator's:", *mismatches, ""]
        print("\n".join(mismatches), file=sys.stderr)
    write_atomic(args.out, "\n".join(note))
    print(f"written {args.out}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
