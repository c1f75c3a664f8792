#!/usr/bin/env python3
"""The performance suite of issue 8: solve time, quality and memory against office size.

Run from the repository root (not part of the test run):

    python benchmarks/suite.py            # full: 10, 30, 80, 200, 500 staff (about 20-25 min)
    python benchmarks/suite.py --quick    # 10 and 30 staff only (about 2 min)

For every size, weekday pattern (Monday 2024-04-22 and Thursday 2024-04-25 of make_scenario.py) and
booking share (0 and 0.3) it plans the day with the optimizer (CP-SAT, `--workers 2`, the issue's time
limit for the size) and with the hand-style template, each case in a child process of its own so that
the peak memory (ru_maxrss) is that case's. Then it plans 20 office-days (4 generated offices x 5 days)
with `slotplan batch --jobs 1` and `--jobs 2` and reports the wall-time ratio.

Writes OUT.md (markdown tables), OUT.json (raw numbers) and OUT.png (solve time and quality against
size); OUT is benchmarks/results/suite (benchmarks/results/suite.quick with --quick).
See docs/performance.md for what each column means.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from machine import machine_note  # noqa: E402  (benchmarks/machine.py, beside this script)

SIZES = (10, 30, 80, 200, 500)
QUICK_SIZES = (10, 30)
LIMITS = {10: 10.0, 30: 10.0, 80: 30.0, 200: 60.0, 500: 120.0}
"""Time limit per size: the issue's targets (10 staff gets the 30-staff limit)."""
TARGET_GAP = {30: 0.005, 80: 0.01, 200: 0.02}
"""Final gap each size must reach within its limit (10 and 500: a valid plan)."""
DAYS = {"Mon": "2024-04-22", "Thu": "2024-04-25"}
BOOKINGS = (0.0, 0.3)
SEED = 1
GAP = 0.005
"""Stop the primary level at this proven gap, as `slotplan plan` does by default."""
JOBS_OFFICES, JOBS_DAYS, JOBS_STAFF = 4, 5, 10
TIME_SLACK_S = 2.0
"""A case meets its target only if the plan is ready within its time limit plus this."""


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, SHARED / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SHARED / "tools"))
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- one case, in a child process


def run_case(case: dict) -> dict:
    """Plan one office-day with the template and with CP-SAT; measure everything the table shows."""
    from optimizer.day.solution import Progress, SolveOptions
    from optimizer.pipeline import plan_day
    from optimizer.scenario import parse_scenario
    from optimizer.sittings_view import workability
    from optimizer.strategies import plan_with_strategy

    checker, fluid_tool = _tool("check_plan"), _tool("fluid_bound")
    data = json.loads(Path(case["scenario"]).read_text(encoding="utf-8"))
    scenario = parse_scenario(data)
    date = dt.date.fromisoformat(case["date"])
    out: dict = {}

    began = time.monotonic()
    template = plan_with_strategy(scenario, date, strategy="template")
    out["template_s"] = time.monotonic() - began
    out["template_served"] = template.kpis["weighted_served"]
    out["template_violations"] = len(checker.check(data, template.to_json_dict()))
    out["template_rebook"] = len(template.rebook)

    events: list[tuple[float, Progress]] = []
    options = SolveOptions(time_limit_s=case["limit"], workers=case["workers"], seed=0, gap_limit=case["gap"])
    began = time.monotonic()
    plan = plan_day(scenario, date, options, on_progress=lambda p: events.append((time.monotonic() - began, p)))
    out["total_s"] = time.monotonic() - began
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["first_feasible_s"] = events[0][0] if events else None
    within = [t for t, p in events if p.stage == "served" and p.bound > 0 and (p.bound - p.objective) / p.bound <= 0.01]
    out["gap1_s"], out["gap1_upper"] = (within[0], False) if within else (None, False)
    if not within and plan.solver.gap <= 0.01:
        # The bound closed without a new solution, which sends no event: the primary level ended
        # before the first event of a later level (or before the end).
        later = [t for t, p in events if p.stage not in ("bookings", "served")]
        out["gap1_s"], out["gap1_upper"] = (later[0] if later else out["total_s"]), True
    out["events"] = [(round(t, 3), p.stage, p.objective, p.bound) for t, p in events]
    out["status"] = plan.status
    out["served"] = plan.kpis["weighted_served"]
    out["bound"] = plan.solver.bound
    out["gap"] = plan.solver.gap
    out["fluid_share"] = plan.kpis["fluid_share"]
    out["equipment_share"] = plan.kpis["equipment_share"]
    out["equipment_bound"] = plan.kpis["equipment_bound"]
    out["fluid_bound"] = plan.kpis["fluid_bound"]
    out["fluid_tool"] = fluid_tool.bound(data, case["date"])
    out["fluid_tool_share"] = out["served"] / out["fluid_tool"] if out["fluid_tool"] else None
    out["fluid_floors_share"] = plan.kpis["fluid_share_floors"]
    out["violations"] = len(checker.check(data, plan.to_json_dict()))
    out["rebook"] = len(plan.rebook)
    out["staff_present"] = plan.kpis["staff_present"]
    out["slots"] = len(plan.slots)
    t = out["template_served"]
    out["gain_pct"] = 100.0 * (out["served"] - t) / t if t else None
    out.update(workability(plan))
    if case.get("free"):  # the price of workability: the same day without the sitting rules
        free = plan_day(scenario, date, dataclasses.replace(options, sitting_rules=False))
        out["free_served"] = free.kpis["weighted_served"]
        out["free_fluid_share"] = free.kpis["weighted_served"] / out["fluid_tool"] if out["fluid_tool"] else None
        out["free_rule11_violations"] = sum(1 for v in checker.check(data, free.to_json_dict()) if v.startswith("R11"))
        out.update({f"free_{k}": v for k, v in workability(free).items()})
    return out


