"""`slotplan roster`: who works which day and shift, for a scenario or a Curtois & Qu benchmark instance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from ..atomic import write_atomic
from ..errors import InfeasibleError, InputError
from ..io.readers import load_any_scenario
from ..roster.curtois import read_curtois, write_roster_csv
from ..roster.engine import RosterResult, SolveOptions, solve
from ..roster.from_scenario import ScenarioRoster, roster_availability, roster_problem
from ..roster.problem import RosterProblem
from .app import EXIT_INFEASIBLE, app, console, err_console, user_errors
from .dates import parse_date


def result_table(problem: RosterProblem, result: RosterResult) -> Table:
    """Objective, proven bound, gap and seconds, with one row per phase of the engine."""
    gap = f"{result.gap:.2%}" if result.gap is not None else "–"
    title = (
        f"{problem.name or 'roster'} {result.status}: objective {result.objective} "
        f"(bound {result.bound}, gap {gap}, {result.seconds:.1f} s)"
    )
    table = Table(title=title, title_justify="left")
    for column in ("phase", "objective", "bound", "seconds", "note"):
        table.add_column(column, justify="left" if column in ("phase", "note") else "right")
    for p in result.phases:
        table.add_row(p.name, str(p.objective), str(p.bound), f"{p.seconds:.1f}", p.note)
    return table


def solve_with_progress(problem: RosterProblem, options: SolveOptions) -> RosterResult:
    with console.status(f"{problem.name or 'roster'}: solving …") as status:
        return solve(
            problem,
            options,
            on_phase=lambda p: status.update(
                f"{problem.name or 'roster'} after {p.name}: objective {p.objective}, bound {p.bound}, "
                f"{p.seconds:.1f} s"
            ),
        )


@app.command("roster")
def roster_command(
    scenario_path: Annotated[
        Path | None,
        typer.Argument(metavar="[SCENARIO]", help="Scenario JSON with a roster section (with --from/--to)."),
    ] = None,
    curtois: Annotated[
        Path | None,
        typer.Option("--curtois", help="A Curtois & Qu benchmark instance (InstanceN.txt) instead of a scenario."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output: the scenario JSON with the roster as availability, or the roster CSV "
            "(employee,day,shift) for --curtois.",
        ),
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First date of the roster (YYYY-MM-DD).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last date of the roster.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the whole roster.")] = 120.0,
    workers: Annotated[int, typer.Option("--workers", help="Threads (pricing and CP-SAT workers).")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solvers.")] = 0,
    deterministic: Annotated[
        bool, typer.Option("--deterministic", help="Repeatable CP-SAT phase for a given seed and worker count.")
    ] = False,
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
                no_roster_in_time(time_limit, result)
            console.print(result_table(problem, result))
            console.print(f"written {write_roster_csv(out, problem, result.roster)}", highlight=False)
            return
        if scenario_path is None:
            raise InputError("give SCENARIO with --from/--to, or --curtois INSTANCE")
        if first is None or last is None:
            raise InputError("--from/--to: give both the first and the last date of the roster")
        if out is None:
            raise InputError("--out: missing (the scenario JSON to write)")
        scenario = load_any_scenario(scenario_path)
        mapped = roster_problem(scenario, parse_date(first, "--from"), parse_date(last, "--to"))
        result = solve_with_progress(mapped.problem, options)
        if result.status == "infeasible":
            raise InfeasibleError(f"{result.reason} (check weekly hours, hours_flex, days off and allowed shifts)")
        if result.objective is None:
            no_roster_in_time(time_limit, result)
        console.print(result_table(mapped.problem, result))
        console.print(people_table(mapped, result))
        updated = roster_availability(scenario, mapped, result.roster)
        text = json.dumps(updated.to_json_dict(), ensure_ascii=False, indent=2) + "\n"
        console.print(f"written {write_atomic(out, text)}", highlight=False)


def no_roster_in_time(time_limit: float, result: RosterResult) -> NoReturn:
    """The time ran out before any roster was found: say so, with the proven bound, and exit 3."""
    bound = f" (proven lower bound {result.bound})" if result.bound is not None else ""
    err_console.print(
        f"[bold red]no roster[/] none found within {time_limit:g} s{bound}; a longer --time-limit may find one",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_INFEASIBLE)


def people_table(mapped: ScenarioRoster, result: RosterResult) -> Table:
    """Per person: the shift of each day, worked hours against the target, wishes granted."""
    problem = mapped.problem
    table = Table(title=f"roster {mapped.first} .. {mapped.date(problem.days - 1)} ('-' = off)", title_justify="left")
    for column in ("staff", "days", "hours", "target", "wishes"):
        table.add_column(column, justify="left" if column in ("staff", "days") else "right")
    minutes = {s.id: s.minutes for s in problem.shifts}
    for emp in problem.employees:
        days = " ".join(result.roster.get((emp.id, d), "-") for d in range(problem.days))
        worked = sum(minutes[s] for (e, _d), s in result.roster.items() if e == emp.id)
        wishes = [r for r in problem.requests if r.employee == emp.id]
        granted = sum(1 for r in wishes if r.granted(result.roster))
        table.add_row(
            emp.id,
            days,
            f"{worked / 60:g}",
            f"{mapped.targets[emp.id] / 60:g}",
            f"{granted}/{len(wishes)}" if wishes else "",
        )
    return table
