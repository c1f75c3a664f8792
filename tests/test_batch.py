"""Many office-days in parallel (process pool and Ray), failures isolated; the template strategy."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from support import MONDAY, SAMPLE, check_files, load_shared_tool, needs_shared, tiny, violations
from test_properties import offices
from typer.testing import CliRunner

from optimizer.batch import SUMMARY_FILE, WORKER_DIED, BatchOptions, Job, _run_process, run_batch
from optimizer.cli.main import app
from optimizer.day.index import build_index
from optimizer.day.solution import DaySolution, SolveOptions
from optimizer.day.template import template_solution
from optimizer.errors import InfeasibleError
from optimizer.scenario import parse_scenario
from optimizer.strategies import plan_with_strategy

runner = CliRunner()
TUESDAY = "2024-04-23"
FAST = SolveOptions(time_limit_s=5.0, workers=1, seed=0, deterministic=True)


def _office(office_id: str, extra_type: bool = False) -> dict:
    """A tiny office open Monday and Tuesday; optionally a second request type and counter."""
    days = [MONDAY, TUESDAY]
    scenario = tiny(
        office={"id": office_id, "opening_hours": {"mon": [["08:00", "12:00"]], "tue": [["08:00", "11:00"]]}},
        availability=[{"staff": s, "date": d, "start": "08:00", "end": "12:00"} for s in ("S1", "S2") for d in days],
        demand=[{"date": d, "service": "uebertrag", "count": 20} for d in days],
        bookings=[{"id": "B1", "date": MONDAY, "start": "09:00", "service": "uebertrag"}],
    )
    if extra_type:
        scenario["office"]["counters"].append({"id": "C2", "equipment": []})
        scenario["service_types"].append(
            {
                "id": "notfall",
                "name": "Notfall",
                "duration_min": 30,
                "skill": "notfall",
                "weight": 4.0,
                "same_day_share": 0.5,
                "equipment": [],
            }
        )
        scenario["staff"][1]["skills"].append("notfall")
        scenario["demand"] += [{"date": d, "service": "notfall", "count": 3} for d in days]
    return scenario


def _write(folder: Path, name: str, scenario: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ray_session():
    """One local Ray for the whole module (its start-up takes seconds)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _plan_content(path: Path) -> dict:
    plan = json.loads(path.read_text(encoding="utf-8"))
    return {key: plan[key] for key in ("status", "assignments", "slots", "rebook")} | {
        "objective": plan["solver"]["objective"],
        "weighted_served": plan["kpis"]["weighted_served"],
    }


def test_ray_and_process_pool_give_the_same_plans(tmp_path, ray_session) -> None:
    folder = tmp_path / "offices"
    _write(folder, "a.json", _office("office-a"))
    _write(folder, "b.json", _office("office-b", extra_type=True))
    reports = {}
    for executor in ("process", "ray"):
        options = BatchOptions(out=tmp_path / executor, solve=FAST, jobs=2, executor=executor)
        reports[executor] = run_batch(folder, options, dt.date.fromisoformat(MONDAY), dt.date.fromisoformat(TUESDAY))
    for report in reports.values():
        assert report.exit_code == 0, [r.message for r in report.results]
        assert [(r.office, r.date.isoformat()) for r in report.results] == [
            ("office-a", MONDAY),
            ("office-a", TUESDAY),
            ("office-b", MONDAY),
            ("office-b", TUESDAY),
        ]
    assert {r.worker.split(":")[1] for r in reports["process"].results}.isdisjoint(
        {r.worker.split(":")[1] for r in reports["ray"].results}
    )  # really ran in other processes
    names = sorted(p.name for p in (tmp_path / "process").glob("office-*.json"))
    assert names == sorted(p.name for p in (tmp_path / "ray").glob("office-*.json")) and len(names) == 4
    for name in names:
        # One worker, a fixed seed and deterministic time: the plans are equal in full, not only in
        # status, objective and slot times.
        assert _plan_content(tmp_path / "process" / name) == _plan_content(tmp_path / "ray" / name), name
        scenario = _office("office-a") if name.startswith("office-a") else _office("office-b", True)
        assert violations(scenario, json.loads((tmp_path / "ray" / name).read_text(encoding="utf-8"))) == []


