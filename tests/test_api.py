"""The public API: a day plan is a five-line script (examples/plan_one_day.py)."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT

import optimizer


def test_public_names_are_exported() -> None:
    for name in (
        "load_scenario",
        "plan_day",
        "replan_day",
        "SolveOptions",
        "SolveStatus",
        "Plan",
        "Scenario",
        "InputError",
        "InfeasibleError",
    ):
        assert name in optimizer.__all__ and hasattr(optimizer, name)
    assert {s.value for s in optimizer.SolveStatus} == {"OPTIMAL", "FEASIBLE", "INFEASIBLE", "MODEL_INVALID", "UNKNOWN"}


def test_example_plans_the_sample_monday() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "plan_one_day.py"),
            str(ROOT / "data" / "sample.json"),
            "2024-04-22",
            "5",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2024-04-22: ") and " slots" in done.stdout


def test_the_booking_service_starts_without_loading_the_planner() -> None:
    """`python -m optimizer.service` promises a start without the planner's modules: the public names of
    `optimizer` are imported on first use, not when a subpackage is."""
    code = (
        "import sys, optimizer.service.app, optimizer.cli.serve_cmd\n"
        "print(sorted(m for m in sys.modules if m.startswith(('ortools', 'optimizer.day', 'optimizer.replan'))))\n"
        "from optimizer import plan_day, SolveOptions\n"
        "print(plan_day.__module__, SolveOptions.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "optimizer.strategies optimizer.day.solution"]
