"""Our LP bounds agree with the shared independent tool, and the plan stays below both."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from support import SAMPLE, SHARED, needs_shared

from optimizer.bounds import equipment_bound, fluid_bound
from optimizer.scenario import load_scenario


@needs_shared
@pytest.mark.parametrize("date", ["2024-04-22", "2024-04-25"])
def test_fluid_bound_matches_the_shared_tool(date: str) -> None:
    pytest.importorskip("scipy")
    out = subprocess.run([sys.executable, str(SHARED / "tools" / "fluid_bound.py"), str(SAMPLE), date],
                         capture_output=True, text=True, check=True).stdout
    shared = float(out.strip().splitlines()[-1].split()[-1])
    scenario = load_scenario(SAMPLE)
    ours = fluid_bound(scenario, dt.date.fromisoformat(date))
    assert ours == pytest.approx(shared, abs=0.01)
    assert equipment_bound(scenario, dt.date.fromisoformat(date)) <= ours + 1e-6
