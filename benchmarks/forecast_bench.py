"""Backtest the forecast on make_history.py histories: seeds × hold-out windows (issue 18's done-when).

Usage: python benchmarks/forecast_bench.py [--seeds 1-10] [--ends 2024-03-28,2024-04-26,2024-05-24,2024-06-28]
Each history runs from 2021-01-04 to an end date; the last 8 weeks are held out (the windows cover
February–March, March–April (the spring rise), April–May and May–June (the peak)). Writes
benchmarks/results/forecast.md: per run and type the WAPE ratio to the seasonal-naive baseline and the
80 % band coverage, and how often the done-when holds (ratio ≤ 0.9 for uebertrag and eat_ausgabe,
coverage 70–90 % over all held-out days).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import machine_note

from optimizer.history.backtest import backtest
from optimizer.history.calendar import default_calendar
from optimizer.history.reader import parse_history_csv

ROOT = Path(__file__).resolve().parents[1]
MAKE_HISTORY = ROOT.parent / "shared" / "tools" / "make_history.py"
KEY_TYPES = ("uebertrag", "eat_ausgabe")
START = dt.date(2021, 1, 4)


def generator():
    """../shared/tools/make_history.py as a module (for the true mean behind its counts)."""
    spec = importlib.util.spec_from_file_location("make_history", MAKE_HISTORY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def oracle_wape(gen, history, service: str, first: dt.date) -> float:
    """WAPE of the generator's true daily mean on the held-out days: the noise floor no model beats."""
    base = next(row[-1] for row in gen.SERVICES if row[0] == service)
    held = [r for r in history.of(service) if r.date >= first]
    error = 0.0
    for r in held:
        level = gen.WEEKDAY[r.date.weekday()] * gen.season(r.date) * 1.15 ** ((r.date - START).days / 365.25)
        error += abs(r.requests - base * 0.55 * level)
    return error / max(1, sum(r.requests for r in held))


def seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--ends", default="2024-03-28,2024-04-26,2024-05-24,2024-06-28")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "forecast.md")
    args = ap.parse_args()
    gen = generator()
    rows, ratios, passed, began = [], {t: [] for t in KEY_TYPES}, 0, time.monotonic()
    oracle_fails = 0
    runs = [(s, e) for e in args.ends.split(",") for s in seeds(args.seeds)]
    for seed, end in runs:
        text = subprocess.run(
            [sys.executable, str(MAKE_HISTORY), "--seed", str(seed), "--end", end],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        history = parse_history_csv(text, f"seed{seed}")
        result = backtest(history, default_calendar({r.date.weekday() for r in history.rows}, "DE-BW"))
        score = {s.service: s for s in result.scores}
        ok = all(score[t].ratio <= 0.9 for t in KEY_TYPES) and 0.7 <= result.coverage <= 0.9
        passed += ok
        for t in KEY_TYPES:
            ratios[t].append(score[t].ratio)
        cells = " | ".join(f"{s.ratio:.2f} / {100 * s.coverage:.0f} %" for s in result.scores)
        oracle = [oracle_wape(gen, history, t, result.test_first) / score[t].naive_wape for t in KEY_TYPES]
        oracle_fails += any(o > 0.9 for o in oracle)
        rows.append(
            f"| {seed} | {result.test_first} – {result.test_last} | {cells} | {100 * result.coverage:.0f} % | "
            f"{'yes' if ok else 'no'} | {' / '.join(f'{o:.2f}' for o in oracle)} |"
        )
        print(rows[-1], flush=True)
    wall = time.monotonic() - began
    types = [s.service for s in result.scores]
    lines = [
        "# Forecast backtest on make_history.py histories",
        "",
        f"`python benchmarks/forecast_bench.py --seeds {args.seeds} --ends {args.ends}`: {len(runs)} runs in "
        f"{wall:.0f} s (at the end: {machine_note()}).",
        "",
        "Per type: WAPE of the forecast's mean / WAPE of the seasonal-naive baseline (same weekday 52 weeks "
        "earlier × the year's growth), then the share of held-out days inside the 80 % band.",
        "",
        "The last column is the ratio the generator's true mean would reach (its WAPE on the same days over "
        f"the baseline's), for {' / '.join(KEY_TYPES)}: what a perfect model would score (the noise floor).",
        "",
        "| seed | held out | " + " | ".join(types) + " | band, all types | done-when | true mean's ratio |",
        "|---|---|" + "---|" * len(types) + "---|---|---|",
        *rows,
        "",
        f"Done-when (ratio ≤ 0.9 for {' and '.join(KEY_TYPES)}, coverage 70–90 %) holds in {passed} of "
        f"{len(runs)} runs. Even the true mean has a ratio above 0.9 for one of them in {oracle_fails} runs.",
        "",
    ]
    for t in KEY_TYPES:
        lines.append(
            f"- {t}: ratio median {statistics.median(ratios[t]):.2f}, worst {max(ratios[t]):.2f}, "
            f"runs above 0.9: {sum(r > 0.9 for r in ratios[t])}"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[-3 - len(KEY_TYPES) :]))


if __name__ == "__main__":
    main()
