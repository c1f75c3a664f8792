"""Read a scenario from whichever format the user gave: scenario JSON or the Excel input workbook."""

from __future__ import annotations

from pathlib import Path

from ..scenario import Scenario, load_scenario

WORKBOOK_SUFFIXES = (".xlsx",)


def load_any_scenario(path: str | Path) -> Scenario:
    """A validated scenario from a `.xlsx` workbook or a JSON file.

    Raises `InputError` naming the field (JSON) or the ``Sheet!Cell`` (workbook).
    """
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from .workbook_reader import read_workbook  # openpyxl only when a workbook is read

        return read_workbook(path)
    return load_scenario(path)
