"""Benchmark the roster engine on the Curtois & Qu instances 1-24 and check every roster independently.

    python benchmarks/curtois_bench.py [1 2 ... 24] [--time-limit S] [--workers 2] [--seed 0] [--out FILE]

Without `--time-limit`, instances 1-12 get 120 s and 13-24 get 600 s (the benchmark's protocol). Each
instance is solved in a child process of its own (so that its peak memory is its own): the engine solves,
writes the roster CSV, and `../shared/tools/curtois_eval.py` evaluates it. A row gives the evaluator's
objective and hard violations, the best-known value and the published lower bound (benchmark README), the
gap to the best known, the engine's proven lower bound and the gap to it, seconds, the child's peak
resident memory, the ortools version, the 1-minute load average after the instance and the UTC time of
the run. An instance listed twice is run twice (repeatability). Rows are merged into `--out`
(default benchmarks/results/curtois.md): the rows of the instances run replace their earlier rows, the
other instances keep theirs, so partial runs on a busy machine can be completed later.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import ortools_version  # noqa: E402  (benchmarks/machine.py, beside this script)

from optimizer.atomic import write_atomic  # noqa: E402

SHARED = ROOT.parent / "shared"
CURTOIS = SHARED / "benchmarks" / "curtois"
EVAL = SHARED / "tools" / "curtois_eval.py"
RESULTS = ROOT / "benchmarks" / "results" / "curtois.md"
INSTANCES = range(1, 25)
COLUMNS = (
    "instance",
    "objective",
    "best known",
    "gap to best known",
    "published lower bound",
    "proven lower bound",
    "gap to bound",
    "seconds",
    "time limit",
    "peak memory MB",
    "hard violations",
    "ortools",
    "load after",
    "run (UTC)",
)


def default_limit(number: int) -> float:
    """The protocol's time limit: 120 s for instances 1-12, 600 s for 13-24."""
    return 120.0 if number <= 12 else 600.0


def best_known() -> dict[int, tuple[int, str]]:
    """Instance -> (best-known objective, published lower bound or '–') from the benchmark README."""
    table = {}
    for line in (CURTOIS / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*(\d+)\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|$", line)
        if m:
            table[int(m.group(1))] = (int(m.group(2)), m.group(3))
    return table


def evaluate(instance: Path, roster: Path) -> tuple[int, int]:
    """(hard violations, objective) as printed by the independent evaluator."""
    out = subprocess.run(
        [sys.executable, str(EVAL), str(instance), str(roster)], capture_output=True, text=True, check=False
    ).stdout
    hard = re.search(r"^hard violations (\d+)$", out, re.MULTILINE)
    value = re.search(r"^objective (\d+)$", out, re.MULTILINE)
    if not hard or not value:
        raise RuntimeError(f"evaluator output not understood:\n{out}")
    return int(hard.group(1)), int(value.group(1))


def solve_one(number: int, time_limit: float, workers: int, seed: int, roster_path: Path) -> dict:
    """Solve one instance in this process and write its roster; the result and the peak memory as a dict."""
    from optimizer.roster.curtois import read_curtois, write_roster_csv
    from optimizer.roster.engine import SolveOptions, solve

    problem = read_curtois(CURTOIS / f"Instance{number}.txt")
    result = solve(problem, SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed))
    if result.roster:
        write_roster_csv(roster_path, problem, result.roster)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "seconds": result.seconds,
        "peak_mb": round(peak_kb / 1024),
        "ortools": ortools_version(),
        "phases": [f"{p.name} {p.objective}/{p.bound} {p.seconds:.0f}s {p.note}" for p in result.phases],
    }


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def run_instance(number: int, time_limit: float, args: argparse.Namespace, known: dict, tmp: Path) -> tuple[str, str]:
    """Run one instance in a child process; its table row and a line of phase notes."""
    roster = tmp / f"Instance{number}.csv"
    roster.unlink(missing_ok=True)
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(number),
            "--time-limit",
            str(time_limit),
            "--workers",
            str(args.workers),
            "--seed",
            str(args.seed),
            "--roster",
            str(roster),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    load = f"{os.getloadavg()[0]:.1f}"
    reference, published = known.get(number, (None, "–"))
    try:
        out = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (child.stderr.strip().splitlines() or ["no output"])[-1]
        cells = [
            str(number),
            "crashed",
            str(reference),
            "–",
            published,
            "–",
            "–",
            "–",
            f"{time_limit:g}",
            "–",
            "–",
            "–",
            load,
            when,
        ]
        return "| " + " | ".join(cells) + " |", f"Instance {number} ({when}): child exited {child.returncode}: {tail}"
    if roster.exists():
        hard, value = evaluate(CURTOIS / f"Instance{number}.txt", roster)
        if value != out["objective"]:
            out["phases"].append(f"MISMATCH: engine objective {out['objective']}, evaluator {value}")
            print(f"Instance{number}: engine {out['objective']}, evaluator {value}", file=sys.stderr)
        gap_known = (value - reference) / reference if reference else None
        gap_bound = (value - out["bound"]) / value if out["bound"] is not None and value else None
        shown_value, shown_hard = str(value), str(hard)
    else:
        gap_known = gap_bound = None
        shown_value, shown_hard = "no roster", "–"
    cells = [
        str(number),
        shown_value,
        str(reference),
        pct(gap_known),
        published,
        str(out["bound"]) if out["bound"] is not None else "–",
        pct(gap_bound),
        f"{out['seconds']:.1f}",
        f"{time_limit:g}",
        str(out["peak_mb"]),
        shown_hard,
        out["ortools"],
        load,
        when,
    ]
    return "| " + " | ".join(cells) + " |", f"Instance {number} ({when}, {out['status']}): " + "; ".join(out["phases"])


