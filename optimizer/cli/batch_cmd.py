"""`slotplan batch`: plan many office-days in parallel (a folder of offices, a date range, or both)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..atomic import write_atomic
from ..batch import EXECUTORS, SUMMARY_FILE, BatchOptions, BatchReport, JobResult, default_workers, run_batch
from ..day.solve import SolveOptions
from ..errors import InputError
from ..strategies import CP_SAT, STRATEGIES
from .app import app, console, err_console, user_errors
from .plan_cmd import parse_date

OUTCOME_STYLE = {"ok": "green", "input": "red", "infeasible": "yellow", "crash": "bold red"}


def batch_table(report: BatchReport) -> Table:
    """One row per office-day: outcome, status, weighted served, gap and seconds (reasons come below)."""
    counts = report.counts()
    title = (f"{len(report.results)} office-days in {report.seconds:.1f} s with {report.jobs} job(s) "
             f"({report.executor}): " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
    table = Table(title=title, title_justify="left")
    for column in ("office", "date", "outcome", "status", "served", "gap", "s"):
        table.add_column(column, justify="right" if column in ("served", "gap", "s") else "left",
                         no_wrap=column != "office")
    for r in report.results:
        table.add_row(r.office or Path(r.source).name, r.date.isoformat() if r.date else "–",
                      f"[{OUTCOME_STYLE[r.outcome]}]{r.outcome}[/]", r.status or "",
                      "" if r.weighted_served is None else f"{r.weighted_served:g}",
                      "" if r.gap is None else f"{r.gap:.2%}", f"{r.seconds:.1f}")
    return table


def failure_lines(report: BatchReport) -> list[str]:
    """One line per failed office-day: outcome, office or file, date and the reason."""
    return [f"[{OUTCOME_STYLE[r.outcome]}]{r.outcome}[/] {r.office or r.source} "
            f"{r.date.isoformat() if r.date else ''}: {r.message}" for r in report.results if not r.ok]


@app.command("batch")
def batch_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A scenario file, or a folder with one "
                                         "scenario (.json or .xlsx) per office.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan files.")] = Path("out"),
    date: Annotated[str | None, typer.Option("--date", help="First date (YYYY-MM-DD); default: every date of "
                                             "each scenario.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last date of a range.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Office-days planned at the same time.")] = 1,
    executor: Annotated[str, typer.Option("--executor", help="process (a pool on this machine) "
                                          "or ray.")] = "process",
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="Ray cluster to join, e.g. "
                                                    "ray://head:10001 or auto; default: a local "
                                                    "Ray.")] = None,
    strategy: Annotated[str, typer.Option("--strategy", help="cp-sat (the optimizer) or template (today's "
                                          "hand-style plan).")] = CP_SAT,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per office-day.")] = 60.0,
    workers: Annotated[int | None, typer.Option("--workers", help="CP-SAT threads per office-day; default 2 "
                                                "for --jobs 1, else 1.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    gap: Annotated[float, typer.Option("--gap", help="Stop once the proven relative gap is at most "
                                       "this.")] = 0.005,
    deterministic: Annotated[bool, typer.Option("--deterministic", help="Repeatable runs for a given seed "
                                                "and worker count (deterministic time; slower).")] = False,
) -> None:
    """Plan many office-days in parallel; one failing office never stops the others.

    Exit code: 0 when every office-day was planned, else that of the worst failure: 2 bad input,
    3 infeasible, 1 crash (worst).
    """
    with user_errors():
        if time_limit <= 0 or (workers is not None and workers < 1) or not 0 <= gap < 1 or jobs < 1:
            raise InputError("--time-limit must be > 0, --workers >= 1, --jobs >= 1, --gap in [0, 1)")
        if executor not in EXECUTORS:
            raise InputError(f"--executor: {executor!r} is not one of {', '.join(EXECUTORS)}")
        if strategy not in STRATEGIES:
            raise InputError(f"--strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
        if to is not None and date is None:
            raise InputError("--to: needs --date")
        first = parse_date(date, "--date") if date else None
        last = parse_date(to, "--to") if to else None
        solve = SolveOptions(time_limit_s=time_limit, workers=workers or default_workers(jobs), seed=seed,
                             gap_limit=gap, deterministic=deterministic)
        options = BatchOptions(out=out, strategy=strategy, solve=solve, jobs=jobs, executor=executor,  # type: ignore[arg-type]
                               ray_address=ray_address)
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True) as progress:
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
        summary = write_atomic(out / SUMMARY_FILE, text)
        written = sum(1 for r in report.results if r.path)
        console.print(f"written {written} plan(s) to {out}, summary {summary}", highlight=False)
    raise typer.Exit(report.exit_code)
