"""`slotplan explain`: what limits each request type, in words."""

from __future__ import annotations

import json

from support import MONDAY, plan_ok, tiny
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.explain import explain_limits
from optimizer.scenario import parse_scenario

runner = CliRunner()


def test_counter_limited_type_names_the_counters() -> None:
    scenario = tiny()  # two people, one eAT counter, demand 40
    lines = explain_limits(parse_scenario(scenario), plan_ok(scenario))
    assert lines == ["Übertrag demand 40, served 16: limited by counters with eat_reader 08:00–12:00"]


def test_staff_limited_type_names_the_skill() -> None:
    scenario = tiny(
        staff=tiny()["staff"][:1],
        availability=tiny()["availability"][:1],
        office={"counters": [{"id": f"C{i}", "equipment": ["eat_reader"]} for i in range(3)]},
    )
    lines = explain_limits(parse_scenario(scenario), plan_ok(scenario))
    assert lines == ["Übertrag demand 40, served 16: limited by people with skill 'uebertrag' 08:00–12:00"]


def test_met_demand_and_infeasible_day(tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(tiny(demand=[{"date": MONDAY, "service": "uebertrag", "count": 3}])), encoding="utf-8")
    result = runner.invoke(app, ["explain", str(path), "--date", MONDAY, "--time-limit", "2"])
    assert result.exit_code == 0 and "Übertrag demand 3, served 3: demand met" in result.output
    path.write_text(json.dumps(tiny(policy={"guides_min": 1})), encoding="utf-8")
    result = runner.invoke(app, ["explain", str(path), "--date", MONDAY])
    assert result.exit_code == 3 and "nobody with skill 'guide' is present 08:00–12:00" in result.output
