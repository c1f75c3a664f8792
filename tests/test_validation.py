"""Bad input is named by its field and ends in exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest
from support import MONDAY, tiny
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.scenario import parse_scenario

runner = CliRunner()


def _with(path: list, value) -> dict:
    scenario = tiny()
    target = scenario
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return scenario


CASES = [
    (_with(["availability", 0, "staff"], "S999"), "availability[0].staff: unknown staff 'S999'"),
    (_with(["availability", 0, "end"], "25:00"), "availability[0].end: '25:00' is not a time"),
    (_with(["availability", 1, "start"], "08:03"), "availability[1].start: '08:03' is off the 5-minute grid"),
    (_with(["availability", 0, "end"], "07:00"), "availability[0].end: '07:00' is not after start '08:00'"),
    (
        tiny(
            availability=[
                {"staff": "S1", "date": MONDAY, "start": "08:00", "end": "11:00"},
                {"staff": "S1", "date": MONDAY, "start": "10:00", "end": "12:00"},
            ]
        ),
        "availability[1]: overlaps availability[0] of staff 'S1'",
    ),
    (_with(["service_types", 0, "duration_min"], 12), "service_types[0].duration_min: 12 is not a multiple"),
    (
        tiny(bookings=[{"id": "B1", "date": MONDAY, "start": "12:00", "service": "uebertrag"}]),
        "bookings[0].start: uebertrag at '12:00'–'12:15' on 2024-04-22 is outside opening hours",
    ),
    (
        tiny(bookings=[{"id": "B1", "date": MONDAY, "start": "11:50", "service": "uebertrag"}]),
        "bookings[0].start: uebertrag at '11:50'–'12:05'",
    ),
    (_with(["demand", 0, "service"], "visa"), "demand[0].service: unknown service 'visa'"),
    (_with(["staff", 1, "id"], "S1"), "staff[1].id: duplicate id 'S1'"),
    (
        tiny(bookings=[{"id": "B1", "date": MONDAY, "start": "09:00", "service": "uebertrag", "counter": "C9"}]),
        "bookings[0].counter: unknown counter 'C9'",
    ),
    (_with(["office", "holidays"], "XX-YY"), "office.holidays: unknown holiday calendar 'XX-YY'"),
    (_with(["demand", 0, "date"], "2024-02-30"), "demand[0].date:"),
    (_with(["demand", 0, "count"], -3), "demand[0].count: input should be greater than or equal to 0"),
    (
        _with(["office", "opening_hours", "mon"], [["08:00", "12:00"], ["11:00", "13:00"]]),
        "office.opening_hours.mon: '11:00' overlaps",
    ),
]


@pytest.mark.parametrize("scenario,expected", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_input_names_its_field(scenario: dict, expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario(scenario)
    assert any(expected in problem for problem in err.value.problems), err.value.problems


@pytest.mark.parametrize("scenario,expected", CASES[:4], ids=[c[1][:40] for c in CASES[:4]])
def test_cli_exit_2_without_traceback(tmp_path, scenario: dict, expected: str) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--date", MONDAY, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "content,expected",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"version": 1}), "office: missing"),
    ],
)
def test_unreadable_files_exit_2(tmp_path, content: str, expected: str) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--date", MONDAY])
    assert result.exit_code == 2
    assert expected in result.output


def test_missing_file_and_bad_dates_exit_2(tmp_path) -> None:
    assert runner.invoke(app, ["plan", str(tmp_path / "nope.json")]).exit_code == 2
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(tiny()), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--date", "22.04.2024"])
    assert result.exit_code == 2 and "--date" in result.output
    result = runner.invoke(app, ["plan", str(path), "--date", MONDAY, "--to", "2024-04-01"])
    assert result.exit_code == 2 and "--to" in result.output
