"""Read a scenario from whichever format the user gave."""

from __future__ import annotations

from pathlib import Path

from ..scenario import Scenario, load_scenario


def load_any_scenario(path: Path) -> Scenario:
    """A validated scenario from a `.json` file (raises `InputError` naming the field)."""
    return load_scenario(path)
