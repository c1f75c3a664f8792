"""Test helpers: tiny scenarios, the plan checkers, a quick planner.

Every plan a test produces is checked by the project's own validator (`optimizer.check`) and, when
../shared (the team's specification and independent tools) sits beside the checkout, also by the
independent ../shared/tools/check_plan.py. Tests that need ../shared skip with `SHARED_MISSING` as
their reason when it is absent (a plain clone); `pytest -ra` lists them.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from optimizer.check import check_plan
from optimizer.cli.main import app
from optimizer.day.solution import SolveOptions
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.scenario import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
HAVE_SHARED = (SHARED / "tools" / "check_plan.py").is_file()
SHARED_MISSING = f"compares with the independent tools in ../shared, not beside this checkout ({SHARED})"
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason=SHARED_MISSING)
SAMPLE = ROOT / "data" / "sample.json"
MONDAY = "2024-04-22"
QUICK = SolveOptions(time_limit_s=10.0, workers=2, seed=0, gap_limit=0.0)


@functools.cache
def _import_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SHARED / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_shared_tool(name: str) -> ModuleType:
    """Import one of ../shared/tools/*.py as a module; skips the calling test when ../shared is absent."""
    if not HAVE_SHARED:
        pytest.skip(SHARED_MISSING)
    return _import_tool(name)


def shared_violations(scenario: dict, plan: Plan | dict) -> list[str]:
    """What ../shared/tools/check_plan.py finds wrong with a plan; skips the test when ../shared is absent."""
    plan_dict = plan.to_json_dict() if isinstance(plan, Plan) else plan
    checker = load_shared_tool("check_plan")
    return checker.check(json.loads(json.dumps(scenario)), json.loads(json.dumps(plan_dict)))


def own_violations(scenario: dict | Scenario, plan: Plan | dict) -> list[str]:
    """What the project's own validator (`slotplan check`) finds wrong with a plan."""
    parsed = scenario if isinstance(scenario, Scenario) else parse_scenario(scenario)
    plan_model = plan if isinstance(plan, Plan) else Plan.model_validate(plan)
    return [str(v) for v in check_plan(parsed, plan_model)]


def violations(scenario: dict, plan: Plan | dict) -> list[str]:
    """Every hard-rule violation our validator and (where present) the shared checker find; empty when
    the plan is valid. Each message says which checker found it."""
    found = [f"slotplan check: {v}" for v in own_violations(scenario, plan)]
    if HAVE_SHARED:
        found += [f"shared check_plan.py: {v}" for v in shared_violations(scenario, plan)]
    return found


def check_files(scenario_path: Path, plan_paths: list[Path]) -> subprocess.CompletedProcess:
    """Run the checkers as the command-line tools they are: `slotplan check` and, where ../shared is
    present, ../shared/tools/check_plan.py. The return code is the worse of the two, stdout both outputs."""
    args = [str(scenario_path), *map(str, plan_paths)]
    ours = CliRunner().invoke(app, ["check", *args])
    codes, out = [ours.exit_code], ours.output
    if HAVE_SHARED:
        theirs = subprocess.run(
            [sys.executable, str(SHARED / "tools" / "check_plan.py"), *args], capture_output=True, text=True
        )
        codes.append(theirs.returncode)
        out += theirs.stdout
    return subprocess.CompletedProcess(["check", *args], max(codes), stdout=out, stderr="")


def tiny(**changes) -> dict:
    """A one-counter office open 08:00–12:00 on Monday 2024-04-22, with two people and one request type.

    Keyword arguments replace top-level sections; `office`/`policy` entries are merged.
    """
    scenario = {
        "version": 1,
        "office": {
            "id": "tiny",
            "name": "Tiny office",
            "timezone": "Europe/Berlin",
            "granularity_min": 5,
            "opening_hours": {"mon": [["08:00", "12:00"]]},
            "closed_dates": [],
            "holidays": None,
            "counters": [{"id": "C1", "equipment": ["eat_reader"]}],
        },
        "service_types": [
            {
                "id": "uebertrag",
                "name": "Übertrag",
                "duration_min": 15,
                "skill": "uebertrag",
                "weight": 3.0,
                "same_day_share": 0.0,
                "equipment": ["eat_reader"],
            }
        ],
        "staff": [
            {"id": "S1", "name": "Anna", "skills": ["uebertrag"], "weekly_hours": 39},
            {"id": "S2", "name": "Mehmet", "skills": ["uebertrag"], "weekly_hours": 39},
        ],
        "availability": [
            {"staff": "S1", "date": MONDAY, "start": "08:00", "end": "12:00"},
            {"staff": "S2", "date": MONDAY, "start": "08:00", "end": "12:00"},
        ],
        "vacancies": [],
        "demand": [{"date": MONDAY, "service": "uebertrag", "count": 40}],
        "bookings": [],
        "policy": {
            "back_office_min": 0,
            "min_block_min": 60,
            "guides_min": 0,
            "same_day_release": ["08:00"],
            "calendar_horizon_days": 14,
        },
    }
    for key, value in changes.items():
        if key in ("office", "policy"):
            scenario[key] = {**scenario[key], **value}
        else:
            scenario[key] = copy.deepcopy(value)
    return scenario


def plan_ok(scenario: dict, date: str = MONDAY, options: SolveOptions = QUICK) -> Plan:
    """Plan a scenario dict for one date and assert the checkers find nothing."""
    plan = plan_day(parse_scenario(scenario), dt.date.fromisoformat(date), options)
    assert violations(scenario, plan) == []
    return plan
