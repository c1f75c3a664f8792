"""Plan the bundled sample week day by day and report what issue 2 asks: status, proven gap, time,
share of the fluid bound (also with the floors, and of the equipment-aware bound), counters and
sittings per person, and the independent checker's verdict.

Usage: python benchmarks/sample_week.py [--time-limit 60] [--workers 2] [--out benchmarks/results/sample_week.md]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine_note

from optimizer.plan import Plan
from optimizer.sittings_view import workability

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
CHECKER = ROOT.parent / "shared" / "tools" / "check_plan.py"


def _per_person(plan: dict) -> str:
    """Counters and sittings per serving person (rule 11's reading), mean and max."""
    w = workability(Plan.model_validate(plan))
    if not w["counters_max"]:  # nobody serves
        return "–"
    return f"{w['counters_mean']:.2f}, {w['counters_max']:g} / {w['sittings_mean']:.2f}, {w['sittings_max']:g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sample_week.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for date in ("2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26"):
            began = time.monotonic()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "optimizer",
                    "plan",
                    str(SAMPLE),
                    "--date",
                    date,
                    "--out",
                    tmp,
                    "--time-limit",
                    str(args.time_limit),
                    "--workers",
                    str(args.workers),
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            wall = time.monotonic() - began
            path = Path(tmp) / f"abh-servicepoint_{date}.json"
            plan = json.loads(path.read_text(encoding="utf-8"))
            checked = subprocess.run(
                [sys.executable, str(CHECKER), str(SAMPLE), str(path)], capture_output=True, text=True
            )
            k, s = plan["kpis"], plan["solver"]
            rows.append(
                f"| {date} | {plan['status']} | {s['objective']:g} | {s['bound']:g} | {s['gap']:.2%} | "
                f"{s['seconds']:.1f} | {wall:.1f} | {k['fluid_bound']:g} | {k['fluid_share']:.1%} | "
                f"{k['fluid_bound_floors']:g} | {k['fluid_share_floors']:.1%} | {_per_person(plan)} | "
                f"{k['equipment_share']:.1%} | {k['bookings_held']} | {len(plan['rebook'])} | "
                f"{checked.stdout.strip().splitlines()[-1].split(', ')[-1]} |"
            )
    header = (
        "| date | status | weighted served | bound | gap | solve s | wall s | fluid bound | fluid share | "
        "bound with floors | share of it | counters / sittings per person (mean, max) | "
        "equipment share | bookings held | rebook | check_plan |\n" + "|---" * 16 + "|"
    )
    text = (
        f"# Sample week (`data/sample.json`), `--time-limit {args.time_limit:g} --workers {args.workers}`\n\n"
        f"{machine_note()}\n\n"
        f"{header}\n" + "\n".join(rows) + "\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
