"""Vacancies what-if: hypothetical staff, gains, the ranking of single vacancies, the CLI and its sheet."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from support import MONDAY, tiny, violations
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.clock import parse_hhmm
from optimizer.day.solution import SolveOptions
from optimizer.errors import InputError
from optimizer.pipeline import plan_day
from optimizer.scenario import parse_scenario
from optimizer.whatif import (
    Gain,
    Outcome,
    best_known,
    extend_plan,
    hypothetical_staff,
    typical_shift,
    what_if,
)

TUESDAY, WEDNESDAY = "2024-04-23", "2024-04-24"
DATES = [dt.date.fromisoformat(d) for d in (MONDAY, TUESDAY, WEDNESDAY)]
OPTIONS = SolveOptions(time_limit_s=2.0, workers=2, seed=0, deterministic=True)
"""Deterministic time: the comparisons below need every solve at its optimum, whatever the machine's load."""
runner = CliRunner()


def office() -> dict:
    """Open Mon and Tue 08:00–12:00 (Wed closed); two eAT counters and a plain one; one person who does
    Übertrag. Demand exceeds what she can serve, so posts that add Übertrag or Verlust capacity help."""
    people = [{"id": "S1", "name": "Anna", "skills": ["uebertrag"], "weekly_hours": 39}]
    return tiny(
        office={
            "opening_hours": {"mon": [["08:00", "12:00"]], "tue": [["08:00", "12:00"]]},
            "counters": [
                {"id": "C1", "equipment": ["eat_reader"]},
                {"id": "C2", "equipment": ["eat_reader"]},
                {"id": "C3", "equipment": []},
            ],
        },
        service_types=tiny()["service_types"]
        + [
            {
                "id": "verlust",
                "name": "Verlustanzeige",
                "duration_min": 20,
                "skill": "verlust",
                "weight": 2.0,
                "same_day_share": 0.0,
                "equipment": [],
            }
        ],
        staff=people,
        availability=[{"staff": "S1", "date": d, "start": "08:00", "end": "12:00"} for d in (MONDAY, TUESDAY)],
        demand=[
            {"date": d, "service": k, "count": n}
            for d in (MONDAY, TUESDAY)
            for k, n in (("uebertrag", 30), ("verlust", 10))
        ],
        vacancies=[
            {"id": "V1", "title": "Sachbearbeitung", "skills": ["uebertrag"], "weekly_hours": 20},
            {"id": "V2", "title": "Verlust", "skills": ["verlust"], "weekly_hours": 20},
            {"id": "V3", "title": "Teilzeit", "skills": ["uebertrag"], "weekly_hours": 10},
        ],
    )


@pytest.fixture(scope="module")
def report():
    return what_if(parse_scenario(office()), DATES, None, OPTIONS)


def test_typical_shift_follows_opening_hours_and_weekly_hours() -> None:
    scenario = parse_scenario(office())
    monday, wednesday = DATES[0], DATES[2]
    # 39 h: 7 h 45 min of work + 30 min break = 8 h 15 min, from 30 min before opening.
    assert typical_shift(scenario, 39, monday) == (parse_hhmm("07:30"), parse_hhmm("15:45"))
    assert typical_shift(scenario, 20, monday) == (parse_hhmm("08:00"), parse_hhmm("12:00"))  # exactly the hours
    assert typical_shift(scenario, 10, monday) == (parse_hhmm("08:00"), parse_hhmm("10:00"))  # a morning
    assert typical_shift(scenario, 50, monday) == (parse_hhmm("07:30"), parse_hhmm("18:15"))  # 10 h + 45 min
    assert typical_shift(scenario, 39, wednesday) is None  # closed
    assert typical_shift(scenario, 0, monday) is None


