"""`slotplan forecast`: requests per office day and type from the office's history, its backtest, and
the no-show rates per type and weekday (docs/forecast.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..atomic import write_atomic
from ..errors import InputError
from ..history.backtest import Backtest, backtest
from ..history.calendar import OfficeCalendar, calendar_of, default_calendar
from ..history.forecast import Forecast, forecast
from ..history.noshow import NoShowEstimate, estimate_no_shows
from ..history.reader import read_history
from ..history.scenario_out import with_forecast
from .app import app, console, err_console, user_errors
from .dates import parse_date

MAX_HORIZON_DAYS = 400
WEEKDAY_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


@app.command("forecast")
def forecast_command(
    history_path: Annotated[
        Path,
        typer.Argument(
            metavar="HISTORY", help="History CSV (date;service;requests;…) or .xlsx with a sheet 'Historie'."
        ),
    ],
    first: Annotated[str | None, typer.Option("--from", help="First day to forecast (YYYY-MM-DD).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day to forecast (YYYY-MM-DD).")] = None,
    scenario_path: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario (JSON or .xlsx): its office calendar and types; --out then writes it with "
            "`requests` and `no_show_rates`.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="date;service;mean;low80;high80 CSV, or with --scenario the scenario JSON."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="PNG of history, forecast and 80 % band (default: beside --out).")
    ] = None,
    run_backtest: Annotated[
        bool, typer.Option("--backtest", help="Hold out the last weeks and score the forecast.")
    ] = False,
    weeks: Annotated[int, typer.Option("--holdout-weeks", help="Weeks held out by --backtest.")] = 8,
    holidays: Annotated[
        str, typer.Option("--holidays", help="Holiday calendar without --scenario, e.g. DE-BW.")
    ] = "DE-BW",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the band's simulation.")] = 0,
) -> None:
    """Forecast new requests per office day and type (mean and 80 % band), with no-show rates."""
    with user_errors():
        history = read_history(history_path)
        scenario = None
        if scenario_path is not None:
            from ..io.readers import load_any_scenario

            scenario = load_any_scenario(scenario_path)
        calendar = (
            calendar_of(scenario)
            if scenario
            else default_calendar({r.date.weekday() for r in history.rows}, holidays or None)
        )
        if run_backtest:
            if weeks < 1 or weeks > 52:
                raise InputError(f"--holdout-weeks: {weeks} must be between 1 and 52")
            with console.status("Backtest …"):
                tested = backtest(history, calendar, weeks=weeks, seed=seed)
            console.print(backtest_table(tested))
            return
        if first is None or last is None:
            raise InputError("--from and --to: both are needed (or --backtest)")
        start, end = parse_date(first, "--from"), parse_date(last, "--to")
        if end < start:
            raise InputError(f"--to: {end} is before --from {start}")
        if (end - start).days >= MAX_HORIZON_DAYS:
            raise InputError(f"--to: {(end - start).days + 1} days from --from; at most {MAX_HORIZON_DAYS}")
        services = list(history.services)
        if scenario is not None:
            known = {t.id for t in scenario.service_types}
            for s in services:
                if s not in known:
                    err_console.print(
                        f"[yellow]note[/] {s}: in the history, not a type of the scenario; left out", highlight=False
                    )
            for t in scenario.service_types:
                if t.id not in services:
                    err_console.print(f"[yellow]note[/] {t.id}: no history, so no requests forecast", highlight=False)
            services = [s for s in services if s in known]
            if not services:
                raise InputError("--scenario: none of its request types appears in the history")
        with console.status("Forecast …"):
            result = forecast(history, start, end, calendar, services=services, seed=seed)
            no_shows = [e for e in estimate_no_shows(history) if e.service in services]
        console.print(week_table(result))
        console.print(no_show_table(no_shows))
        if out is not None:
            if scenario_path is not None:
                data = with_forecast(scenario_path, result, no_shows, start, end)
                path = write_atomic(out, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            else:
                path = write_atomic(out, forecast_csv(result, calendar))
            console.print(f"written {path}", highlight=False)
        picture = plot or (out.with_suffix(".png") if out is not None else None)
        if picture is not None:
            from ..history.plot import forecast_png

            write_atomic(picture, forecast_png(history, result, calendar))
            console.print(f"written {picture}", highlight=False)


def forecast_csv(result: Forecast, calendar: OfficeCalendar) -> str:
    """`date;service;mean;low80;high80`, one row per office day and type."""
    lines = ["date;service;mean;low80;high80"]
    lines += [
        f"{f.date.isoformat()};{f.service};{f.mean:.1f};{f.low80};{f.high80}"
        for f in result.days
        if calendar.is_open(f.date)
    ]
    return "\n".join(lines) + "\n"


def week_table(result: Forecast) -> Table:
    services = list(result.models)
    table = Table(title="Neue Anfragen pro Woche: Erwartung (80-%-Band)", title_justify="left")
    table.add_column("Woche")
    for s in services:
        table.add_column(s, justify="right")
    by_week: dict[dt.date, dict[str, Any]] = {}
    for w in result.weeks:
        by_week.setdefault(w.date, {})[w.service] = w
    for monday, cells in by_week.items():
        iso = monday.isocalendar()
        table.add_row(
            f"{iso.year}-W{iso.week:02d} ({monday:%d.%m.})",
            *(f"{cells[s].mean:.0f} ({cells[s].low80}–{cells[s].high80})" for s in services),
        )
    return table


def no_show_table(estimates: list[NoShowEstimate]) -> Table:
    table = Table(title="Nicht erschienen (letzte 365 Tage): Anteil der Buchungen", title_justify="left")
    for column in ("Anliegen", "Historie", "Schätzung", *WEEKDAY_DE[:5], "Wochentage verschieden?"):
        table.add_column(column, justify="right")
    for e in estimates:
        days = [f"{100 * e.rates[w]:.1f} %" if w in e.rates else "–" for w in range(5)]
        verdict = "–" if e.p_value is None else f"{'ja' if e.by_weekday else 'nein'} (p={e.p_value:.2g})"
        table.add_row(e.service, f"{100 * e.history_rate:.1f} %", f"{100 * e.estimated_rate:.1f} %", *days, verdict)
    return table


def backtest_table(result: Backtest) -> Table:
    table = Table(
        title=f"Backtest: trained up to {result.train_last}, held out {result.test_first} to {result.test_last}",
        title_justify="left",
    )
    for column in ("type", "days", "WAPE", "seasonal-naive WAPE", "ratio", "80 % band coverage"):
        table.add_column(column, justify="right")
    for s in result.scores:
        table.add_row(
            s.service,
            str(s.days),
            f"{s.wape:.3f}",
            "–" if s.naive_wape is None else f"{s.naive_wape:.3f}",
            "–" if s.ratio is None else f"{s.ratio:.2f}",
            f"{100 * s.coverage:.0f} %",
        )
    table.add_row("all", str(sum(s.days for s in result.scores)), "", "", "", f"{100 * result.coverage:.0f} %")
    return table
