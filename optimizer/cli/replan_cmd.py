"""`slotplan replan`: re-plan a published day after sick calls, late arrivals and early leaves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..atomic import write_atomic
from ..clock import parse_hhmm
from ..day.solution import SolveOptions
from ..errors import InputError
from ..io.readers import load_any_scenario
from ..plan import plan_filename, read_plan
from ..publish.bookings import fetch_booked, for_replan, with_bookings
from ..publish.client import DEFAULT_TOKEN_ENV
from ..replan import ChangeReport, Changes, apply_changes, replan_day
from .app import Deterministic, app, console, user_errors
from .dates import parse_date
from .tables import summary_table


def _minute(text: str, option: str) -> int:
    try:
        return parse_hhmm(text)
    except ValueError as err:
        raise InputError(f"{option}: {err}") from None


def _pairs(items: list[str], option: str) -> tuple[tuple[str, int], ...]:
    """["S004=10:00", "S007=11:00,S009=12:00"] -> (("S004", 600), ...)."""
    out = []
    for item in (part.strip() for chunk in items for part in chunk.split(",") if part.strip()):
        who, sep, when = item.partition("=")
        if not sep or not who:
            raise InputError(f"{option}: {item!r} is not STAFF=HH:MM")
        out.append((who.strip(), _minute(when.strip(), option)))
    return tuple(out)


def report_table(report: ChangeReport) -> Table:
    table = Table(title="Änderungen gegenüber dem veröffentlichten Plan", title_justify="left")
    for column in ("kept", "moved", "withdrawn", "new", "to notify"):
        table.add_column(column, justify="right")
    table.add_row(*(str(len(x)) for x in (report.kept, report.moved, report.withdrawn, report.new, report.notify)))
    return table


def people_table(report: ChangeReport) -> Table:
    """Per person whose day changed: what changed (the others keep their published day)."""
    table = Table(
        title=f"Tage unverändert: {report.unchanged_people} von {len(report.people)} Personen; geändert:",
        title_justify="left",
    )
    table.add_column("Person")
    table.add_column("Änderung")
    for p in report.people:
        if not p["unchanged"]:
            table.add_row(p["staff"], "\n".join(p["changes"]))
    return table


def notify_table(report: ChangeReport) -> Table:
    table = Table(title="Zu benachrichtigen", title_justify="left")
    for column in ("booking", "slot", "start", "reason", "proposal"):
        table.add_column(column)
    for n in report.notify:
        table.add_row(n["booking"], n["slot"] or "", n["start"] or "", n["reason"], n["proposal"] or "–")
    return table


@app.command("replan")
def replan_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario JSON (or .xlsx workbook).")],
    plan_path: Annotated[Path, typer.Option("--plan", help="The published plan of that day.")],
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the new plan and the change report.")] = Path("out"),
    absent: Annotated[str, typer.Option("--absent", help="Staff absent all day, e.g. S012,S019.")] = "",
    arrive: Annotated[list[str] | None, typer.Option("--arrive", help="STAFF=HH:MM: comes only then.")] = None,
    leave: Annotated[list[str] | None, typer.Option("--leave", help="STAFF=HH:MM: leaves then.")] = None,
    now: Annotated[str | None, typer.Option("--now", help="HH:MM: everything before stays as published.")] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds of solving (the whole run stays inside 10 s).")
    ] = 8.0,
    workers: Annotated[int, typer.Option("--workers", help="CP-SAT workers (threads).")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    deterministic: Deterministic = False,
    bookings_from: Annotated[
        str | None,
        typer.Option(
            "--bookings-from",
            help="URL of the booking system (slotplan serve): its current bookings of the day are kept like any other.",
        ),
    ] = None,
    token_env: Annotated[
        str, typer.Option("--token-env", help="Environment variable that holds the booking system's token.")
    ] = DEFAULT_TOKEN_ENV,
) -> None:
    """Re-plan a published day: keep every booking at its time, change as little as possible."""
    with user_errors():
        day = parse_date(date, "--date")
        changes = Changes(
            absent=tuple(s.strip() for s in absent.split(",") if s.strip()),
            arrive=_pairs(arrive or [], "--arrive"),
            leave=_pairs(leave or [], "--leave"),
            now=_minute(now, "--now") if now else None,
        )
        scenario = load_any_scenario(scenario_path)
        published = read_plan(plan_path)
        online: list[dict] = []
        if bookings_from:
            booked = fetch_booked(bookings_from, published.office, [day], token_env)
            published, online = for_replan(published, booked)
            console.print(f"{len(booked)} booking(s) read from the booking system", highlight=False)
        with console.status(f"{day}: re-planning …"):
            current = apply_changes(scenario, day, published, changes)
            if online:
                current = with_bookings(current, online)
            options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed, deterministic=deterministic)
            plan, report = replan_day(current, published, day, changes, options)
        name = plan_filename(scenario.office.id, day)
        path = write_atomic(out / name, plan.to_json())
        changes_path = write_atomic(
            out / name.replace(".json", ".changes.json"),
            json.dumps(report.to_json_dict(), ensure_ascii=False, indent=1) + "\n",
        )
        write_atomic(
            out / name.replace(".json", ".scenario.json"),
            json.dumps(current.to_json_dict(), ensure_ascii=False, indent=1) + "\n",
        )
        console.print(summary_table(plan, scenario))
        console.print(report_table(report))
        console.print(people_table(report))
        if report.notify:
            console.print(notify_table(report))
        console.print(
            f"written {path}, {changes_path} and the scenario as it stands now "
            f"({name.replace('.json', '.scenario.json')}, which the plan is checked against)",
            highlight=False,
        )