def test_hypothetical_staff_plans_lawfully_for_any_hours() -> None:
    data = office()
    data["vacancies"] += [
        {"id": f"H{h}", "title": f"{h} h", "skills": ["uebertrag", "verlust"], "weekly_hours": h}
        for h in (39, 45, 50, 32)
    ]
    scenario = parse_scenario(data)
    ids = ["H39", "H45", "H50", "H32"]
    filled = hypothetical_staff(scenario, ids, DATES)
    assert [p.id for p in filled.staff] == ["S1", *ids]
    assert [v.id for v in filled.vacancies] == ["V1", "V2", "V3"]
    assert {a.date for a in filled.availability if a.staff == "H39"} == set(DATES[:2])  # open dates only
    again = parse_scenario(filled.to_json_dict())  # still a valid scenario: cross-checks pass
    plan = plan_day(filled, DATES[0], OPTIONS)
    assert violations(again.to_json_dict(), plan) == []
    # The base plan with the new people in back office around a lawful break is a plan of `filled` too.
    extended = extend_plan(plan_day(scenario, DATES[0], OPTIONS), filled)
    assert violations(again.to_json_dict(), extended) == []
    assert {a.activity for a in extended.assignments if a.staff == "H50"} == {"back_office", "break"}


def test_filling_a_vacancy_gains(report) -> None:
    assert report.dates == tuple(DATES[:2]) and [d for d, _ in report.skipped] == [DATES[2]]
    assert report.gain.weighted > 0 and report.gain.noise == 0 and not report.gain.within_noise
    assert report.gain.proven == report.gain.weighted  # every plan optimal: the gain is exact
    rows = {r.service: r for r in report.service_rows()}
    assert rows["uebertrag"].gain == 2 * 14 and rows["verlust"].gain == 2 * 10  # demand met on both days
    assert report.days_per_week == 2 and report.per_day(rows["uebertrag"].gain) == 14
    assert report.per_week(rows["uebertrag"].gain) == 28  # the mean day times the office's 2 opening days
    assert report.gain.weighted == pytest.approx(2 * (14 * 3 + 10 * 2))
    # Filled, all demand is served, which is also what the counters allow; the base is far below.
    assert report.limit() == "demand" and report.ceiling == report.filled.weighted == 2 * 110
    assert report.counter_bound_days() == [] and report.headroom == 2 * 62
    assert report.unplanned_weekdays() == []  # Mon and Tue: the office's whole week


def test_ranking_is_the_sorted_single_runs(report) -> None:
    scenario = parse_scenario(office())
    independent = {}
    for vid in ("V1", "V2", "V3"):
        staffed = hypothetical_staff(scenario, [vid], DATES)
        independent[vid] = sum(
            plan_day(staffed, d, OPTIONS).kpis["weighted_served"]
            - plan_day(scenario, d, OPTIONS).kpis["weighted_served"]
            for d in DATES[:2]
        )
    ranked = [(v.vacancy.id, v.gain.weighted) for v in report.singles]
    assert ranked == sorted(independent.items(), key=lambda kv: -kv[1])
    assert [v.vacancy.id for v in report.singles] == ["V1", "V3", "V2"]
    assert [v.rank for v in report.singles] == [1, 2, 3]


def test_filling_every_vacancy_gains_at_least_any_single_one(report) -> None:
    statuses = report.base.statuses + report.filled.statuses
    statuses += tuple(s for v in report.singles for s in v.outcome.statuses)
    assert set(statuses) == {"OPTIMAL"}  # so the objectives compared are optima
    assert report.gain.weighted >= max(v.gain.weighted for v in report.singles)
    assert report.gain.weighted < sum(v.gain.weighted for v in report.singles)  # V1 and V3 compete for demand


def test_every_plan_passes_the_checker(report) -> None:
    base = office()
    for plan in report.base.plans:
        assert violations(base, plan) == []
    filled = report.filled_scenario.to_json_dict()
    assert {p["id"] for p in filled["staff"]} == {"S1", "V1", "V2", "V3"}
    for plan in report.filled.plans:
        assert violations(filled, plan) == []
        assert {a.staff for a in plan.assignments} >= {"V1", "V2"}
    for v in report.singles:
        alone = hypothetical_staff(report.scenario, [v.vacancy.id], DATES).to_json_dict()
        for plan in v.outcome.plans:
            assert violations(alone, plan) == []


