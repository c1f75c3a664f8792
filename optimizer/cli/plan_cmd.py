"""`slotplan plan` (and its alias `slotplan batch`): plan office-days and write one plan JSON per day.

One scenario file with `--jobs 1` is planned date by date in this process, with a live progress line
and a summary table per day. A folder of scenarios (one per office), `--jobs` > 1 or `--executor ray`
runs the batch engine instead (`optimizer.batch`): independent office-days in parallel, one failing
office never stopping the others. `slotplan batch` always runs the batch engine; otherwise it shares
every option and the whole code path with `plan` (`plan_command_for`). How each way runs: `plan_run.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..batch import EXECUTORS, BatchOptions, default_workers
from ..day.solution import SolveOptions
from ..errors import InputError
from ..export.formats import parse_formats
from ..strategies import CP_SAT, STRATEGIES
from .app import Deterministic, app, user_errors
from .dates import parse_range
from .plan_run import plan_in_parallel, plan_in_turn

EXIT_HELP = (
    "Exit code: 0 when every office-day was planned, else that of the worst failure: 2 bad input, "
    "3 infeasible, 1 crash (worst)."
)
PLAN_HELP = (
    "Plan the day(s): who serves what, where and when, and the bookable slots.\n\n"
    "SCENARIO is a scenario file, or a folder with one scenario (.json or .xlsx) per office. A "
    "folder, --jobs N > 1 or --executor ray plans the office-days in parallel: one failing office "
    "never stops the others, and DIR/batch-summary.json lists every outcome.\n\n" + EXIT_HELP
)
BATCH_HELP = (
    "Alias of `slotplan plan` that always plans in parallel, even one file with --jobs 1.\n\n"
    "Same options as `plan`; writes DIR/batch-summary.json, and one failing office never stops the "
    "others.\n\n" + EXIT_HELP
)


def _check_numbers(*, time_limit: float, workers: int | None, gap: float, jobs: int) -> None:
    """Raise `InputError` naming each out-of-range option."""
    problems = [
        f"{option}: {value!r} {rule}"
        for option, value, bad, rule in (
            ("--time-limit", time_limit, time_limit <= 0, "must be > 0"),
            ("--workers", workers, workers is not None and workers < 1, "must be >= 1"),
            ("--jobs", jobs, jobs < 1, "must be >= 1"),
            ("--gap", gap, not 0 <= gap < 1, "must be in [0, 1)"),
        )
        if bad
    ]
    if problems:
        raise InputError(problems)


def plan_command_for(always_batch: bool) -> Callable[..., None]:
    """The body of `slotplan plan` (`always_batch=False`) and of its alias `slotplan batch` (True)."""

    def command(
        scenario_path: Annotated[
            Path,
            typer.Argument(
                metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook), or a folder with one per office."
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="Folder for the plan files.")] = Path("out"),
        date: Annotated[
            str | None, typer.Option("--date", help="First date (YYYY-MM-DD); default: every date of each scenario.")
        ] = None,
        to: Annotated[str | None, typer.Option("--to", help="Last date of a range.")] = None,
        jobs: Annotated[
            int,
            typer.Option("--jobs", "-j", help="Office-days planned at the same time; more than 1 plans in parallel."),
        ] = 1,
        executor: Annotated[
            str,
            typer.Option(
                "--executor", help="process (a pool on this machine) or ray (a Ray cluster); ray plans in parallel."
            ),
        ] = "process",
        ray_address: Annotated[
            str | None,
            typer.Option(
                "--ray-address",
                help="With --executor ray: the cluster to join, e.g. ray://head:10001 or auto; default: a local Ray.",
            ),
        ] = None,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per office-day.")] = 60.0,
        workers: Annotated[
            int | None,
            typer.Option("--workers", help="CP-SAT threads per office-day; default 2 with --jobs 1, else 1."),
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
        gap: Annotated[float, typer.Option("--gap", help="Stop once the proven relative gap is at most this.")] = 0.005,
        deterministic: Deterministic = False,
        no_sitting_rules: Annotated[
            bool,
            typer.Option(
                "--no-sitting-rules",
                help="Plan without rule 11 "
                "(sittings at one counter): only to measure what "
                "workable days cost; the plans are not workable.",
            ),
        ] = False,
        strategy: Annotated[
            str,
            typer.Option(
                "--strategy",
                help="cp-sat (the optimizer) or template (today's hand-style plan, one counter and type per person).",
            ),
        ] = CP_SAT,
        excel: Annotated[
            Path | None, typer.Option("--excel", help="Also write the review workbook (one office: not with a folder).")
        ] = None,
        export: Annotated[
            str | None,
            typer.Option(
                "--export",
                help="Also export for booking systems into --out/exports, per office: zms,zms-release,ics,csv.",
            ),
        ] = None,
        bookings_from: Annotated[
            str | None,
            typer.Option(
                "--bookings-from",
                help="URL of the booking system "
                "(slotplan serve): plan its current bookings like the scenario's; token from "
                "--token-env.",
            ),
        ] = None,
        token_env: Annotated[
            str, typer.Option("--token-env", help="Environment variable that holds the booking system's token.")
        ] = "SLOTPLAN_TOKEN",
    ) -> None:
        with user_errors():
            _check_numbers(time_limit=time_limit, workers=workers, gap=gap, jobs=jobs)
            if strategy not in STRATEGIES:
                raise InputError(f"--strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
            if executor not in EXECUTORS:
                raise InputError(f"--executor: {executor!r} is not one of {', '.join(EXECUTORS)}")
            if ray_address is not None and executor != "ray":
                raise InputError("--ray-address: only with --executor ray")
            first, last = parse_range(date, to)
            formats = parse_formats(export) if export else []
            solve = SolveOptions(
                time_limit_s=time_limit,
                workers=workers or default_workers(jobs),
                seed=seed,
                gap_limit=gap,
                deterministic=deterministic,
                sitting_rules=not no_sitting_rules,
            )
            if always_batch or scenario_path.is_dir() or jobs > 1 or executor == "ray":
                if bookings_from is not None:
                    raise InputError(
                        "--bookings-from: only for one scenario file planned in turn (without --jobs or --executor ray)"
                    )
                if excel is not None and scenario_path.is_dir():
                    raise InputError(
                        "--excel: the review workbook is one office's, not allowed with a "
                        "folder; write it per office with `slotplan export --excel`"
                    )
                options = BatchOptions(
                    out=out,
                    strategy=strategy,
                    solve=solve,
                    jobs=jobs,
                    executor=executor,  # type: ignore[arg-type]  # checked against EXECUTORS above
                    ray_address=ray_address,
                )
                code = plan_in_parallel(scenario_path, options, first, last, excel, formats)
            else:
                code = plan_in_turn(
                    scenario_path,
                    options=solve,
                    strategy=strategy,
                    out=out,
                    first=first,
                    last=last,
                    excel=excel,
                    formats=formats,
                    bookings_from=(bookings_from, token_env) if bookings_from else None,
                )
        raise typer.Exit(code)

    return command


app.command("plan", help=PLAN_HELP)(plan_command_for(always_batch=False))
app.command("batch", help=BATCH_HELP)(plan_command_for(always_batch=True))
