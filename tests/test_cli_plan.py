"""`slotplan plan` end to end: files, exit codes, reasons."""

from __future__ import annotations

import datetime as dt
import json

from support import MONDAY, SAMPLE, check_files, tiny
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.day.diagnose import conflicting_families
from optimizer.day.index import build_index
from optimizer.day.solution import SolveOptions
from optimizer.scenario import load_scenario, parse_scenario
from optimizer.strategies import plan_with_strategy

runner = CliRunner()


def test_sample_day_plan_passes_the_checker(tmp_path) -> None:
    result = runner.invoke(app, ["plan", str(SAMPLE), "--date", MONDAY, "--out", str(tmp_path), "--time-limit", "10"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "abh-servicepoint_2024-04-22.json"
    assert path.exists() and not list(tmp_path.glob(".*.tmp"))
    checked = check_files(SAMPLE, [path])
    assert checked.returncode == 0, checked.stdout
    assert "0 violations" in checked.stdout
    plan = json.loads(path.read_text(encoding="utf-8"))
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    # The bound is the LP relaxation without sittings: a valid bound, not a close one (docs/day-model.md).
    assert plan["solver"]["objective"] <= plan["solver"]["bound"] + 1e-6
    template = plan_with_strategy(load_scenario(SAMPLE), dt.date.fromisoformat(MONDAY), strategy="template")
    assert plan["kpis"]["weighted_served"] >= template.kpis["weighted_served"]
    assert plan["solver"]["workers"] == 2 and plan["solver"]["time_limit_s"] == 10
    assert "Übertrag eAT auf neuen Pass" in result.output  # the summary table
    assert plan["rebook"] == [] and plan["kpis"]["bookings_held"] == 34


def _write(tmp_path, scenario: dict):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


def test_no_guide_present_is_infeasible_with_reason(tmp_path) -> None:
    path = _write(tmp_path, tiny(policy={"guides_min": 1}))
    result = runner.invoke(app, ["plan", str(path), "--date", MONDAY, "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "guides_min=1, but nobody with skill 'guide' is present 08:00–12:00" in result.output
    assert not (tmp_path / "out").exists()


def test_conflicting_rules_are_named(tmp_path) -> None:
    # One guide all day long: the law's break cannot fall outside the opening hours.
    scenario = tiny(
        staff=[{"id": "S1", "name": "A", "skills": ["guide"], "weekly_hours": 39}],
        availability=[{"staff": "S1", "date": MONDAY, "start": "07:00", "end": "17:00"}],
        office={"opening_hours": {"mon": [["07:00", "17:00"]]}},
        policy={"guides_min": 1},
    )
    result = runner.invoke(
        app,
        [
            "plan",
            str(_write(tmp_path, scenario)),
            "--date",
            MONDAY,
            "--time-limit",
            "5",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 3
    assert "guides" in result.output and "back_office" in result.output and "break minutes" in result.output


def test_range_writes_one_file_per_date(tmp_path) -> None:
    scenario = tiny(
        availability=tiny()["availability"] + [{"staff": "S1", "date": "2024-04-23", "start": "08:00", "end": "12:00"}]
    )
    result = runner.invoke(
        app,
        [
            "plan",
            str(_write(tmp_path, scenario)),
            "--date",
            MONDAY,
            "--to",
            "2024-04-23",
            "--out",
            str(tmp_path / "out"),
            "--time-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["tiny_2024-04-22.json", "tiny_2024-04-23.json"]
    assert check_files(_write(tmp_path, scenario), sorted((tmp_path / "out").iterdir())).returncode == 0


def test_plan_writes_review_workbook_and_exports(tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(_write(tmp_path, tiny())),
            "--date",
            MONDAY,
            "--out",
            str(out),
            "--time-limit",
            "5",
            "--excel",
            str(out / "review.xlsx"),
            "--export",
            "zms,ics,csv",
        ],
    )
    assert result.exit_code == 0, result.output
    exports = sorted(p.name for p in (out / "exports").iterdir())
    assert exports == ["tiny_2024-04-22.csv", "tiny_2024-04-22.ics", "tiny_2024-04-22.zms.json"]
    assert (out / "review.xlsx").read_bytes()[:2] == b"PK"
    bad = runner.invoke(app, ["plan", str(_write(tmp_path, tiny())), "--date", MONDAY, "--export", "pdf"])
    assert bad.exit_code == 2 and "--export" in bad.output


def test_deterministic_runs_repeat(tmp_path) -> None:
    scenario = tiny(
        service_types=tiny()["service_types"]
        + [
            {
                "id": "notfall",
                "name": "Notfall",
                "duration_min": 30,
                "skill": "uebertrag",
                "weight": 4.0,
                "same_day_share": 0.5,
                "equipment": [],
            }
        ],
        office={"counters": [{"id": "C1", "equipment": ["eat_reader"]}, {"id": "C2", "equipment": []}]},
        demand=[
            {"date": MONDAY, "service": "uebertrag", "count": 9},
            {"date": MONDAY, "service": "notfall", "count": 5},
        ],
    )
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        result = runner.invoke(
            app,
            [
                "plan",
                str(_write(tmp_path, scenario)),
                "--date",
                MONDAY,
                "--out",
                str(out),
                "--time-limit",
                "1",  # deterministic time, not seconds: the same search however loaded the machine is
                "--deterministic",
                "--seed",
                "7",
            ],
        )
        assert result.exit_code == 0, result.output
        plan = json.loads((out / "tiny_2024-04-22.json").read_text(encoding="utf-8"))
        outputs.append((plan["assignments"], plan["slots"]))
    assert outputs[0] == outputs[1]


def test_skill_conflict_names_the_skills_family(tmp_path) -> None:
    # Bookings cannot make a day infeasible, but guide duty nobody may do can: only the skills
    # rule stands between the one guide-less person and the entrance.
    scenario = tiny(
        staff=[
            {"id": "S1", "name": "A", "skills": ["uebertrag"], "weekly_hours": 39},
            {"id": "S2", "name": "B", "skills": ["guide"], "weekly_hours": 39},
        ],
        availability=[
            {"staff": "S1", "date": MONDAY, "start": "08:00", "end": "12:00"},
            {"staff": "S2", "date": MONDAY, "start": "08:00", "end": "10:00"},
        ],
        policy={"guides_min": 1},
    )
    index = build_index(parse_scenario(scenario), dt.date.fromisoformat(MONDAY))
    assert set(conflicting_families(index, SolveOptions(time_limit_s=5))) == {"guides", "skills"}
