"""The history reader, the forecast, the backtest and the no-show estimate (optimizer/history/)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.history.backtest import seasonal_naive
from optimizer.history.calendar import OfficeCalendar
from optimizer.history.forecast import fit_type, forecast
from optimizer.history.noshow import estimate_no_shows
from optimizer.history.reader import parse_history_csv, read_history
from optimizer.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample.json"
HEADER = "date;service;requests;booked;attended;no_show;cancelled"
WEEKDAYS_OPEN = OfficeCalendar(weekdays=frozenset(range(5)), holidays="DE-BW")
runner = CliRunner()


def synthetic_history(
    services: dict[str, float],
    weekday: list[float],
    first=dt.date(2022, 1, 3),
    last=dt.date(2023, 12, 29),
    no_show: float = 0.1,
    seed: int = 0,
) -> str:
    """CSV text: Poisson requests with a known weekday profile and no season, on the office days."""
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for day in WEEKDAYS_OPEN.open_days(first, last):
        for service, level in services.items():
            booked = int(rng.poisson(level))
            missed = int(rng.binomial(booked, no_show))
            lines.append(
                f"{day};{service};{rng.poisson(level * weekday[day.weekday()])};{booked};{booked - missed};{missed};0"
            )
    return "\n".join(lines) + "\n"


def test_forecast_recovers_a_known_weekday_pattern():
    profile = [1.5, 1.0, 0.9, 1.2, 0.6]
    history = parse_history_csv(synthetic_history({"uebertrag": 80.0}, profile))
    model = fit_type(history, "uebertrag")
    factors = model.weekday_factors()
    for wd, want in enumerate(profile):
        assert factors[wd] == pytest.approx(want / profile[0], rel=0.06), (wd, factors)
    assert model.yearly_growth() == pytest.approx(1.0, abs=0.06)
    week = forecast(history, dt.date(2024, 1, 8), dt.date(2024, 1, 12), WEEKDAYS_OPEN).days
    means = [f.mean for f in week]
    assert means.index(max(means)) == 0 and means.index(min(means)) == 4
    assert all(f.low80 <= f.mean <= f.high80 for f in week)


def test_closed_days_get_zero():
    history = parse_history_csv(synthetic_history({"uebertrag": 50.0, "notfall": 10.0}, [1.0] * 5))
    days = forecast(history, dt.date(2024, 4, 29), dt.date(2024, 5, 5), WEEKDAYS_OPEN).days
    closed = {dt.date(2024, 5, 1), dt.date(2024, 5, 4), dt.date(2024, 5, 5)}  # Labour Day, weekend
    for f in days:
        if f.date in closed:
            assert (f.mean, f.low80, f.high80) == (0.0, 0, 0), f
        else:
            assert f.mean > 5 and f.high80 > 0, f
    office_closed = OfficeCalendar(
        weekdays=frozenset(range(5)), holidays="DE-BW", closed_dates=frozenset({dt.date(2024, 4, 30)})
    )
    assert all(f.mean == 0 for f in forecast(history, dt.date(2024, 4, 30), dt.date(2024, 4, 30), office_closed).days)


def test_malformed_row_gives_exit_2_and_names_its_line(tmp_path):
    text = synthetic_history({"uebertrag": 20.0}, [1.0] * 5).splitlines()
    fields = text[3].split(";")
    fields[2] = "12x"  # line 4 of the file: requests
    text[3] = ";".join(fields)
    path = tmp_path / "history.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["forecast", str(path), "--from", "2024-01-08", "--to", "2024-01-12"])
    assert result.exit_code == 2, result.output
    assert "history.csv line 4" in result.output and "requests" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "line, message",
    [
        ("2023-13-01;uebertrag;1;1;1;0;0", "is not a date"),
        ("2023-01-02;uebertrag;1;3;1;1;0", "is not booked 3"),
        ("2023-01-02;uebertrag;-1;1;1;0;0", "between 0 and"),
    ],
)
def test_row_problems_name_the_line(line, message):
    with pytest.raises(InputError) as err:
        parse_history_csv(f"{HEADER}\n2023-01-02;notfall;1;1;1;0;0\n{line}\n", "h.csv")
    assert err.value.problems[0].startswith("h.csv line 3: ") and message in err.value.problems[0]


def test_duplicate_rows_and_a_wrong_header_are_refused():
    with pytest.raises(InputError, match="appears twice"):
        parse_history_csv(f"{HEADER}\n2023-01-02;notfall;1;1;1;0;0\n2023-01-02;notfall;2;1;1;0;0\n")
    with pytest.raises(InputError, match="no column booked"):
        parse_history_csv("date;service;requests\n2023-01-02;notfall;1\n")


def test_history_limits(tmp_path, monkeypatch):
    from optimizer.history import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 3)
    with pytest.raises(InputError, match="more than 3 rows"):
        parse_history_csv(synthetic_history({"a": 1.0}, [1.0] * 5), "h.csv")
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n" * 200)
    with pytest.raises(InputError, match="MB accepted"):
        read_history(path)


def test_workbook_sheet_historie_is_read_and_errors_name_the_cell(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Historie"
    ws.append(["Datum", "Anliegen", "Anfragen", "Gebucht", "Erschienen", "Nicht erschienen", "Storniert"])
    ws.append([dt.datetime(2024, 1, 8), "uebertrag", 40, 30, 25, 4, 1])
    ws.append(["09.01.2024", "uebertrag", 35, 30, 26, 3, 1])
    good = tmp_path / "history.xlsx"
    wb.save(good)
    history = read_history(good)
    assert [(r.date, r.requests, r.no_show) for r in history.rows] == [
        (dt.date(2024, 1, 8), 40, 4),
        (dt.date(2024, 1, 9), 35, 3),
    ]
    ws.append([dt.datetime(2024, 1, 10), "uebertrag", "viele", 30, 26, 3, 1])
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    result = runner.invoke(app, ["forecast", str(bad), "--backtest"])
    assert result.exit_code == 2
    assert "Historie!C4" in result.output


def test_scenario_out_writes_requests_the_scenario_loader_accepts(tmp_path):
    services = {"uebertrag": 60.0, "eat_ausgabe": 40.0, "notfall": 8.0, "unknown_type": 5.0}
    history = tmp_path / "history.csv"
    history.write_text(synthetic_history(services, [1.2, 1.0, 1.0, 1.0, 0.8]), encoding="utf-8")
    out = tmp_path / "with_requests.json"
    result = runner.invoke(
        app,
        [
            "forecast",
            str(history),
            "--from",
            "2024-04-29",
            "--to",
            "2024-05-10",
            "--scenario",
            str(SAMPLE),
            "--out",
            str(out),
            "--plot",
            str(tmp_path / "f.png"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "unknown_type" in result.output  # named as left out
    scenario = load_scenario(out)
    assert {r.service for r in scenario.requests} == {"uebertrag", "eat_ausgabe", "notfall"}
    dates = {r.date for r in scenario.requests}
    assert min(dates) == dt.date(2024, 4, 29) and max(dates) == dt.date(2024, 5, 10)
    assert dt.date(2024, 5, 1) not in dates and dt.date(2024, 5, 9) not in dates  # holidays in BW
    assert {r.service for r in scenario.no_show_rates} == {"uebertrag", "eat_ausgabe", "notfall"}
    original = json.loads(SAMPLE.read_text(encoding="utf-8"))
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {k: v for k, v in written.items() if k not in ("requests", "no_show_rates")} == original
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_csv_has_one_row_per_office_day_and_type(tmp_path):
    history = tmp_path / "history.csv"
    history.write_text(synthetic_history({"uebertrag": 30.0, "notfall": 5.0}, [1.0] * 5), encoding="utf-8")
    out = tmp_path / "f.csv"
    result = runner.invoke(
        app, ["forecast", str(history), "--from", "2024-04-29", "--to", "2024-05-05", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "date;service;mean;low80;high80"
    assert len(lines) == 1 + 4 * 2  # Mon, Tue, Thu, Fri (1 May is a holiday) × 2 types
    assert (tmp_path / "f.png").exists()


def test_no_show_estimate_is_close_to_the_rate_and_finds_no_weekday_effect_in_pooled_data():
    history = parse_history_csv(synthetic_history({"uebertrag": 60.0}, [1.0] * 5, no_show=0.14, seed=3))
    (estimate,) = estimate_no_shows(history)
    assert estimate.history_rate == pytest.approx(0.14, abs=0.01)
    assert abs(estimate.estimated_rate - estimate.history_rate) < 0.02
    assert not estimate.by_weekday and len(set(estimate.rates.values())) == 1


def test_seasonal_naive_uses_the_same_weekday_52_weeks_earlier_times_growth():
    lines = [HEADER]
    for day in WEEKDAYS_OPEN.open_days(dt.date(2022, 1, 3), dt.date(2023, 12, 29)):
        count = 10 if day.year == 2022 else 12
        lines.append(f"{day};a;{count + (5 if day.weekday() == 0 else 0)};0;0;0;0")
    history = parse_history_csv("\n".join(lines) + "\n")
    growth = sum(r.requests for r in history.rows if r.date > dt.date(2022, 12, 30)) / sum(
        r.requests for r in history.rows if dt.date(2022, 1, 1) < r.date <= dt.date(2022, 12, 30)
    )
    monday, tuesday = dt.date(2024, 1, 8), dt.date(2024, 1, 9)
    assert seasonal_naive(history, "a", [monday, tuesday]) == pytest.approx([17 * growth, 12 * growth])


@pytest.mark.skipif(not (SHARED / "tools" / "make_history.py").exists(), reason="needs ../shared/tools")
def test_no_show_estimate_matches_make_history_within_two_points(tmp_path):
    text = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "make_history.py"), "--seed", "7", "--start", "2022-01-03"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    history = parse_history_csv(text)
    for e in estimate_no_shows(history):
        assert abs(e.estimated_rate - e.history_rate) <= 0.02, e
    uebertrag = next(e for e in estimate_no_shows(history) if e.service == "uebertrag")
    assert uebertrag.by_weekday and uebertrag.rates[0] > uebertrag.rates[2]  # Mondays: more no-shows