def test_a_broken_office_is_reported_and_the_others_finish(tmp_path) -> None:
    folder = tmp_path / "offices"
    _write(folder, "a-good.json", _office("good"))
    _write(folder, "b-not-json.json", "{ this is not json")
    bad = _office("unknown-staff")
    bad["availability"][0]["staff"] = "S999"
    _write(folder, "c-unknown-staff.json", bad)
    _write(folder, "d-no-guide.json", _office("no-guide") | {"policy": {**tiny()["policy"], "guides_min": 1}})
    _write(folder, "notes.txt", "not a scenario")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["batch", str(folder), "--date", MONDAY, "--out", str(out), "--jobs", "2", "--time-limit", "5"]
    )
    assert result.exit_code == 3, result.output  # the worst failure: infeasible (3) over bad input (2)
    assert sorted(p.name for p in out.glob("*.json")) == [SUMMARY_FILE, "good_2024-04-22.json"]
    assert check_files(folder / "a-good.json", [out / "good_2024-04-22.json"]).returncode == 0
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    outcomes = {Path(r["source"]).name: (r["outcome"], r["message"]) for r in summary["results"]}
    assert outcomes["a-good.json"][0] == "ok"
    assert outcomes["b-not-json.json"][0] == "input" and "not valid JSON" in outcomes["b-not-json.json"][1]
    assert outcomes["c-unknown-staff.json"] == ("input", "availability[0].staff: unknown staff 'S999'")
    assert outcomes["d-no-guide.json"][0] == "infeasible"
    no_guide = "guides_min=1, but nobody with skill 'guide' is present 08:00–12:00"
    assert no_guide in outcomes["d-no-guide.json"][1]
    assert summary["counts"] == {"ok": 1, "input": 2, "infeasible": 1, "crash": 0}
    assert summary["exit_code"] == 3
    assert "unknown staff 'S999'" in result.output and "1 ok, 2 input, 1 infeasible" in result.output


def test_a_crashing_job_is_reported_and_the_others_finish(tmp_path) -> None:
    scenario = parse_scenario(_office("office-a"))
    good = Job(0, "a.json", dt.date.fromisoformat(MONDAY), str(tmp_path), "template", FAST)
    crashing = Job(1, "a.json", dt.date.fromisoformat(TUESDAY), str(tmp_path), "no-such-strategy", FAST)
    results = []
    _run_process([(crashing, scenario), (good, scenario)], 2, results.append)
    by_date = {r.date.isoformat(): r for r in results}
    assert by_date[TUESDAY].outcome == "crash" and "ValueError" in by_date[TUESDAY].message
    assert by_date[MONDAY].outcome == "ok" and Path(by_date[MONDAY].path).exists()


class _KillsItsWorker:
    """Stands in for a scenario; unpickling it in the worker ends that process at once."""

    office = type("Office", (), {"id": "doomed"})()

    def __reduce__(self):
        return os._exit, (9,)


def test_a_dying_worker_is_reported_and_the_others_finish(tmp_path) -> None:
    scenario = parse_scenario(_office("office-a"))
    days = [dt.date.fromisoformat(d) for d in (MONDAY, TUESDAY)]
    tasks = [
        (Job(0, "a.json", days[0], str(tmp_path), "template", FAST), scenario),
        (Job(1, "doomed.json", days[0], str(tmp_path), "template", FAST), _KillsItsWorker()),
        (Job(2, "a.json", days[1], str(tmp_path), "template", FAST), scenario),
    ]
    results = []
    _run_process(tasks, 2, results.append)
    by_source = defaultdict(list)
    for r in results:
        by_source[r.source].append(r)
    assert [(r.outcome, r.message) for r in by_source["doomed.json"]] == [("crash", WORKER_DIED)]
    assert sorted(r.date.isoformat() for r in by_source["a.json"] if r.ok) == [MONDAY, TUESDAY]


def test_duplicate_office_ids_and_date_range(tmp_path) -> None:
    folder = tmp_path / "offices"
    _write(folder, "a.json", _office("same"))
    _write(folder, "b.json", _office("same"))
    report = run_batch(
        folder,
        BatchOptions(out=folder / "out", strategy="template", jobs=1),
        dt.date.fromisoformat(MONDAY),
        dt.date.fromisoformat(TUESDAY),
    )
    assert [(Path(r.source).name, r.outcome) for r in report.results] == [
        ("a.json", "ok"),
        ("a.json", "ok"),
        ("b.json", "input"),
    ]
    assert "overwrite" in report.results[-1].message and report.exit_code == 2
    # The plans written into a folder inside PATH are not taken for scenarios on the next run.
    again = run_batch(
        folder, BatchOptions(out=folder / "out", strategy="template", jobs=1), dt.date.fromisoformat(MONDAY)
    )
    assert [Path(r.source).name for r in again.results] == ["a.json", "b.json"]


