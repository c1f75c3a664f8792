"""`slotplan plan` on a folder of offices, or with --jobs / --executor ray: the batch engine behind `plan`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import MONDAY, check_files, violations
from test_batch import TUESDAY, _office, _write
from typer.testing import CliRunner

from optimizer.batch import SUMMARY_FILE
from optimizer.cli.main import app

runner = CliRunner()


def _plan(*args: str):
    return runner.invoke(app, ["plan", *map(str, args)])


def _summary(out: Path) -> dict:
    return json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))


def _assert_checked(scenario: dict, plan_path: Path) -> dict:
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    assert violations(scenario, plan) == [], plan_path.name
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    return plan


def test_plan_on_a_folder_with_jobs_writes_every_office_day(tmp_path) -> None:
    folder = tmp_path / "offices"
    scenarios = {"office-a": _office("office-a"), "office-b": _office("office-b", extra_type=True)}
    for office, scenario in scenarios.items():
        _write(folder, f"{office}.json", scenario)
    out = tmp_path / "out"
    # No --date: every date each scenario mentions (Monday and Tuesday).
    result = _plan(folder, "--jobs", "2", "--time-limit", "2", "--out", out, "--export", "csv")
    assert result.exit_code == 0, result.output
    expected = [f"{o}_{d}.json" for o in scenarios for d in (MONDAY, TUESDAY)]
    assert sorted(p.name for p in out.glob("office-*.json")) == expected
    for name in expected:
        plan = _assert_checked(scenarios[name.split("_")[0]], out / name)
        assert plan["solver"]["workers"] == 1  # the default with --jobs 2
        assert plan["solver"]["time_limit_s"] == 2
    assert check_files(folder / "office-b.json", sorted(out.glob("office-b_*.json"))).returncode == 0
    summary = _summary(out)
    assert summary["jobs"] == 2 and summary["executor"] == "process" and summary["exit_code"] == 0
    assert summary["counts"]["ok"] == 4
    assert str(os.getpid()) not in {r["worker"].split(":")[1] for r in summary["results"]}
    # --export with a folder: one file per office, of that office's planned days.
    assert sorted(p.name for p in (out / "exports").iterdir()) == [f"{o}_{MONDAY}_{TUESDAY}.csv" for o in scenarios]
    assert "4 office-days" in result.output and "4 ok" in result.output


def test_plan_reports_a_broken_office_and_the_others_finish(tmp_path) -> None:
    folder = tmp_path / "offices"
    good = {"a-good": _office("a-good"), "c-good": _office("c-good", extra_type=True)}
    _write(folder, "a-good.json", good["a-good"])
    broken = _office("b-broken")
    broken["availability"][0]["staff"] = "S999"
    _write(folder, "b-broken.json", broken)
    _write(folder, "c-good.json", good["c-good"])
    out = tmp_path / "out"
    result = _plan(folder, "--date", MONDAY, "--jobs", "2", "--time-limit", "2", "--out", out)
    assert result.exit_code == 2, result.output  # bad input is the worst outcome
    assert sorted(p.name for p in out.glob("*.json")) == [
        f"a-good_{MONDAY}.json",
        SUMMARY_FILE,
        f"c-good_{MONDAY}.json",
    ]
    for office, scenario in good.items():
        _assert_checked(scenario, out / f"{office}_{MONDAY}.json")
    outcomes = {Path(r["source"]).name: (r["outcome"], r["message"]) for r in _summary(out)["results"]}
    assert outcomes == {
        "a-good.json": ("ok", ""),
        "c-good.json": ("ok", ""),
        "b-broken.json": ("input", "availability[0].staff: unknown staff 'S999'"),
    }
    assert "unknown staff 'S999'" in result.output and "2 ok, 1 input" in result.output
    assert "Traceback" not in result.output


def test_plan_one_file_with_jobs_runs_in_parallel_and_keeps_excel(tmp_path) -> None:
    scenario = _office("office-a")
    path = _write(tmp_path, "office-a.json", scenario)
    out = tmp_path / "out"
    result = _plan(path, "--jobs", "2", "--strategy", "template", "--out", out, "--excel", out / "review.xlsx")
    assert result.exit_code == 0, result.output
    for day in (MONDAY, TUESDAY):
        _assert_checked(scenario, out / f"office-a_{day}.json")
    assert _summary(out)["counts"]["ok"] == 2  # the batch engine ran, not the one-by-one planner
    assert (out / "review.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--excel", "review.xlsx"], "--excel"),
        (["--ray-address", "auto"], "--ray-address"),
        (["--executor", "dask"], "--executor"),
        (["--jobs", "0"], "--jobs: 0 must be >= 1"),
        (["--workers", "0"], "--workers: 0 must be >= 1"),
        (["--time-limit", "0"], "--time-limit: 0.0 must be > 0"),
        (["--to", MONDAY], "--to"),
        (["--date", "2024-04-23", "--to", MONDAY], "--to"),
        (["--export", "pdf"], "--export"),
    ],
)
def test_plan_folder_option_errors_name_the_option(tmp_path, args, option) -> None:
    folder = tmp_path / "offices"
    _write(folder, "a.json", _office("office-a"))
    out = tmp_path / "out"
    result = _plan(folder, "--out", out, *args)
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output
    assert not out.exists()  # refused before anything ran


def test_plan_with_executor_ray_on_a_local_ray(tmp_path) -> None:
    pytest.importorskip("ray")
    folder = tmp_path / "offices"
    scenario = _office("office-a")
    _write(folder, "office-a.json", scenario)
    out = tmp_path / "out"
    result = _plan(
        folder,
        "--executor",
        "ray",
        "--date",
        MONDAY,
        "--to",
        TUESDAY,
        "--jobs",
        "2",
        "--strategy",
        "template",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    for day in (MONDAY, TUESDAY):
        _assert_checked(scenario, out / f"office-a_{day}.json")
    summary = _summary(out)
    assert summary["executor"] == "ray" and summary["counts"]["ok"] == 2
