"""What ZMS's own code offers of a plan week's slots: per day records, slots, slots ZMS offers online at
their time, appointments offered before `release_at` and beyond the plan's slots.

    python benchmarks/zms_bookable.py PLAN_DIR [--export ZMS.json] [--scenario data/sample.json]

PLAN_DIR holds the plans of one office (`slotplan plan … --out PLAN_DIR`). Without `--export` the plans
are exported with the current code (and checked against its release report); with it, that file is
checked instead (e.g. an export made by an older version). Needs PHP, faketime and ZMS's zmsentities
(tests/zms/fetch_source.sh); see tests/zms_support.py. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from machine import machine_note  # noqa: E402  (benchmarks/machine.py, beside this script)
from zms_support import adapted_copy, evaluate, missing_tools, zms_source  # noqa: E402

from optimizer.export.formats import export_bytes  # noqa: E402
from optimizer.plan import read_plan  # noqa: E402
from optimizer.scenario import load_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plans", type=Path)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data" / "sample.json")
    args = parser.parse_args()
    if missing_tools():
        sys.exit(missing_tools())
    scenario = load_scenario(args.scenario)
    plans = [read_plan(p) for p in sorted(args.plans.glob("*.json"))]
    if args.export is None:
        records = json.loads(export_bytes(plans, "zms", scenario=scenario))
        report_csv = export_bytes(plans, "zms-release", scenario=scenario).decode("utf-8-sig")
        report = list(csv.DictReader(io.StringIO(report_csv), delimiter=";"))
    else:
        records, report = json.loads(args.export.read_text(encoding="utf-8")), None
    durations = {t.id: t.duration_min for t in scenario.service_types}
    with tempfile.TemporaryDirectory() as tmp:
        src = adapted_copy(zms_source(), Path(tmp) / "src")
        days, errors = evaluate(plans, records, durations, Path(tmp) / "work", src, report, scenario.office.timezone)
    print(machine_note(), end="\n\n")
    print("| day | records | slots | online at their time | before release_at | beyond the plan |")
    print("|---|---|---|---|---|---|")
    for d in days:
        print(f"| {d.date} | {d.records} | {d.slots} | {d.booked} | {d.early} | {d.extra} |")
    print(
        f"\nvalidator errors: {len(errors['posts'])}, overlaps: {len(errors['conflicts'])}"
        + (f", report mismatches: {sum(d.report_mismatch for d in days)}" if report is not None else "")
    )


if __name__ == "__main__":
    main()
