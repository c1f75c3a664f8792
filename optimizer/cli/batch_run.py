"""Running the batch engine from the command line: progress bar, result table, failures, summary file.

Used by `slotplan plan` when it plans in parallel (a folder of offices, `--jobs` > 1 or
`--executor ray`) and by its alias `slotplan batch`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..atomic import write_atomic
from ..batch import SUMMARY_FILE, BatchOptions, BatchReport, JobResult, run_batch
from .app import console, err_console

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


def run_batch_cli(path: Path, options: BatchOptions, first: dt.date | None, last: dt.date | None) -> BatchReport:
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
