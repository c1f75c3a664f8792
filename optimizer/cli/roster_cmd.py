"""`slotplan roster`: who works which day and shift, for a scenario or a Curtois & Qu benchmark instance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import InfeasibleError, InputError
from ..roster.curtois import read_curtois, write_roster_csv
from ..roster.engine import RosterResult, SolveOptions, solve
from ..roster.problem import RosterProblem
from .app import app, console, user_errors


def result_table(problem: RosterProblem, result: RosterResult) -> Table:
    """Objective, proven bound, gap and seconds, with one row per phase of the engine."""
    gap = f"{result.gap:.2%}" if result.gap is not None else "–"
    title = (f"{problem.name or 'roster'} {result.status}: objective {result.objective} "
             f"(bound {result.bound}, gap {gap}, {result.seconds:.1f} s)")
    table = Table(title=title, title_justify="left")
    for column in ("phase", "objective", "bound", "seconds", "note"):
        table.add_column(column, justify="left" if column in ("phase", "note") else "right")
    for p in result.phases:
        table.add_row(p.name, str(p.objective), str(p.bound), f"{p.seconds:.1f}", p.note)
    return table


def solve_with_progress(problem: RosterProblem, options: SolveOptions) -> RosterResult:
    with console.status(f"{problem.name or 'roster'}: solving …") as status:
        return solve(problem, options, on_phase=lambda p: status.update(
            f"{problem.name or 'roster'} after {p.name}: objective {p.objective}, bound {p.bound}, "
            f"{p.seconds:.1f} s"))


@app.command("roster")
def roster_command(
    scenario_path: Annotated[Path | None, typer.Argument(
        metavar="[SCENARIO]", help="Scenario JSON with a roster section (with --from/--to).")] = None,
    curtois: Annotated[Path | None, typer.Option(
        "--curtois", help="A Curtois & Qu benchmark instance (InstanceN.txt) instead of a scenario.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output: roster CSV (employee,day,shift) for --curtois.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First date of the roster (YYYY-MM-DD).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last date of the roster.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the whole roster.")] = 120.0,
    workers: Annotated[int, typer.Option("--workers", help="Threads (pricing and CP-SAT workers).")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solvers.")] = 0,
    deterministic: Annotated[bool, typer.Option(
        "--deterministic", help="Repeatable CP-SAT phase for a given seed and worker count.")] = False,
) -> None:
    """Plan who works which day and which shift, within the contract rules, wishes and cover."""
    with user_errors():
        if time_limit <= 0 or workers < 1:
            raise InputError("--time-limit must be > 0 and --workers >= 1")
        options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed, deterministic=deterministic)
        if curtois is not None:
            if scenario_path is not None or first is not None or last is not None:
                raise InputError("--curtois: give either a benchmark instance or SCENARIO with --from/--to")
            if out is None:
                raise InputError("--out: missing (the roster CSV to write)")
            problem = read_curtois(curtois)
            result = solve_with_progress(problem, options)
            if result.status == "infeasible":
                raise InfeasibleError(result.reason)
            if result.objective is None:
                raise InfeasibleError(f"no roster found within {time_limit:g} s")
            console.print(result_table(problem, result))
            console.print(f"written {write_roster_csv(out, problem, result.roster)}", highlight=False)
            return
        if scenario_path is None:
            raise InputError("give SCENARIO with --from/--to, or --curtois INSTANCE")
        raise InputError("SCENARIO: the scenario roster is not available yet; use --curtois")
