"""`slotplan check SCENARIO PLAN...`: the project's own plan validator (the contract's hard rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..check import check_plan
from ..io.readers import load_any_scenario
from ..plan import read_plan
from .app import EXIT_OK, EXIT_RULE_BROKEN, app, console, user_errors


@app.command("check")
def check_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    plan_paths: Annotated[list[Path], typer.Argument(metavar="PLAN", help="Plan JSON files to check.")],
) -> None:
    """Check plans against every hard rule of the contract (exit 0 valid, 1 a rule broken, 2 unreadable)."""
    with user_errors():
        scenario = load_any_scenario(scenario_path)
        plans = [(path, read_plan(path)) for path in plan_paths]
    broken = 0
    for path, plan in plans:
        violations = check_plan(scenario, plan)
        for violation in violations:
            console.print(f"{path.name}: {violation}", highlight=False, soft_wrap=True)
        verdict = "valid" if not violations else "breaks a hard rule"
        console.print(
            f"{path.name}: {plan.date}, {len(plan.assignments)} assignments, {len(plan.slots)} slots, "
            f"{len(violations)} violations — {verdict}",
            highlight=False,
            soft_wrap=True,
        )
        broken += bool(violations)
    raise typer.Exit(EXIT_RULE_BROKEN if broken else EXIT_OK)