def child_main(case_json: str) -> None:
    case = json.loads(case_json)
    try:
        result = run_case(case)
    except Exception as err:
        result = {"error": f"{type(err).__name__}: {err}"}
    print("RESULT " + json.dumps(result))


def run_in_child(case: dict) -> dict:
    timeout = case["limit"] * 4 + 300
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--case", json.dumps(case)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s"}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    return {"error": f"child exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"}


# ---------------------------------------------------------------- scenarios


def make_scenarios(folder: Path, sizes: tuple[int, ...]) -> dict[tuple[int, float], Path]:
    make = _tool("make_scenario")
    paths = {}
    for size in sizes:
        for booked in BOOKINGS:
            data = make.build(size, 4, DAYS["Mon"], SEED, booked, sittings=True)  # Monday to Thursday
            path = folder / f"staff{size}_book{booked:g}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            paths[(size, booked)] = path
    return paths


def jobs_offices(folder: Path) -> Path:
    make = _tool("make_scenario")
    offices = folder / "offices"
    offices.mkdir(parents=True, exist_ok=True)
    for i in range(JOBS_OFFICES):
        data = make.build(JOBS_STAFF, JOBS_DAYS, DAYS["Mon"], 100 + i, 0.0)
        data["office"]["id"] = f"bench-office-{i + 1}"
        (offices / f"office{i + 1}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return offices


def measure_jobs(folder: Path, limit: float) -> dict:
    """Wall time of the same 20 office-days with --jobs 1 and --jobs 2 (process pool, 1 worker each)."""
    from optimizer.batch import BatchOptions, run_batch
    from optimizer.day.solution import SolveOptions

    offices = jobs_offices(folder)
    first = dt.date.fromisoformat(DAYS["Mon"])
    last = first + dt.timedelta(days=JOBS_DAYS - 1)
    out = {"office_days": 0, "limit": limit}
    for jobs in (1, 2):
        solve = SolveOptions(time_limit_s=limit, workers=1, seed=0, gap_limit=GAP)
        options = BatchOptions(out=folder / f"jobs{jobs}", solve=solve, jobs=jobs)
        report = run_batch(offices, options, first, last)
        out[f"jobs{jobs}_s"] = report.seconds
        out[f"jobs{jobs}_ok"] = report.counts()["ok"]
        out["office_days"] = len(report.results)
        out[f"jobs{jobs}_job_s"] = sum(r.seconds for r in report.results)
    out["ratio"] = out["jobs2_s"] / out["jobs1_s"]
    return out


# ---------------------------------------------------------------- report


def _fmt(value, spec: str = "{:.1f}", none: str = "–") -> str:
    return none if value is None else spec.format(value)


def _target(size: int, r: dict) -> str:
    """The issue's target for the size: a valid plan within the limit (+2 s), and the gap for 30-200 staff."""
    if "error" in r:
        return "no"
    valid = r["violations"] == 0 and r["status"] in ("OPTIMAL", "FEASIBLE")
    in_time = r["total_s"] <= LIMITS.get(size, r["case"]["limit"]) + TIME_SLACK_S
    close = r["gap"] <= TARGET_GAP[size] + 1e-9 if size in TARGET_GAP else True
    return "yes" if valid and in_time and close else "no"


def _free(r: dict) -> str:
    if "free_served" not in r:
        return "–"
    return (
        f"{r['free_served']:g}, {_fmt(r['free_fluid_share'], '{:.1%}')}, {r['free_counters_mean']:.2f}, "
        f"{r['free_counters_max']}, {r['free_rule11_violations']}"
    )


def _price(r: dict) -> str:
    """Weighted served given up for workable days, in % of the plan without the sitting rules."""
    if not r.get("free_served"):
        return "–"
    return f"{100 * (r['free_served'] - r['served']) / r['free_served']:.1f} %"


def markdown(rows: list[dict], jobs: dict | None, meta: dict) -> str:
    lines = [
        f"# Performance suite{' (quick)' if meta['quick'] else ''}",
        "",
        f"Run {meta['started']} with `{meta['command']}` on {meta['machine']}. Wall time {meta['wall_s']:.0f} s.",
        "",
        "CP-SAT with `--workers 2`, seed 0, primary level stopped at 0.5 % proven gap; time limit per "
        "size as in issue 8. Scenarios: `make_scenario.py --staff N --days 4 --seed 1 --bookings B`. "
        "Columns: docs/performance.md.",
        "",
    ]
    head = (
        "| staff | day | book | limit s | status | first feasible s | 1 % gap s | total s | final gap | "
        "fluid share | share of the bound with floors | peak MB | violations | template served | optimizer served | "
        "gain % | counters / sittings per person (mean, max) | without rules: served, fluid share, "
        "counters (mean, max), R11 violations | price of workability | target |"
    )
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        c = r["case"]
        if "error" in r:
            lines.append(
                f"| {c['size']} | {c['day']} | {c['booked']:g} | {c['limit']:g} | ERROR: {r['error']} |" + " |" * 13
            )
            continue
        gap1 = _fmt(r["gap1_s"])
        if r.get("gap1_upper") and r["gap1_s"] is not None:
            gap1 = "≤ " + gap1
        lines.append(
            f"| {c['size']} | {c['day']} | {c['booked']:g} | {c['limit']:g} | {r['status']} | "
            f"{_fmt(r['first_feasible_s'])} | {gap1} | {r['total_s']:.1f} | {r['gap']:.2%} | "
            f"{_fmt(r.get('fluid_tool_share'), '{:.1%}')} | {_fmt(r.get('fluid_floors_share'), '{:.1%}')} | "
            f"{r['peak_mb']:.0f} | "
            f"{r['violations']} / {r['template_violations']} | {r['template_served']:g} | {r['served']:g} | "
            f"{_fmt(r['gain_pct'], '{:+.1f}')} | {r['counters_mean']:.2f}, {r['counters_max']} / "
            f"{r['sittings_mean']:.2f}, {r['sittings_max']} | {_free(r)} | {_price(r)} | {_target(c['size'], r)} |"
        )
    if jobs:
        lines += [
            "",
            f"## Many offices: {jobs['office_days']} office-days ({JOBS_OFFICES} offices x "
            f"{JOBS_DAYS} days, {JOBS_STAFF} staff, time limit {jobs['limit']:g} s, 1 CP-SAT worker "
            "per job, process pool)",
            "",
            "| --jobs | wall s | office-days ok | sum of job times s |",
            "|---|---|---|---|",
            f"| 1 | {jobs['jobs1_s']:.1f} | {jobs['jobs1_ok']} | {jobs['jobs1_job_s']:.1f} |",
            f"| 2 | {jobs['jobs2_s']:.1f} | {jobs['jobs2_ok']} | {jobs['jobs2_job_s']:.1f} |",
            "",
            f"Ratio wall(--jobs 2) / wall(--jobs 1) = **{jobs['ratio']:.2f}**.",
        ]
    lines += [
        "",
        "The CPU is shared with other work while this runs unless noted otherwise: times are upper "
        "bounds of what a quiet machine gives.",
        "",
    ]
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    good = [r for r in rows if "error" not in r]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {
        ("Mon", 0.0): ("o", "tab:blue"),
        ("Mon", 0.3): ("s", "tab:cyan"),
        ("Thu", 0.0): ("^", "tab:red"),
        ("Thu", 0.3): ("v", "tab:orange"),
    }
    for (day, booked), (marker, color) in styles.items():
        pick = sorted(
            (r for r in good if r["case"]["day"] == day and r["case"]["booked"] == booked),
            key=lambda r: r["case"]["size"],
        )
        if not pick:
            continue
        sizes = [r["case"]["size"] for r in pick]
        label = f"{day}, bookings {booked:g}"
        left.plot(sizes, [r["total_s"] for r in pick], marker=marker, color=color, label=f"{label}: total")
        left.plot(
            sizes,
            [r["first_feasible_s"] or float("nan") for r in pick],
            marker=marker,
            color=color,
            linestyle=":",
            label=f"{label}: first feasible",
        )
        right.plot(
            sizes,
            [100 * (r.get("fluid_tool_share") or 0) for r in pick],
            marker=marker,
            color=color,
            label=f"{label}: optimizer",
        )
        right.plot(
            sizes,
            [100 * r["template_served"] / r["fluid_tool"] if r.get("fluid_tool") else float("nan") for r in pick],
            marker=marker,
            color=color,
            linestyle="--",
            label=f"{label}: template",
        )
    limits = sorted({r["case"]["size"] for r in good})
    left.plot(limits, [LIMITS[s] for s in limits], color="grey", linestyle="-.", label="time limit")
    left.set(xscale="log", yscale="log", xlabel="staff", ylabel="seconds", title="Solve time")
    right.set(xscale="log", xlabel="staff", ylabel="% of fluid bound (shared tool)", title="Weighted served demand")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    for ax in (left, right):
        ax.set_xticks(limits)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    left.legend(fontsize=6)
    right.legend(fontsize=6)
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 10 and 30 only")
    ap.add_argument("--sizes", help="comma-separated staff sizes (default: all, or 10,30 with --quick)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", help="output path without suffix (default benchmarks/results/suite[.quick])")
    ap.add_argument(
        "--jobs-limit",
        type=float,
        help="time limit per office-day of the --jobs measurement (default 5 s, 2 s with --quick)",
    )
    ap.add_argument("--no-jobs", action="store_true", help="skip the --jobs 1 vs 2 measurement")
    ap.add_argument(
        "--no-free",
        action="store_true",
        help="skip planning each day without the sitting rules (the price of workability)",
    )
    ap.add_argument("--render", metavar="RESULTS.json", help="only redo the table and plot of a results file")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        child_main(args.case)
        return 0
    if args.render:
        return render(Path(args.render))
    default = QUICK_SIZES if args.quick else SIZES
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else default
    out = Path(args.out) if args.out else RESULTS / ("suite.quick" if args.quick else "suite")
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "command": "python benchmarks/suite.py " + " ".join(argv),
        "machine": machine_note(),
    }
    began = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="slotplan-suite-") as tmp:
        folder = Path(tmp)
        scenarios = make_scenarios(folder, sizes)
        for size in sizes:
            for day, date in DAYS.items():
                for booked in BOOKINGS:
                    case = {
                        "size": size,
                        "day": day,
                        "date": date,
                        "booked": booked,
                        "limit": LIMITS.get(size, 60.0),
                        "workers": args.workers,
                        "gap": GAP,
                        "free": not args.no_free,
                        "scenario": str(scenarios[(size, booked)]),
                    }
                    result = run_in_child(case)
                    result["case"] = {k: v for k, v in case.items() if k != "scenario"}
                    rows.append(result)
                    print(
                        f"{size:4d} {day} book {booked:g}: "
                        + (
                            result["error"]
                            if "error" in result
                            else f"{result['status']} gap {result['gap']:.2%} in {result['total_s']:.1f} s, "
                            f"served {result['served']:g} vs template {result['template_served']:g}, "
                            f"violations {result['violations']}"
                        ),
                        flush=True,
                    )
        jobs = None
        if not args.no_jobs:
            jobs = measure_jobs(folder, args.jobs_limit or (2.0 if args.quick else 5.0))
            print(
                f"--jobs 1: {jobs['jobs1_s']:.1f} s, --jobs 2: {jobs['jobs2_s']:.1f} s, ratio {jobs['ratio']:.2f}",
                flush=True,
            )
    meta["wall_s"] = time.monotonic() - began
    raw = Path(f"{out}.json")
    raw.write_text(json.dumps({"meta": meta, "cases": rows, "jobs": jobs}, indent=1), encoding="utf-8")
    return render(raw)


def render(raw: Path) -> int:
    """Write the markdown table and the plot of a results file (`--render` redoes them from the JSON)."""
    data = json.loads(raw.read_text(encoding="utf-8"))
    rows, jobs, meta = data["cases"], data["jobs"], data["meta"]
    stem = str(raw)[: -len(".json")]
    text = markdown(rows, jobs, meta)
    md, png = Path(f"{stem}.md"), Path(f"{stem}.png")
    md.write_text(text, encoding="utf-8")
    plot(rows, png)
    print(text)
    print(f"written {md}, {raw}, {png}")
    bad = [r for r in rows if "error" in r or r["violations"] or r["template_violations"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
