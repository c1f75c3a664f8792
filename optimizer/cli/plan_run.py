"""How `slotplan plan` (and its alias `slotplan batch`) runs, once the options are checked.

- In turn: one scenario file, date by date in this process, with a live progress line and a summary
  table per day (a scenario with `requests` goes through the horizon first, `horizon_run.py`).
- In parallel: the batch engine (`optimizer.batch`) with a progress bar, a table of every office-day,
  the failures with their reasons, and `batch-summary.json`.
Either way the review workbook and the booking-system exports of the planned days follow.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..atomic import write_atomic
from ..batch import SUMMARY_FILE, BatchOptions, BatchReport, JobResult, run_batch
from ..day.solution import Progress as SolveProgress
from ..day.solution import SolveOptions
from ..errors import InfeasibleError
from ..export.formats import export_bytes, export_filename
from ..export.review import review_workbook
from ..io.readers import load_any_scenario
from ..plan import Plan, plan_filename, read_plan
from ..scenario import Scenario
from ..strategies import CP_SAT, plan_with_strategy
from .app import EXIT_INFEASIBLE, EXIT_OK, console, err_console
from .dates import dates_to_plan
from .horizon_run import plan_horizon_in_turn
from .tables import summary_table


def plan_in_turn(
    path: Path,
    *,
    options: SolveOptions,
    strategy: str,
    out: Path,
    first: dt.date | None,
    last: dt.date | None,
    excel: Path | None,
    formats: list[str],
    bookings_from: tuple[str, str] | None = None,
) -> int:
    """One scenario, date by date in this process, with a live progress line and a table per day.
    `bookings_from` (URL, token variable): the booking system whose current bookings are added."""
    scenario = load_any_scenario(path)
    days = dates_to_plan(scenario, first, last)
    if bookings_from is not None:
        from ..publish.bookings import fetch_booked, with_bookings

        booked = fetch_booked(bookings_from[0], scenario.office.id, days, bookings_from[1])
        scenario = with_bookings(scenario, booked)
        console.print(f"{len(booked)} booking(s) read from the booking system", highlight=False)
    if scenario.requests and strategy == CP_SAT:  # planning across days: docs/horizon.md
        code, planned, _waits = plan_horizon_in_turn(scenario, days, options, out)
        if planned:
            write_extras(planned, scenario, out, excel, formats)
        return code
    failures, plans = [], []
    for day in days:
        try:
            plan = plan_with_progress(scenario, day, options, strategy)
        except InfeasibleError as err:
            failures.append(err)
            for reason in err.reasons:
                err_console.print(f"[bold red]infeasible[/] {reason}", highlight=False, soft_wrap=True)
            continue
        written = write_atomic(out / plan_filename(scenario.office.id, day), plan.to_json())
        plans.append(plan)
        console.print(summary_table(plan, scenario))
        console.print(f"written {written}", highlight=False)
    if plans:
        write_extras(plans, scenario, out, excel, formats)
    return EXIT_INFEASIBLE if failures else EXIT_OK


def plan_in_parallel(
    path: Path,
    options: BatchOptions,
    first: dt.date | None,
    last: dt.date | None,
    excel: Path | None,
    formats: list[str],
) -> int:
    """The batch engine; then the review workbook and exports of each office's planned days."""
    report = run_batch_with_progress(path, options, first, last)
    if excel is not None or formats:
        planned: dict[str, list[str]] = defaultdict(list)
        for result in report.results:
            if result.path:
                planned[result.source].append(result.path)
        for source, paths in planned.items():
            plans = [read_plan(p) for p in paths]
            write_extras(plans, load_any_scenario(source), options.out, excel, formats)
    return report.exit_code


def write_extras(plans: list[Plan], scenario: Scenario, out: Path, excel: Path | None, formats: list[str]) -> None:
    """The review workbook and booking-system exports of the planned days."""
    if excel is not None:
        console.print(f"written {write_atomic(excel, review_workbook(plans, scenario))}", highlight=False)
    stamp = dt.datetime.now(dt.UTC)
    for fmt in formats:
        path = write_atomic(
            out / "exports" / export_filename(plans, fmt), export_bytes(plans, fmt, scenario=scenario, stamp=stamp)
        )
        console.print(f"written {path}", highlight=False)


def plan_with_progress(scenario: Scenario, day: dt.date, options: SolveOptions, strategy: str) -> Plan:
    with console.status(f"{day}: solving …") as status:

        def show(p: SolveProgress) -> None:
            gap = (abs(p.bound - p.objective) / abs(p.bound)) if p.bound else 0.0
            status.update(
                f"{day} [{p.stage}] {p.elapsed_s:5.1f} s  objective {p.objective:g}  bound {p.bound:g}  gap {gap:.2%}"
            )

        return plan_with_strategy(scenario, day, options, strategy, on_progress=show)


OUTCOME_STYLE = {"ok": "green", "input": "red", "infeasible": "yellow", "crash": "bold red"}


def batch_table(report: BatchReport) -> Table:
    """One row per office-day: outcome, status, weighted served, gap and seconds (reasons come below)."""
    counts = report.counts()
    title = (
        f"{len(report.results)} office-days in {report.seconds:.1f} s with {report.jobs} job(s) "
        f"({report.executor}): " + ", ".join(f"{n} {o}" for o, n in counts.items() if n)
    )
    table = Table(title=title, title_justify="left")
    for column in ("office", "date", "outcome", "status", "served", "gap", "s"):
        table.add_column(
            column, justify="right" if column in ("served", "gap", "s") else "left", no_wrap=column != "office"
        )
    for r in report.results:
        table.add_row(
            r.office or Path(r.source).name,
            r.date.isoformat() if r.date else "–",
            f"[{OUTCOME_STYLE[r.outcome]}]{r.outcome}[/]",
            r.status or "",
            "" if r.weighted_served is None else f"{r.weighted_served:g}",
            "" if r.gap is None else f"{r.gap:.2%}",
            f"{r.seconds:.1f}",
        )
    return table


def failure_lines(report: BatchReport) -> list[str]:
    """One line per failed office-day: outcome, office or file, date and the reason."""
    return [
        f"[{OUTCOME_STYLE[r.outcome]}]{r.outcome}[/] {r.office or r.source} "
        f"{r.date.isoformat() if r.date else ''}: {r.message}"
        for r in report.results
        if not r.ok
    ]


def run_batch_with_progress(
    path: Path, options: BatchOptions, first: dt.date | None, last: dt.date | None
) -> BatchReport:
    """Run the batch with a progress bar, print its table and failures, write `batch-summary.json`.

    Raises `InputError` only for problems of the whole batch; the caller exits with
    `report.exit_code` (0 ok, else the worst failure: 2 input, 3 infeasible, 1 crash).
    """
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("planning office-days", total=None)

        def started(n: int) -> None:
            progress.update(task, total=n)

        def finished(result: JobResult) -> None:
            progress.advance(task)

        report = run_batch(path, options, first, last, on_result=finished, on_start=started)
    console.print(batch_table(report))
    for line in failure_lines(report):
        err_console.print(line, highlight=False, soft_wrap=True)
    text = json.dumps(report.to_json_dict(), ensure_ascii=False, indent=1)
    summary = write_atomic(options.out / SUMMARY_FILE, text)
    written = sum(1 for r in report.results if r.path)
    console.print(f"written {written} plan(s) to {options.out}, summary {summary}", highlight=False)
    return report