def merged(
    previous: str, new_rows: dict[int, list[str]], new_notes: dict[int, list[str]]
) -> tuple[list[str], list[str]]:
    """All rows and phase notes, instance order: this run's where it ran an instance, else the previous file's."""
    old_rows: dict[int, list[str]] = {}
    old_notes: dict[int, list[str]] = {}
    for line in previous.splitlines():
        row = re.match(r"^\|\s*(\d+)\s*\|", line)
        note = re.match(r"^- Instance (\d+) ", line)
        if row and line.count("|") == len(COLUMNS) + 1:
            old_rows.setdefault(int(row.group(1)), []).append(line)
        elif note:
            old_notes.setdefault(int(note.group(1)), []).append(line[2:])
    rows, notes = [], []
    for number in INSTANCES:
        rows += (
            new_rows.get(number)
            or old_rows.get(number)
            or ["| " + " | ".join([str(number), "not run", *["–"] * (len(COLUMNS) - 2)]) + " |"]
        )
        notes += new_notes.get(number) or old_notes.get(number) or []
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", type=int, default=list(INSTANCES))
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per instance (default: 120 for 1-12, 600 for 13-24)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--roster", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        limit = args.time_limit or default_limit(args.child)
        print(json.dumps(solve_one(args.child, limit, args.workers, args.seed, args.roster)))
        return 0

    known = best_known()
    header = "| " + " | ".join(COLUMNS) + " |"
    print(header, flush=True)
    new_rows: dict[int, list[str]] = {}
    new_notes: dict[int, list[str]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for number in args.instances:
            row, note = run_instance(number, args.time_limit or default_limit(number), args, known, Path(tmp))
            new_rows.setdefault(number, []).append(row)
            new_notes.setdefault(number, []).append(note)
            print(row, flush=True)
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    rows, notes = merged(previous, new_rows, new_notes)
    text = [
        "# Curtois & Qu benchmark, instances 1-24",
        "",
        (
            "Rows written by `python benchmarks/curtois_bench.py` (each instance in its own process, time limit "
            "120 s for 1-12 and 600 s for 13-24 unless the row says otherwise, "
            f"{args.workers} workers, seed {args.seed}) on {os.cpu_count()} cores, "
            f"{platform.python_implementation()} {platform.python_version()}. The last run covered instances "
            f"{', '.join(map(str, args.instances))}; 1-minute load average before it {load_before:.1f} and after "
            "each instance in the row (above the core count the machine was shared and the solver got less than "
            "its cores)."
        ),
        "",
        (
            "Objective and hard violations are those printed by `../shared/tools/curtois_eval.py` for the "
            "written roster; best known and published lower bound from `../shared/benchmarks/curtois/README.md`. "
            "Gap to best known = (objective - best known) / best known; gap to bound = (objective - bound) / "
            "objective, where the bound is the engine's own proven lower bound (column generation / CP-SAT). "
            "Peak memory is the solving process's maximum resident set."
        ),
        "",
        header,
        "|" + "---|" * len(COLUMNS),
        *rows,
        "",
        "Phases per run (objective/bound after the phase, seconds, note):",
        "",
        *[f"- {n}" for n in notes],
        "",
    ]
    write_atomic(args.out, "\n".join(text))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