# ---------------------------------------------------------------- the template strategy


def _one_counter_one_type(plan) -> None:
    seats = defaultdict(set)
    for a in plan.assignments:
        if a.activity == "service":
            seats[a.staff].add((a.counter, a.service))
    assert all(len(s) == 1 for s in seats.values()), {p: s for p, s in seats.items() if len(s) > 1}
    for slot in plan.slots:
        assert seats[slot.staff] == {(slot.counter, slot.service)}


@needs_shared  # scenarios from ../shared/tools/make_scenario.py
@pytest.mark.parametrize("date", ["2024-04-22", "2024-04-23", "2024-04-25", "2024-04-26", "2024-05-01"])
@pytest.mark.parametrize("booked", [0.0, 0.3])
def test_template_plans_pass_the_checker_with_one_counter_and_type_each(date, booked) -> None:
    scenario = load_shared_tool("make_scenario").build(30, 9, "2024-04-22", 7, booked)
    # make_scenario books appointments on public holidays too, which validation rightly refuses.
    scenario["bookings"] = [b for b in scenario["bookings"] if b["date"] != "2024-05-01"]
    plan = plan_with_strategy(parse_scenario(scenario), dt.date.fromisoformat(date), strategy="template")
    assert violations(scenario, plan) == []
    _one_counter_one_type(plan)
    assert plan.solver.strategy == "template" and plan.status in ("FEASIBLE", "OPTIMAL")
    assert plan.kpis["weighted_served"] <= plan.solver.bound + 1e-6
    if date == "2024-05-01":  # Labour Day: closed, no counter service
        assert plan.slots == [] and plan.kpis["weighted_served"] == 0
    else:
        assert plan.kpis["weighted_served"] > 0.5 * plan.solver.bound
        assert plan.kpis["guide_minutes"] > 0
    if booked:
        assert plan.kpis["bookings_held"] + len(plan.rebook) == sum(
            1 for b in scenario["bookings"] if b["date"] == date
        )


def test_template_on_the_sample_week_keeps_guides_first() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    scenario = parse_scenario(data)
    for date in scenario.dates():
        index = build_index(scenario, date)
        solution = template_solution(index)
        plan = plan_with_strategy(scenario, date, strategy="template")
        assert violations(data, plan) == []
        _one_counter_one_type(plan)
        guides = {index.people[p].id for p in solution.guide_steps}
        pure = {pd.id for pd in index.people if pd.can_guide and not pd.services}
        # People who can only guide take the entrance, handing over only when one must (Thursday's
        # opening is longer than a guide's counter-time limit): one guide on Monday, two on Thursday.
        assert guides <= pure
        assert len(guides) == (2 if date.weekday() == 3 else 1)


def test_template_is_the_fallback_when_the_solver_finds_no_plan_in_time(monkeypatch) -> None:
    """A solve that ends without any plan (status UNKNOWN) yields the template's plan, which obeys
    every hard rule and says so in `solver.strategy`."""
    import optimizer.pipeline as pipeline

    def no_plan(index, options, on_progress=None, started=None):
        return DaySolution(index=index, status="UNKNOWN", objective=0.0, bound=0.0, seconds=0.0, options=options)

    monkeypatch.setattr(pipeline, "solve_day", no_plan)
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    plan = plan_with_strategy(parse_scenario(data), dt.date.fromisoformat(MONDAY), FAST, "cp-sat")
    assert plan.solver.strategy == "template"
    assert violations(data, plan) == []
    assert plan.kpis["weighted_served"] > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices())
def test_template_on_random_offices_passes_the_checker(scenario: dict) -> None:
    try:
        plan = plan_with_strategy(parse_scenario(scenario), dt.date.fromisoformat(MONDAY), strategy="template")
    except InfeasibleError:
        return
    assert violations(scenario, plan) == []
    _one_counter_one_type(plan)


def test_strategy_template_through_the_cli(tmp_path) -> None:
    path = _write(tmp_path, "scenario.json", _office("office-a", extra_type=True))
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(path), "--strategy", "template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    plans = sorted(out.glob("office-a_*.json"))
    assert [p.name for p in plans] == ["office-a_2024-04-22.json", "office-a_2024-04-23.json"]
    assert check_files(path, plans).returncode == 0
    assert {json.loads(p.read_text(encoding="utf-8"))["solver"]["strategy"] for p in plans} == {"template"}
    bad = runner.invoke(app, ["batch", str(path), "--strategy", "by-hand", "--out", str(out)])
    assert bad.exit_code == 2 and "--strategy" in bad.output
