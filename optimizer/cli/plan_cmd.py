"""`slotplan plan`: plan one or more office-days and write one plan JSON per date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..atomic import write_atomic
from ..day.solve import Progress, SolveOptions
from ..errors import InfeasibleError, InputError
from ..export.formats import export_bytes, export_filename, parse_formats
from ..export.review import review_workbook
from ..strategies import CP_SAT, STRATEGIES, plan_with_strategy
from ..plan import Plan, plan_filename
from ..scenario import Scenario
from .app import EXIT_INFEASIBLE, app, console, err_console, user_errors
from ..io.readers import load_any_scenario


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def dates_to_plan(scenario: Scenario, date: str | None, to: str | None) -> list[dt.date]:
    """The dates of --date..--to, or every date the scenario mentions when --date is not given."""
    if date is None:
        if to is not None:
            raise InputError("--to: needs --date")
        days = scenario.dates()
        if not days:
            raise InputError("scenario: no dates in availability, demand or bookings; give --date")
        return days
    first = parse_date(date, "--date")
    last = parse_date(to, "--to") if to else first
    if last < first:
        raise InputError(f"--to: {last} is before --date {first}")
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def summary_table(plan: Plan, scenario: Scenario) -> Table:
    """Served against demand per request type, with counters used and the proven gap."""
    solver = plan.solver
    title = (f"{plan.date} {plan.status}: weighted served {plan.kpis['weighted_served']:g} "
             f"(bound {solver.bound:g}, gap {solver.gap:.2%}, {solver.seconds:.1f} s)")
    table = Table(title=title, title_justify="left")
    for column in ("Anliegen", "served", "demand", "slots", "same-day"):
        table.add_column(column, justify="left" if column == "Anliegen" else "right")
    for t in scenario.service_types:
        k = plan.kpis
        table.add_row(t.name, str(k["served"][t.id]), str(k["demand"][t.id]), str(k["slots"][t.id]),
                      str(k["same_day_slots"][t.id]))
    table.caption = (f"counters used {plan.kpis['counters_used']}/{len(scenario.office.counters)}, "
                     f"utilisation {plan.kpis['counter_utilisation']:.0%}, bookings held "
                     f"{plan.kpis['bookings_held']}, to rebook {len(plan.rebook)}")
    return table


@app.command("plan")
def plan_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan files.")] = Path("out"),
    date: Annotated[str | None, typer.Option("--date", help="First date (YYYY-MM-DD); default: every "
                                             "date of the scenario.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last date of a range.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per office-day.")] = 60.0,
    workers: Annotated[int, typer.Option("--workers", help="CP-SAT workers (threads).")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    gap: Annotated[float, typer.Option("--gap", help="Stop once the proven relative gap is at most this.")] = 0.005,
    deterministic: Annotated[bool, typer.Option("--deterministic", help="Repeatable runs for a given seed and "
                                                "worker count (deterministic time; slower).")] = False,
    strategy: Annotated[str, typer.Option("--strategy", help="cp-sat (the optimizer) or template (today's "
                                          "hand-style plan, one counter and type per person).")] = CP_SAT,
    excel: Annotated[Path | None, typer.Option("--excel", help="Also write the review workbook.")] = None,
    export: Annotated[str | None, typer.Option("--export", help="Also export for booking systems into --out: "
                                               "zms,ics,csv.")] = None,
) -> None:
    """Plan the day(s): who serves what, where and when, and the bookable slots."""
    with user_errors():
        if time_limit <= 0 or workers < 1 or not 0 <= gap < 1:
            raise InputError("--time-limit must be > 0, --workers >= 1, --gap in [0, 1)")
        if strategy not in STRATEGIES:
            raise InputError(f"--strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
        scenario = load_any_scenario(scenario_path)
        days = dates_to_plan(scenario, date, to)
        formats = parse_formats(export) if export else []
        options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed, gap_limit=gap,
                               deterministic=deterministic)
        failures, plans = [], []
        for day in days:
            try:
                plan = _plan_with_progress(scenario, day, options, strategy)
            except InfeasibleError as err:
                failures.append(err)
                for reason in err.reasons:
                    err_console.print(f"[bold red]infeasible[/] {reason}", highlight=False, soft_wrap=True)
                continue
            path = write_atomic(out / plan_filename(scenario.office.id, day), plan.to_json())
            plans.append(plan)
            console.print(summary_table(plan, scenario))
            console.print(f"written {path}", highlight=False)
        if plans:
            _write_extras(plans, scenario, out, excel, formats)
        if failures:
            raise typer.Exit(EXIT_INFEASIBLE)


def _write_extras(plans: list[Plan], scenario: Scenario, out: Path, excel: Path | None, formats: list[str]) -> None:
    """The review workbook and booking-system exports of the planned days."""
    if excel is not None:
        console.print(f"written {write_atomic(excel, review_workbook(plans, scenario))}", highlight=False)
    stamp = dt.datetime.now(dt.timezone.utc)
    for fmt in formats:
        path = write_atomic(out / "exports" / export_filename(plans, fmt),
                            export_bytes(plans, fmt, scenario=scenario, stamp=stamp))
        console.print(f"written {path}", highlight=False)


def _plan_with_progress(scenario: Scenario, day: dt.date, options: SolveOptions, strategy: str) -> Plan:
    with console.status(f"{day}: solving …") as status:
        def show(p: Progress) -> None:
            gap = (abs(p.bound - p.objective) / abs(p.bound)) if p.bound else 0.0
            status.update(f"{day} [{p.stage}] {p.elapsed_s:5.1f} s  objective {p.objective:g}  "
                          f"bound {p.bound:g}  gap {gap:.2%}")
        return plan_with_strategy(scenario, day, strategy, options, on_progress=show)
