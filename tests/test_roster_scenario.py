"""The scenario-side roster: the roster section, its mapping to the roster problem, and roster → plan."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from support import QUICK, SAMPLE, check_files, violations
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.pipeline import plan_day
from optimizer.roster import problem as roster_rules
from optimizer.roster.engine import SolveOptions, solve
from optimizer.roster.from_scenario import roster_availability, roster_problem, worked_minutes
from optimizer.roster.problem import Cover, Employee, Request, RosterProblem, ShiftType, objective
from optimizer.roster.section import ShiftDef
from optimizer.scenario import parse_scenario

SECTION = Path(__file__).parent / "roster_fixtures" / "sample_roster_section.json"
MON, SUN = dt.date(2024, 4, 22), dt.date(2024, 4, 28)
runner = CliRunner()


def with_roster(sample: dict, **changes) -> dict:
    data = copy.deepcopy(sample)
    data["roster"] = {**json.loads(SECTION.read_text(encoding="utf-8")), **changes}
    return data


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


# --- the section ---------------------------------------------------------------------------------------


def test_scenarios_without_a_roster_section_still_load(sample: dict) -> None:
    scenario = parse_scenario(sample)
    assert scenario.roster is None
    assert "roster" not in scenario.to_json_dict()


def test_roster_section_round_trips(sample: dict) -> None:
    scenario = parse_scenario(with_roster(sample))
    assert [s.id for s in scenario.roster.shifts] == ["F", "K", "S", "D"]
    assert scenario.roster.shifts[0].start == 7 * 60
    again = parse_scenario(json.loads(json.dumps(scenario.to_json_dict())))
    assert again.roster == scenario.roster
    assert again.to_json_dict()["roster"]["shifts"][0]["start"] == "07:00"


def test_bad_section_fields_name_their_place(sample: dict) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario(with_roster(sample, shifts=[{"id": "F", "start": "7 Uhr", "end": "15:30"}]))
    assert any(p.startswith("roster.shifts[0].start") for p in err.value.problems)
    scenario = parse_scenario(
        with_roster(
            sample,
            contracts=[{"staff": "S999"}],
            wishes=[{"staff": "S001", "date": "2024-04-22", "shift": "X"}],
            cover=[{"weekday": "mon", "shift": "Q", "requirement": 1}],
        )
    )
    with pytest.raises(InputError) as err:
        roster_problem(scenario, MON, SUN)
    assert set(err.value.problems) >= {
        "roster.contracts[0].staff: unknown staff 'S999'",
        "roster.wishes[0].shift: unknown shift 'X'",
        "roster.cover[0].shift: unknown shift 'Q'",
    }


# --- the mapping -----------------------------------------------------------------------------------------


def test_mapping_of_contracts_and_office_days(sample: dict) -> None:
    mapped = roster_problem(parse_scenario(with_roster(sample)), MON, SUN)
    p = mapped.problem
    emps = {e.id: e for e in p.employees}
    assert p.days == 7 and p.first_weekday == 0 and len(emps) == len(sample["staff"])
    assert all({5, 6} <= e.days_off for e in p.employees)  # the office is closed at the weekend
    assert 4 in emps["S002"].days_off and 4 in emps["S019"].days_off and 0 in emps["S025"].days_off
    assert emps["S012"].max_shifts == {"F": 0, "S": 0, "D": 0}
    assert {s.id: s.minutes for s in p.shifts} == {"F": 480, "K": 360, "S": 480, "D": 480}
    assert mapped.targets["S001"] == 39 * 60 and mapped.targets["S002"] == 30 * 60 * 4 // 5
    assert (emps["S001"].min_minutes, emps["S001"].max_minutes) == (39 * 60 - 480, 39 * 60 + 480)
    assert emps["S001"].max_minutes_per_week == 47 * 60 and emps["S001"].max_consecutive == 5
    wish = next(r for r in p.requests if r.employee == "S010")
    assert (wish.day, wish.shift, wish.on, wish.weight) == (2, None, False, 3)


def test_derived_cover_follows_demand_and_guides(sample: dict) -> None:
    mapped = roster_problem(parse_scenario(with_roster(sample)), MON, SUN)
    cover = mapped.problem.cover
    assert not [c for c in cover if c.day in (5, 6)]
    staff = [c for c in cover if c.eligible is None]
    assert {c.day for c in staff} == {0, 1, 2, 3, 4} and all(c.requirement > 0 for c in staff)
    # on Monday (07:30–12:30) the late and the Thursday shift would spend most of their time after closing
    assert {c.shift for c in staff if c.day == 0} == {"F", "K"}
    assert {c.shift for c in staff if c.day == 3} == {"F", "K", "S", "D"}
    guides = {p["id"] for p in sample["staff"] if "guide" in p["skills"]}
    thursday = [c for c in cover if c.eligible is not None and c.day == 3]
    # Thursday 10:00–18:00 is covered by the late shift alone, which lies eight hours in opening hours
    assert [(c.shift, c.requirement, c.eligible) for c in thursday] == [("S", 2, frozenset(guides))]


def test_explicit_cover_and_rest(sample: dict) -> None:
    shifts = [{"id": "F", "start": "06:00", "end": "14:00"}, {"id": "N", "start": "14:00", "end": "22:00"}]
    scenario = parse_scenario(
        with_roster(
            sample,
            shifts=shifts,
            contracts=[],
            wishes=[],
            cover=[
                {"weekday": "mon", "shift": "F", "requirement": 3},
                {"date": "2024-04-23", "shift": "N", "requirement": 2, "skill": "guide", "under_weight": 7},
            ],
        )
    )
    p = roster_problem(scenario, MON, SUN).problem
    assert p.shift("N").forbidden_next == {"F"}  # 22:00 to 06:00 is 8 h of rest, less than 11
    assert p.shift("F").forbidden_next == frozenset()
    assert [(c.day, c.shift, c.requirement, c.under_weight) for c in p.cover] == [(0, "F", 3, 100), (1, "N", 2, 7)]
    assert p.cover[1].eligible == {s["id"] for s in sample["staff"] if "guide" in s["skills"]}


def test_worked_minutes_subtract_the_legal_break() -> None:
    assert worked_minutes(ShiftDef(id="a", start=420, end=780)) == 360
    assert worked_minutes(ShiftDef(id="b", start=420, end=930)) == 480
    assert worked_minutes(ShiftDef(id="c", start=420, end=1000)) == 535


# --- problem features the scenario uses -----------------------------------------------------------------


def test_any_shift_wishes_and_skilled_cover() -> None:
    shifts = (ShiftType("F", 480), ShiftType("S", 480))
    problem = RosterProblem(
        days=2,
        shifts=shifts,
        employees=(Employee("A"), Employee("B")),
        requests=(
            Request("A", 0, None, 5, on=False),
            Request("A", 1, None, 1, on=False),
            Request("B", 1, None, 2, on=True),
        ),
        cover=(Cover(0, "F", 1, 10, 1, frozenset({"A"})), Cover(0, "F", 1, 1, 1), Cover(1, "S", 1, 1, 1)),
    )
    result = solve(problem, SolveOptions(time_limit_s=10, workers=1))
    assert result.status == "optimal"
    # A wants both days off, but is the only one counted for day 0's skilled cover (10): A works day 0;
    # B wants to work day 1 on any shift, and the late shift needs someone
    assert result.roster == {("A", 0): "F", ("B", 1): "S"}
    assert result.objective == objective(problem, result.roster) == 5


# --- solving and writing availability -------------------------------------------------------------------


def test_roster_obeys_every_contract_and_becomes_availability(sample: dict) -> None:
    scenario = parse_scenario(with_roster(sample))
    mapped = roster_problem(scenario, MON, SUN)
    result = solve(mapped.problem, SolveOptions(time_limit_s=20, workers=2))
    assert result.status in ("optimal", "feasible")
    assert roster_rules.violations(mapped.problem, result.roster) == []
    updated = roster_availability(scenario, mapped, result.roster)
    inside = [a for a in updated.availability if MON <= a.date <= SUN]
    assert len(inside) == len(result.roster)
    assert not [a for a in inside if a.date.weekday() >= 5]
    assert not [a for a in inside if a.staff == "S002" and a.date == dt.date(2024, 4, 26)]
    assert {(a.start, a.end) for a in inside} <= {(420, 930), (450, 810), (570, 1080), (600, 1110)}
    parse_scenario(updated.to_json_dict())  # still a valid scenario


def test_cli_roster_then_plan_gives_valid_plans(sample: dict, tmp_path: Path) -> None:
    source = tmp_path / "scenario.json"
    source.write_text(json.dumps(with_roster(sample)), encoding="utf-8")
    out = tmp_path / "rostered.json"
    result = runner.invoke(
        app,
        ["roster", str(source), "--from", "2024-04-22", "--to", "2024-04-26", "--out", str(out), "--time-limit", "20"],
    )
    assert result.exit_code == 0, result.output
    assert "S001" in result.output and "written" in result.output
    rostered = json.loads(out.read_text(encoding="utf-8"))
    scenario = parse_scenario(rostered)
    plan = plan_day(scenario, dt.date(2024, 4, 25), replace(QUICK, time_limit_s=5.0))  # a valid plan is the point
    assert violations(rostered, plan) == []
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan.to_json_dict()), encoding="utf-8")
    checked = check_files(out, [plan_path])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_cli_input_errors_exit_2(sample: dict, tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(sample), encoding="utf-8")
    args = ["--out", str(tmp_path / "o.json")]
    no_section = runner.invoke(app, ["roster", str(plain), "--from", "2024-04-22", "--to", "2024-04-26", *args])
    assert no_section.exit_code == 2 and "roster:" in no_section.output
    source = tmp_path / "scenario.json"
    source.write_text(json.dumps(with_roster(sample, contracts=[{"staff": "S999"}])), encoding="utf-8")
    unknown = runner.invoke(app, ["roster", str(source), "--from", "2024-04-22", "--to", "2024-04-26", *args])
    assert unknown.exit_code == 2 and "roster.contracts[0].staff" in unknown.output
    backwards = runner.invoke(app, ["roster", str(source), "--from", "2024-04-26", "--to", "2024-04-22", *args])
    assert backwards.exit_code == 2
    missing = runner.invoke(app, ["roster", str(source), "--from", "2024-04-22", *args])
    assert missing.exit_code == 2 and "--from/--to" in missing.output
    both = runner.invoke(app, ["roster", str(source), "--curtois", "x.txt", *args])
    assert both.exit_code == 2


def test_cli_impossible_contract_exits_3(sample: dict, tmp_path: Path) -> None:
    source = tmp_path / "scenario.json"
    contract = {"staff": "S001", "weekly_hours": 60, "hours_flex": 0, "max_weekly_hours": 48}
    source.write_text(json.dumps(with_roster(sample, contracts=[contract])), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "roster",
            str(source),
            "--from",
            "2024-04-22",
            "--to",
            "2024-04-26",
            "--out",
            str(tmp_path / "o.json"),
            "--time-limit",
            "10",
        ],
    )
    assert result.exit_code == 3 and "S001" in result.output


def test_unconverged_root_far_from_its_lp_hands_over_to_the_polish() -> None:
    """Only a root that has not converged, with a roster more than `FAR_FROM_LP` above the LP, counts as astray."""
    from types import SimpleNamespace

    from optimizer.roster import engine

    def astray(converged: bool, lp: float, value: int | None) -> bool:
        cg = SimpleNamespace(stats=SimpleNamespace(converged=converged, lp_value=lp))
        return engine._columns_astray(cg, engine._Best(value=value))  # type: ignore[arg-type]

    far = round(1000 * (1 + engine.FAR_FROM_LP)) + 1
    assert astray(False, 1000.0, far)
    assert not astray(True, 1000.0, far)  # a converged root's dive is trusted
    assert not astray(False, 1000.0, 1000)  # close to the LP
    assert not astray(False, float("inf"), far)  # no LP value yet
    assert not astray(False, 1000.0, None)  # no roster yet
