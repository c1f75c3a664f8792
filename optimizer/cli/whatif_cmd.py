"""`slotplan whatif`: what filling vacancies would buy, per request type and ranked per vacancy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..atomic import write_atomic
from ..clock import span
from ..day.solution import SolveOptions
from ..errors import InputError
from ..export.whatif_sheet import whatif_workbook
from ..io.readers import load_any_scenario
from ..whatif import DEFAULT_TIME_LIMIT_S, Gain, WhatIfReport, resolve_fill, what_if
from .app import Deterministic, app, console, user_errors
from .dates import parse_date


def whatif_dates(date: str | None, first: str | None, last: str | None) -> list[dt.date]:
    """`--date D` or `--from D1 --to D2` (exactly one of the two forms)."""
    if date is not None and (first is not None or last is not None):
        raise InputError("--date: give either --date or --from/--to, not both")
    if date is not None:
        return [parse_date(date, "--date")]
    if first is None or last is None:
        raise InputError("--from/--to: give --date D, or both --from D1 and --to D2")
    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if end < start:
        raise InputError(f"--to: {end} is before --from {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _signed(value: float, digits: int = 1) -> str:
    text = f"{value:+.{digits}f}"
    return "0" if text.lstrip("+-").strip("0.") == "" else text


def _noise_flag(gain: Gain, scale: float) -> str:
    if gain.noise <= 1e-6:
        return "0"
    flag = " noise?" if gain.within_noise else ""
    return f"±{gain.noise * scale:.1f}{flag}"


def shifts_table(report: WhatIfReport) -> Table:
    table = Table(title="Hypothetical staff: the typical shift of each filled vacancy", title_justify="left")
    for column in ("vacancy", "title", "skills", "h/week"):
        table.add_column(column, overflow="fold")
    for date in report.dates:
        table.add_column(f"{date:%a %d.%m.}", justify="center")
    by_vacancy: dict[str, dict[dt.date, str]] = {}
    for s in report.shifts:
        by_vacancy.setdefault(s.vacancy, {})[s.date] = span(s.start, s.end)
    for vid in report.fill:
        v = report.vacancy(vid)
        table.add_row(
            v.id,
            v.title,
            ", ".join(v.skills),
            f"{v.weekly_hours:g}",
            *(by_vacancy.get(vid, {}).get(d, "–") for d in report.dates),
        )
    return table


def days_table(report: WhatIfReport) -> Table:
    table = Table(title="Weighted served per day: base against all chosen vacancies filled", title_justify="left")
    for column in ("date", "base", "status / gap", "filled", "status / gap", "filled plan", "gain", "counter ceiling"):
        table.add_column(column, justify="left" if column in ("date", "filled plan") else "right")
    ceilings = report.ceilings or (None,) * len(report.dates)
    for i, (b, f, ceiling) in enumerate(zip(report.base.plans, report.filled.plans, ceilings)):
        table.add_row(
            f"{b.date:%a %Y-%m-%d}",
            f"{b.kpis['weighted_served']:g}",
            f"{b.status} {b.solver.gap:.2%}",
            f"{f.kpis['weighted_served']:g}",
            f"{f.status} {f.solver.gap:.2%}",
            report.filled.source(i),
            _signed(f.kpis["weighted_served"] - b.kpis["weighted_served"]),
            "–" if ceiling is None else f"{ceiling:.1f}",
        )
    table.caption = (
        "filled plan: solved, or a smaller staffing's plan kept (the added people in back office) "
        "because the solve ended below it; counter ceiling: the most any staffing could serve with "
        "these counters and hours (LP bound)"
    )
    return table


def gain_table(report: WhatIfReport) -> Table:
    n = len(report.dates)
    title = (
        f"Gain per request type with {len(report.fill)} vacancies filled "
        f"({n} day{'s' if n > 1 else ''}; a week = {report.days_per_week} opening days)"
    )
    table = Table(title=title, title_justify="left")
    for column in ("Anliegen", "weight", "base /day", "filled /day", "gain /day", "gain /week", "weighted /week"):
        table.add_column(
            column,
            justify="left" if column == "Anliegen" else "right",
            overflow="fold" if column == "Anliegen" else "ellipsis",
        )
    for row in report.service_rows():
        table.add_row(
            row.name,
            f"{row.weight:g}",
            f"{report.per_day(row.base):.1f}",
            f"{report.per_day(row.filled):.1f}",
            _signed(report.per_day(row.gain)),
            _signed(report.per_week(row.gain)),
            _signed(report.per_week(row.weighted_gain)),
        )
    g = report.gain
    table.add_section()
    table.add_row(
        "weighted served",
        "",
        f"{report.per_day(report.base.weighted):.1f}",
        f"{report.per_day(report.filled.weighted):.1f}",
        _signed(report.per_day(g.weighted)),
        "",
        _signed(report.per_week(g.weighted)),
        style="bold",
    )
    scale = report.days_per_week / n
    headroom = (
        ""
        if report.headroom is None
        else (f"; the most any staffing could add with these counters: {_signed(report.per_week(report.headroom))}")
    )
    noise = ""
    if g.within_noise:
        noise = (
            " – not larger than the gaps: its size is uncertain"
            if g.proven > 1e-6
            else " – not larger than the gaps: may be solver noise"
        )
    table.caption = (
        f"weighted gain per week {_signed(report.per_week(g.weighted))}, gaps "
        f"{_noise_flag(g, scale).removesuffix(' noise?')}{noise}; proven at least "
        f"{_signed(report.per_week(g.proven))}{headroom}; {report.options.time_limit_s:g} s per day "
        "and run"
    )
    return table


def ranking_table(report: WhatIfReport) -> Table:
    services = [t for t in report.scenario.service_types if any(v.gain.served.get(t.id, 0) for v in report.singles)]
    table = Table(title="Marginal value of each vacancy filled alone, per week, ranked", title_justify="left")
    for column in ("rank", "vacancy", "h/week", "weighted gain", "gaps ±", "proven ≥"):
        table.add_column(column, justify="left" if column == "vacancy" else "right")
    for t in services:
        table.add_column(t.id, justify="right", overflow="fold")
    table.add_column("run")
    scale = report.days_per_week / len(report.dates)
    for v in report.singles:
        table.add_row(
            str(v.rank),
            v.vacancy.id,
            f"{v.vacancy.weekly_hours:g}",
            _signed(v.gain.weighted * scale),
            _noise_flag(v.gain, scale),
            _signed(v.gain.proven * scale),
            *(_signed(v.gain.served.get(t.id, 0) * scale) for t in services),
            f"= {v.shared_with}" if v.shared_with else "own",
        )
    return table


def print_report(report: WhatIfReport) -> None:
    for date, reason in report.skipped:
        console.print(f"skipped {date}: {reason}", highlight=False)
    console.print(shifts_table(report))
    console.print(days_table(report))
    console.print(gain_table(report))
    console.print(ranking_table(report))
    for note in report.notes():
        console.print(f"[bold yellow]note[/] {note}", highlight=False, soft_wrap=True)


@app.command("whatif")
def whatif_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    date: Annotated[str | None, typer.Option("--date", help="The date (YYYY-MM-DD).")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First date of a range.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last date of a range.")] = None,
    fill: Annotated[
        str | None, typer.Option("--fill", help="Vacancy ids to fill, comma-separated, e.g. V001,V002.")
    ] = None,
    fill_all: Annotated[bool, typer.Option("--fill-all", help="Fill every vacancy (the default).")] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per office-day and run.")
    ] = DEFAULT_TIME_LIMIT_S,
    workers: Annotated[int, typer.Option("--workers", help="CP-SAT workers (threads).")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    deterministic: Deterministic = False,
    excel: Annotated[
        Path | None,
        typer.Option("--excel", help="Write the review workbook of the filled plans with a 'Vakanzen' sheet."),
    ] = None,
) -> None:
    """What filling vacancies would buy: gain per request type, and each vacancy's marginal value, ranked."""
    with user_errors():
        if time_limit <= 0 or workers < 1:
            raise InputError("--time-limit must be > 0, --workers >= 1")
        if fill is not None and fill_all:
            raise InputError("--fill: give either --fill or --fill-all, not both")
        days = whatif_dates(date, first, last)
        scenario = load_any_scenario(scenario_path)
        ids = resolve_fill(scenario, fill.split(",") if fill is not None else None)
        options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed, deterministic=deterministic)
        with console.status("what-if: planning …") as status:
            report = what_if(
                scenario, days, ids, options, on_progress=lambda stage: status.update(f"what-if: planning {stage} …")
            )
        print_report(report)
        if excel is not None:
            console.print(f"written {write_atomic(excel, whatif_workbook(report))}", highlight=False)