def test_a_smaller_staffing_plan_extends_lawfully_and_is_kept_when_better(report) -> None:
    filled = report.filled_scenario
    base_plan = report.base.plans[0]
    extended = extend_plan(base_plan, filled, note="test")
    assert violations(filled.to_json_dict(), extended) == []
    assert extended.kpis["weighted_served"] == base_plan.kpis["weighted_served"]
    assert {a.activity for a in extended.assignments if a.staff == "V1"} == {"back_office"}  # 4 h: no break
    # A "solve" that found only the base plan loses to V1's plan extended to the full staffing.
    v1 = next(v.outcome for v in report.singles if v.vacancy.id == "V1")
    weak = Outcome(report.fill, tuple(extend_plan(p, filled) for p in report.base.plans))
    kept = best_known(weak, filled, [("base", report.base), ("V1 alone", v1)])
    assert kept.sources == ("kept V1 alone", "kept V1 alone")
    assert kept.weighted == v1.weighted > weak.weighted
    for plan in kept.plans:
        assert violations(filled.to_json_dict(), plan) == []
        assert plan.kpis["staff_present"] == 4


def test_identical_posts_share_one_run_and_rank_equal() -> None:
    data = office()
    data["vacancies"] = [
        {"id": i, "title": "Sachbearbeitung", "skills": ["uebertrag"], "weekly_hours": 10} for i in ("V7", "V8")
    ]
    result = what_if(parse_scenario(data), DATES[:1], ["V8", "V7"], OPTIONS)
    assert result.fill == ("V8", "V7") and result.unplanned_weekdays() == ["tue"]
    assert any("no tue was planned" in note for note in result.notes())
    assert [(v.vacancy.id, v.rank, v.shared_with) for v in result.singles] == [("V8", 1, None), ("V7", 1, "V8")]
    assert result.singles[0].gain == result.singles[1].gain
    # Two morning posts, but with Anna only two eAT counters: together they add what one adds.
    assert result.gain.weighted == result.singles[0].gain.weighted == 8 * 3


def test_noise_flag() -> None:
    assert Gain({}, weighted=3.0, noise=5.0, proven=-2.0).within_noise
    assert not Gain({}, weighted=8.0, noise=5.0, proven=3.0).within_noise
    assert not Gain({}, weighted=0.0, noise=0.0, proven=0.0).within_noise  # optimal: an exact zero


def test_unknown_vacancy_is_named() -> None:
    with pytest.raises(InputError, match="unknown vacancy 'V9'"):
        what_if(parse_scenario(office()), DATES, ["V1", "V9"], OPTIONS)


def _write(tmp_path, scenario: dict):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


def test_cli_unknown_vacancy_exits_2(tmp_path) -> None:
    result = runner.invoke(app, ["whatif", str(_write(tmp_path, office())), "--date", MONDAY, "--fill", "V1,V99,X"])
    assert result.exit_code == 2
    assert "unknown vacancy 'V99'" in result.output and "unknown vacancy 'X'" in result.output
    assert "'V1'" not in result.output.split("unknown vacancy 'V99'")[0]


@pytest.mark.parametrize(
    "args",
    [
        ["--date", MONDAY, "--from", MONDAY, "--to", TUESDAY],
        ["--from", MONDAY],
        ["--date", MONDAY, "--fill", "V1", "--fill-all"],
        ["--date", "Montag"],
    ],
)
def test_cli_bad_options_exit_2(tmp_path, args) -> None:
    result = runner.invoke(app, ["whatif", str(_write(tmp_path, office())), *args])
    assert result.exit_code == 2, result.output


def test_cli_prints_tables_and_writes_the_vakanzen_sheet(tmp_path) -> None:
    out = tmp_path / "whatif.xlsx"
    result = runner.invoke(
        app,
        [
            "whatif",
            str(_write(tmp_path, office())),
            "--from",
            MONDAY,
            "--to",
            WEDNESDAY,
            "--fill",
            "V2",
            "--time-limit",
            "2",
            "--deterministic",
            "--excel",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped 2024-04-24" in result.output
    assert "Per-week figures extrapolate" not in result.output
    assert "Marginal value" in result.output and "Verlust" in result.output and "+40.0" in result.output
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames[0] == "Vakanzen" and wb.active.title == "Vakanzen"
    assert "Woche" in wb.sheetnames and "Tagesplan 2024-04-22" in wb.sheetnames
    texts = [c.value for row in wb["Vakanzen"].iter_rows() for c in row if c.value is not None]
    assert "Verlustanzeige" in texts and "V2 – Verlust" in texts
    assert all(not (isinstance(t, str) and t.startswith("=")) for t in texts)
    names = [c.value for c in wb["Tagesplan 2024-04-22"]["B"] if c.value]
    assert "Verlust" in names  # the filled post appears by its title
