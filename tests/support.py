"""Test helpers: tiny scenarios, the independent checker, a quick planner."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from optimizer.day.solve import SolveOptions
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample.json"
MONDAY = "2024-04-22"
QUICK = SolveOptions(time_limit_s=10.0, workers=2, seed=0, gap_limit=0.0)


def load_shared_tool(name: str):
    """Import one of ../shared/tools/*.py as a module."""
    spec = importlib.util.spec_from_file_location(name, SHARED / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKER = load_shared_tool("check_plan")


def violations(scenario: dict, plan: Plan | dict) -> list[str]:
    """What ../shared/tools/check_plan.py finds wrong with a plan (empty when it obeys every hard rule)."""
    plan_dict = plan.to_json_dict() if isinstance(plan, Plan) else plan
    return CHECKER.check(json.loads(json.dumps(scenario)), plan_dict)


def check_files(scenario_path: Path, plan_paths: list[Path]) -> subprocess.CompletedProcess:
    """Run the checker as the command-line tool it is."""
    return subprocess.run([sys.executable, str(SHARED / "tools" / "check_plan.py"), str(scenario_path),
                           *map(str, plan_paths)], capture_output=True, text=True)


def tiny(**changes) -> dict:
    """A one-counter office open 08:00–12:00 on Monday 2024-04-22, with two people and one request type.

    Keyword arguments replace top-level sections; `office`/`policy` entries are merged.
    """
    scenario = {
        "version": 1,
        "office": {"id": "tiny", "name": "Tiny office", "timezone": "Europe/Berlin", "granularity_min": 5,
                   "opening_hours": {"mon": [["08:00", "12:00"]]}, "closed_dates": [], "holidays": None,
                   "counters": [{"id": "C1", "equipment": ["eat_reader"]}]},
        "service_types": [{"id": "uebertrag", "name": "Übertrag", "duration_min": 15, "skill": "uebertrag",
                           "weight": 3.0, "same_day_share": 0.0, "equipment": ["eat_reader"]}],
        "staff": [{"id": "S1", "name": "Anna", "skills": ["uebertrag"], "weekly_hours": 39},
                  {"id": "S2", "name": "Mehmet", "skills": ["uebertrag"], "weekly_hours": 39}],
        "availability": [{"staff": "S1", "date": MONDAY, "start": "08:00", "end": "12:00"},
                         {"staff": "S2", "date": MONDAY, "start": "08:00", "end": "12:00"}],
        "vacancies": [],
        "demand": [{"date": MONDAY, "service": "uebertrag", "count": 40}],
        "bookings": [],
        "policy": {"back_office_min": 0, "min_block_min": 60, "guides_min": 0,
                   "same_day_release": ["08:00"], "calendar_horizon_days": 14},
    }
    for key, value in changes.items():
        if key in ("office", "policy"):
            scenario[key] = {**scenario[key], **value}
        else:
            scenario[key] = copy.deepcopy(value)
    return scenario


def plan_ok(scenario: dict, date: str = MONDAY, options: SolveOptions = QUICK) -> Plan:
    """Plan a scenario dict for one date and assert the independent checker finds nothing."""
    plan = plan_day(parse_scenario(scenario), dt.date.fromisoformat(date), options)
    assert violations(scenario, plan) == []
    return plan
