"""`slotplan explain`: which rule or input limits each request type on a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ..batch import office_dates
from ..day.solution import SolveOptions
from ..errors import InputError
from ..explain import explain_limits
from ..horizon import wait_report
from ..horizon.explain import explain_waits
from ..io.readers import load_any_scenario
from ..pipeline import plan_day
from ..plan import plan_filename, read_plan
from ..scenario import Scenario
from .app import app, console, user_errors
from .dates import parse_date
from .horizon_run import wait_table


@app.command("explain")
def explain_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    plan_path: Annotated[Path | None, typer.Option("--plan", help="A plan of that day (default: plan it now).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds, when planning now.")] = 30.0,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Last date of a planned range: say which request "
            "type misses its target wait, and why (scenarios with "
            "requests).",
        ),
    ] = None,
    plans_dir: Annotated[
        Path,
        typer.Option("--plans", help="With --to: the folder the range's plans were written to by `slotplan plan`."),
    ] = Path("out"),
) -> None:
    """Say, per request type, what limits how many are served (infeasible days get their reason, exit 3).

    With --to, over the planned range: which request type misses its target wait, and what limits it."""
    with user_errors():
        day = parse_date(date, "--date")
        scenario = load_any_scenario(scenario_path)
        if to is not None:
            _explain_waits(scenario, day, parse_date(to, "--to"), plans_dir)
            return
        if plan_path is not None:
            plan = read_plan(plan_path)
        else:
            with console.status(f"{day}: planning …"):
                plan = plan_day(scenario, day, SolveOptions(time_limit_s=time_limit))
        for line in explain_limits(scenario, plan):
            console.print(line, highlight=False)


def _explain_waits(scenario: Scenario, first: dt.date, last: dt.date, plans_dir: Path) -> None:
    if not scenario.requests:
        raise InputError("--to: the scenario has no requests, so there are no target waits to explain")
    if last < first:
        raise InputError(f"--to: {last} is before --date {first}")
    plans = [
        read_plan(p)
        for d in office_dates(scenario, first, last)
        if (p := plans_dir / plan_filename(scenario.office.id, d)).exists()
    ]
    if not plans:
        raise InputError(
            f"--plans: no plans of {scenario.office.id} for {first} – {last} in {plans_dir}; "
            "plan them first with `slotplan plan`"
        )
    console.print(wait_table(wait_report(scenario, plans), scenario))
    for line in explain_waits(scenario, plans):
        console.print(line, highlight=False)
