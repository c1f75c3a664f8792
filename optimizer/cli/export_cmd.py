"""`slotplan export`: plans to a booking-system file (ZMS availability JSON, iCalendar, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Annotated

import typer

from ..atomic import write_atomic
from ..errors import InputError
from ..export.formats import FORMATS, export_bytes
from ..export.review import review_workbook
from ..export.zms import load_scope_map, release_summary
from ..io.readers import load_any_scenario
from ..plan import read_plan
from .app import app, console, user_errors


@app.command("export")
def export_command(
    plans: Annotated[
        list[Path], typer.Argument(metavar="PLAN.json", help="Plan files written by `slotplan plan` (one office).")
    ],
    fmt: Annotated[str | None, typer.Option("--format", help=f"Target format: {', '.join(FORMATS)}.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None,
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Also write the review workbook (needs --scenario).")
    ] = None,
    scenario_path: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario (JSON or .xlsx): service names, time zone, booking horizon."),
    ] = None,
    scope_map_path: Annotated[
        Path | None,
        typer.Option(
            "--scope-map",
            help="ZMS: JSON mapping service id -> scope id or list of scope ids "
            "(default: scopes 100·i+1, 100·i+2, … for the i-th service).",
        ),
    ] = None,
    sep: Annotated[str, typer.Option("--sep", help="CSV: column separator.")] = ";",
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Office time zone (default: the scenario's, else Europe/Berlin).")
    ] = None,
    horizon_days: Annotated[
        int | None,
        typer.Option(
            "--horizon-days",
            help="ZMS: calendar booking horizon in days (default: the scenario's, else derived from the plans).",
        ),
    ] = None,
) -> None:
    """Export plans for a booking system (ZMS availability records, iCalendar, CSV) or for review (Excel)."""
    with user_errors():
        if fmt is None and excel is None:
            raise InputError("--format or --excel: say what to write")
        if (fmt is None) != (out is None):
            raise InputError("--format and --out go together")
        if excel is not None and scenario_path is None:
            raise InputError("--excel: needs --scenario (names, opening hours and counters are not in the plan)")
        loaded = [read_plan(p) for p in plans]
        scenario = load_any_scenario(scenario_path) if scenario_path is not None else None
        if excel is not None and scenario is not None:  # --excel without --scenario was refused above
            path = write_atomic(excel, review_workbook(loaded, scenario))
            console.print(f"written {path} (review workbook, {len(loaded)} plan(s))", highlight=False)
        if fmt is None or out is None:
            return
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise InputError(f"--format: unknown format {fmt!r} (use {', '.join(FORMATS)})")
        if scope_map_path is not None and not fmt.startswith("zms"):
            raise InputError("--scope-map: only for --format zms and zms-release")
        scope_map = load_scope_map(scope_map_path) if scope_map_path is not None else None
        data = export_bytes(
            loaded,
            fmt,
            scenario=scenario,
            scope_map=scope_map,
            sep=sep,
            timezone=timezone,
            horizon_days=horizon_days,
            stamp=dt.datetime.now(dt.UTC),
        )
        path = write_atomic(out, data)
        slots = sum(len(p.slots) for p in loaded)
        console.print(f"written {path} ({fmt}, {slots} slots of {len(loaded)} plan(s))", highlight=False)
        if fmt == "zms":
            report = export_bytes(
                loaded,
                "zms-release",
                scenario=scenario,
                scope_map=scope_map,
                sep=";",
                timezone=timezone,
                horizon_days=horizon_days,
            )
            counts = release_summary(list(csv.DictReader(io.StringIO(report.decode("utf-8-sig")), delimiter=";")))
            console.print(
                f"ZMS puts {counts['exact']} of {counts['slots']} slots online exactly at their "
                f"release_at, {counts['late']} later, {counts['staff_only']} only for staff "
                "(--format zms-release says it per slot)",
                highlight=False,
            )
