"""Time the fluid bound (computed for every plan's KPIs) and compare it with the shared tool.

Usage: python benchmarks/bounds_bench.py [--sizes 30,80,200] [--repeat 3]
For the sample week and for `make_scenario.py --sittings --bookings 0.3` scenarios of each size,
Monday and Thursday, prints one markdown row per day: our fluid bound, the shared tool's (needs
scipy), their relative difference, the shared tool's `--loose` value, our equipment bound, and the
best wall time of `fluid_bound` over the repeats. Needs ../shared next to the checkout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import time
from pathlib import Path

from machine import machine_note

from optimizer.fluid_bounds import equipment_bound, fluid_bound
from optimizer.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT.parent / "shared" / "tools"


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,80,200")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    make, shared = _tool("make_scenario"), _tool("fluid_bound")
    cases = [
        (
            "sample",
            json.loads((ROOT / "data" / "sample.json").read_text(encoding="utf-8")),
            [f"2024-04-{d}" for d in range(22, 27)],
        )
    ]
    for n in map(int, args.sizes.split(",")):
        cases.append(
            (f"{n} staff", make.build(n, 4, "2024-04-22", 1, 0.3, sittings=True), ["2024-04-22", "2024-04-25"])
        )
    print(machine_note())
    print(
        "| scenario | date | fluid_bound | shared tool | rel. diff | shared --loose | equipment_bound | fluid_bound s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, raw, dates in cases:
        scenario = parse_scenario(raw)
        for date in dates:
            day = dt.date.fromisoformat(date)
            times = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                ours = fluid_bound(scenario, day)
                times.append(time.perf_counter() - began)
            theirs, loose = shared.bound(raw, date), shared.loose_bound(raw, date)
            diff = abs(ours - theirs) / max(1.0, abs(theirs))
            print(
                f"| {name} | {date} | {ours:.6f} | {theirs:.6f} | {diff:.1e} | {loose:.2f} | "
                f"{equipment_bound(scenario, day):.2f} | {min(times):.3f} |"
            )


if __name__ == "__main__":
    main()
