"""`slotplan explain`: which rule or input limits each request type on a day."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..day.solve import SolveOptions
from ..explain import explain_limits
from ..io.readers import load_any_scenario
from ..pipeline import plan_day
from ..plan import read_plan
from .app import app, console, user_errors
from .plan_cmd import parse_date


@app.command("explain")
def explain_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    plan_path: Annotated[Path | None, typer.Option("--plan", help="A plan of that day (default: plan it now).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds, when planning now.")] = 30.0,
) -> None:
    """Say, per request type, what limits how many are served (infeasible days get their reason, exit 3)."""
    with user_errors():
        day = parse_date(date, "--date")
        scenario = load_any_scenario(scenario_path)
        if plan_path is not None:
            plan = read_plan(plan_path)
        else:
            with console.status(f"{day}: planning …"):
                plan = plan_day(scenario, day, SolveOptions(time_limit_s=time_limit))
        for line in explain_limits(scenario, plan):
            console.print(line, highlight=False)
