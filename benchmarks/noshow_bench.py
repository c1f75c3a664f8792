"""No-shows on the sample week: `policy.no_show` off vs overbook, measured by simulation.

Usage: python benchmarks/noshow_bench.py [--seed 1] [--time-limit 30] [--sims 2000] [--risks 0.5,0.65,0.8]

1. A history from ../shared/tools/make_history.py (seed `--seed`, 2021-01-04 to 2024-03-29) gives
   the no-show rates per type and weekday (optimizer.history.noshow), compared with the history.
2. The sample week (data/sample.json, 22–26 April 2024) is planned day by day, then the overbook
   stage (optimizer.overbook) sells extra slots under each risk cap.
3. Each counter's day is simulated `--sims` times: every calendar slot (and every extra) is booked
   (the office is oversubscribed), a calendar booking comes with 1 − its rate, a same-day one always
   comes; at each regular slot the counter serves a citizen who has come and waits. Overflow: more
   citizens come in a counter-hour than it has regular slots (the event `policy.overflow_risk` caps).
Writes benchmarks/results/noshow.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from machine import machine_note

from optimizer.clock import WEEKDAYS
from optimizer.day.solution import SolveOptions
from optimizer.history.noshow import estimate_no_shows
from optimizer.history.reader import parse_history_csv
from optimizer.overbook import no_show_rate, overbook, overflow_probability
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
MAKE_HISTORY = ROOT.parent / "shared" / "tools" / "make_history.py"


def simulate_day(scenario: Scenario, plan: Plan, sims: int, rng: np.random.Generator) -> dict[str, float]:
    """Expected values for one day's plan: citizens who came, who were served in a regular slot, idle
    counter minutes, overflow (citizens beyond their counter-hour's slots), citizens still waiting at
    the end of an hour (summed over hours), and the highest simulated overflow chance of a counter-hour."""
    wd = plan.date.weekday()
    by_counter: dict[str, list] = defaultdict(list)
    for s in plan.slots:
        by_counter[s.counter].append(s)
    out = defaultdict(float)
    worst = 0.0
    for slots in by_counter.values():
        queue = np.zeros(sims, dtype=np.int64)
        hours: dict[int, list] = defaultdict(list)
        for s in slots:
            hours[s.start // 60].append(s)
        for hour in sorted(hours):
            arrived = np.zeros(sims, dtype=np.int64)
            for start in sorted({s.start for s in hours[hour]}):
                at = [s for s in hours[hour] if s.start == start]
                for s in at:
                    p = 1 - no_show_rate(scenario, s.service, wd) if s.channel == "calendar" else 1.0
                    arrivals = rng.random(sims) < p
                    arrived += arrivals
                    queue += arrivals
                for s in (s for s in at if s.overbook_of is None):
                    busy = queue > 0
                    out["served"] += busy.sum() / sims
                    out["idle"] += (s.end - s.start) * (~busy).sum() / sims
                    queue -= busy
            capacity = sum(1 for s in hours[hour] if s.overbook_of is None)
            out["came"] += arrived.sum() / sims
            out["overflow"] += np.maximum(arrived - capacity, 0).sum() / sims
            out["waiting"] += queue.sum() / sims
            worst = max(worst, float((arrived > capacity).mean()))
    out["worst"] = worst
    return dict(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--sims", type=int, default=2000)
    ap.add_argument("--risks", default="0.5,0.65,0.8")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "noshow.md")
    args = ap.parse_args()
    began = time.monotonic()
    text = subprocess.run(
        [sys.executable, str(MAKE_HISTORY), "--seed", str(args.seed)], capture_output=True, text=True, check=True
    ).stdout
    history = parse_history_csv(text, "history")
    estimates = estimate_no_shows(history)
    rates = []
    for e in estimates:
        if e.by_weekday:
            rates += [{"service": e.service, "weekday": WEEKDAYS[w], "rate": round(r, 4)} for w, r in e.rates.items()]
        else:
            rates.append({"service": e.service, "rate": round(e.history_rate, 4)})
    base = load_scenario(ROOT / "data" / "sample.json")
    data = base.to_json_dict()
    data["no_show_rates"] = rates
    plans = [plan_day(base, day, SolveOptions(time_limit_s=args.time_limit, workers=2, seed=0)) for day in base.dates()]
    planned = time.monotonic() - began
    rng = np.random.default_rng(args.seed)
    results = []
    for label, policy, risk in [("off", "off", 0.5)] + [
        (f"overbook, cap {r}", "overbook", float(r)) for r in args.risks.split(",")
    ]:
        data["policy"] = dict(data["policy"], no_show=policy, overflow_risk=risk)
        scenario = Scenario.model_validate(data)
        total = defaultdict(float)
        extras = 0
        predicted_worst = 0.0
        for plan in plans:
            sold = overbook(scenario, plan)
            extras += sum(1 for s in sold.slots if s.overbook_of)
            predicted_worst = max(predicted_worst, _worst_predicted(scenario, sold))
            for k, v in simulate_day(scenario, sold, args.sims, rng).items():
                total[k] = max(total[k], v) if k == "worst" else total[k] + v
        results.append((label, risk if policy == "overbook" else None, extras, total, predicted_worst))
    wall = time.monotonic() - began
    off = results[0][3]
    lines = [
        "# No-shows: off vs overbook on the sample week",
        "",
        f"`python benchmarks/noshow_bench.py --seed {args.seed} --time-limit {args.time_limit:g} --sims {args.sims} "
        f"--risks {args.risks}`: {wall:.0f} s in all, of which {planned:.0f} s planning the 5 days "
        f"(at the end: {machine_note()}).",
        "",
        "## No-show rates estimated from the history (last 365 days)",
        "",
        "| type | history's rate | estimate | Mon | Tue | Wed | Thu | Fri | weekdays differ (LR test) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in estimates:
        days = " | ".join(f"{100 * e.rates[w]:.1f} %" for w in range(5))
        lines.append(
            f"| {e.service} | {100 * e.history_rate:.1f} % | {100 * e.estimated_rate:.1f} % | {days} | "
            f"{'yes' if e.by_weekday else 'no'} (p = {e.p_value:.2g}) |"
        )
    lines += [
        "",
        "## Per week (5 office days, 30 staff, 15 counters)",
        "",
        "Came: booked citizens who came. Served: of them, served in a regular slot of the day (the rest wait "
        "at closing time). Idle: counter minutes of regular slots with nobody to serve. Overflow: citizens "
        "beyond the slots of their counter-hour (the risk cap's event, counted). Waiting at hour end: "
        "citizens still waiting when an hour ends, summed over hours (one waiting two hours counts twice). "
        "Worst counter-hour: over all counter-hours, the highest simulated chance that more citizens come "
        "than it has slots / the binomial chance the stage kept under the cap.",
        "",
        "| policy | extra slots | came | served | vs off | idle counter min | overflow | waiting at hour end "
        "| waiting at close | worst counter-hour (simulated / binomial) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, _risk, extras, t, predicted in results:
        lines.append(
            f"| {label} | {extras} | {t['came']:.1f} | {t['served']:.1f} | "
            f"{t['served'] - off['served']:+.1f} ({100 * (t['served'] / off['served'] - 1):+.1f} %) | "
            f"{t['idle']:.0f} | {t['overflow']:.1f} | {t['waiting']:.1f} | {max(t['came'] - t['served'], 0.0):.1f} | "
            f"{t['worst']:.2f} / {predicted:.2f} |"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _worst_predicted(scenario: Scenario, plan: Plan) -> float:
    """The largest binomial overflow chance over the counter-hours that hold an extra slot."""
    wd = plan.date.weekday()
    hours: dict[tuple[str, int], list] = defaultdict(list)
    for s in plan.slots:
        hours[(s.counter, s.start // 60)].append(s)
    worst = 0.0
    for slots in hours.values():
        regular = [s for s in slots if s.overbook_of is None]
        if len(regular) == len(slots):
            continue
        come = [1 - no_show_rate(scenario, s.service, wd) if s.channel == "calendar" else 1.0 for s in slots]
        worst = max(worst, overflow_probability(come, len(regular)))
    return worst


if __name__ == "__main__":
    main()
