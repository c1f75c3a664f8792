"""Planning across the weeks (issue 13): worst type's share within target, with and without the horizon.

Usage: python benchmarks/horizon_bench.py [--seed 1] [--staff 30] [--days 30] [--time-limit 5]
Generates `make_scenario.py --staff 30 --days 30 --start 2024-03-04 --requests --surge-days 11-20`,
plans every office day twice at --time-limit s per day: with the horizon (contingents re-planned
before each day, `optimizer.horizon.rolling`) and day by day with today's objective (the baseline).
Every plan goes through check_plan; wait_eval.py measures the waiting; horizon_bound.py gives the
bound. Writes benchmarks/results/horizon.{md,json,png}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from machine import machine_note

from optimizer.day.solution import SolveOptions
from optimizer.horizon.rolling import plan_across_days, plan_or_replan
from optimizer.scenario import parse_scenario
from optimizer.strategies import plan_with_strategy

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT.parent / "shared" / "tools"
RESULTS = ROOT / "benchmarks" / "results"


def _tool(name: str):
    sys.path.insert(0, str(TOOLS))
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _type_table(per_type: dict, names: dict[str, str]) -> list[str]:
    rows = [
        "| type | target d | served | mean wait d | p90 wait d | within | missed | share within target | "
        "waiting at end |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k, v in per_type.items():
        rows.append(
            f"| {names[k]} | {v['target_wait_days']} | {v['served']} | {v['mean_wait_days']} | "
            f"{v['p90_wait_days']} | {v['within_target']} | {v['missed_target']} | "
            f"{_share(v['share_within_target'])} | {v['still_waiting']} |"
        )
    return rows


def _queues(scn: dict, plans: list[dict], wait_eval) -> dict[str, list[int]]:
    """Requests waiting at the end of each planned day, per type (wait_eval on growing prefixes)."""
    out: dict[str, list[int]] = {t["id"]: [] for t in scn["service_types"]}
    ordered = sorted(plans, key=lambda p: p["date"])
    for i in range(1, len(ordered) + 1):
        per_type, _ = wait_eval.evaluate(scn, ordered[:i])
        for k, v in per_type.items():
            out[k].append(
                v["still_waiting"]
                - sum(
                    r["count"]
                    for r in scn.get("requests", [])
                    if r["service"] == k and r["date"] > ordered[i - 1]["date"]
                )
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--staff", type=int, default=30)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--out", default="horizon", help="results file stem in benchmarks/results")
    args = ap.parse_args()
    check_plan, wait_eval, horizon_bound = _tool("check_plan"), _tool("wait_eval"), _tool("horizon_bound")
    command = [
        sys.executable,
        str(TOOLS / "make_scenario.py"),
        "--staff",
        str(args.staff),
        "--days",
        str(args.days),
        "--start",
        "2024-03-04",
        "--requests",
        "--surge-days",
        "11-20",
        "--seed",
        str(args.seed),
    ]
    scn = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    scenario = parse_scenario(scn)
    days = sorted({dt.date.fromisoformat(a["date"]) for a in scn["availability"]})
    options = SolveOptions(time_limit_s=args.time_limit, workers=2)
    names = {t["id"]: t["name"] for t in scn["service_types"]}

    began = time.monotonic()
    bound, counted = horizon_bound.free_order_bound(scn, days[0].isoformat(), days[-1].isoformat())
    bound_s = time.monotonic() - began

    day_seconds: list[float] = []

    def plan_one(day_scn, day, previous):
        t0 = time.monotonic()
        plan = plan_or_replan(day_scn, day, previous, options)
        day_seconds.append(time.monotonic() - t0)
        return plan

    began = time.monotonic()
    run = plan_across_days(scenario, days, plan_one)
    horizon_wall = time.monotonic() - began
    with_h = [p.to_json_dict() for p in run.plans]
    contingent_hit = []
    for p in run.plans:
        want = p.kpis["contingents"]  # all slots of the type, booked ones included
        total = sum(want.values())
        contingent_hit.append(sum(min(p.kpis["slots"].get(k, 0), n) for k, n in want.items()) / total if total else 1.0)

    began = time.monotonic()
    baseline = [plan_with_strategy(scenario, d, options=options).to_json_dict() for d in days]
    baseline_wall = time.monotonic() - began

    results = {}
    for label, plans, wall in (("horizon", with_h, horizon_wall), ("baseline", baseline, baseline_wall)):
        violations = sum(len(check_plan.check(scn, p)) for p in plans)
        per_type, summary = wait_eval.evaluate(scn, plans)
        results[label] = {
            "plans": len(plans),
            "check_plan_violations": violations,
            "wall_s": round(wall, 1),
            "worst_within_target": summary["worst_within_target"],
            "summary": summary,
            "types": per_type,
            "queues": _queues(scn, plans, wait_eval),
        }
    h = results["horizon"]
    h["horizon_stage_s"] = round(run.horizon_seconds, 2)
    h["horizon_solves"] = len(run.horizons)
    h["first_horizon_s"] = round(run.horizons[0].seconds, 2)
    h["first_horizon_levels"] = run.horizons[0].levels
    h["day_seconds_mean"] = round(sum(day_seconds) / len(day_seconds), 2)
    h["contingents_met_mean"] = round(sum(contingent_hit) / len(contingent_hit), 4)
    h["contingents_met_min"] = round(min(contingent_hit), 4)
    load = os.getloadavg()
    meta = {
        "command": " ".join(["make_scenario.py", *command[2:]]),
        "days": len(days),
        "first": days[0].isoformat(),
        "last": days[-1].isoformat(),
        "time_limit_s": args.time_limit,
        "bound": round(bound, 4),
        "bound_s": round(bound_s, 1),
        "counted": counted,
        "day_model": "contingents as floors (level before weighted served) and as demand",
        "load_avg": [round(x, 2) for x in load],
        "machine": machine_note(),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(
        json.dumps({"meta": meta, **results}, indent=1, ensure_ascii=False) + "\n"
    )
    reached = h["worst_within_target"]
    lines = [
        "# Planning across the weeks (issue 13)",
        "",
        f"`{meta['command']}`, {meta['days']} office days {meta['first']} – {meta['last']}, "
        f"`--time-limit {args.time_limit:g}` per day, 2 workers; {meta['when']}, {meta['machine']}. "
        f"Day model: {meta['day_model']}.",
        "",
        "| | worst share within target | of the bound | check_plan violations | wall s |",
        "|---|---|---|---|---|",
        f"| horizon_bound.py (free order) | {_share(bound)} | 100 % | | {bound_s:.1f} |",
        f"| with horizon | {_share(reached)} | {_share(reached / bound if bound and reached is not None else None)} "
        f"| {h['check_plan_violations']} | {h['wall_s']} |",
        f"| day by day, today's objective | {_share(results['baseline']['worst_within_target'])} | "
        f"{_share((results['baseline']['worst_within_target'] or 0) / bound if bound else None)} | "
        f"{results['baseline']['check_plan_violations']} | {results['baseline']['wall_s']} |",
        "",
        f"Horizon stage: {h['horizon_stage_s']} s over {h['horizon_solves']} LP solves (re-solved before "
        f"each day; the first, over all {meta['days']} days, {h['first_horizon_s']} s). Day plans: mean "
        f"{h['day_seconds_mean']} s. Slots reaching the day's contingents: mean "
        f"{_share(h['contingents_met_mean'])}, worst day {_share(h['contingents_met_min'])}.",
        "",
        "## With horizon",
        "",
        *_type_table(h["types"], names),
        "",
        "## Day by day, today's objective (baseline)",
        "",
        *_type_table(results["baseline"]["types"], names),
        "",
        f"![queues]({args.out}.png)",
        "",
    ]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines))
    _plot(results, days, names, RESULTS / f"{args.out}.png")
    print("\n".join(lines))


def _plot(results: dict, days: list[dt.date], names: dict[str, str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, label, title in ((axes[0], "horizon", "with horizon"), (axes[1], "baseline", "day by day (baseline)")):
        for k, series in results[label]["queues"].items():
            ax.plot(days[: len(series)], series, label=names[k])
        ax.set_title(f"Requests waiting at the end of the day, {title}")
        ax.tick_params(axis="x", rotation=45)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("requests waiting")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
