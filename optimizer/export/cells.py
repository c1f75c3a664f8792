"""Formula-injection safety for every text that comes from input data (names, ids, titles, notes).

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a
leading tab or carriage return) as a formula.  Text typed by an office manager or read from a
scenario must never become one: ``=HYPERLINK("http://evil", "click")`` in a staff name would
otherwise run in the reviewer's spreadsheet.

Two helpers share one rule, `is_risky`:

- `safe_text(value)` -> str, for plain-text sinks such as CSV: every risky line of a text gets a
  leading apostrophe (the OWASP "CSV injection" recommendation), which spreadsheets show as text.
  Every line, because a spreadsheet may split a cell at an embedded line break.
- `write_text(cell, value)`, for openpyxl cells: the cell is stored explicitly as a string (never
  ``<f>``), and a risky text also gets Excel's "quote prefix" style so that editing the cell in
  Excel or LibreOffice keeps it text.  The text itself stays unchanged, so a workbook read back
  gives exactly what was written (the template round trip relies on this).
"""

from __future__ import annotations

import re
from typing import Any

_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
RISKY_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (its first character is risky)."""
    return text.startswith(RISKY_FIRST_CHARACTERS)


def safe_text(value: Any) -> str:
    """`value` as text that no spreadsheet reads as a formula: each risky line is prefixed with ``'``.

    ``None`` becomes ``""``.  Use it for every text cell from input data in CSV and other plain-text
    outputs; for openpyxl cells use `write_text`, which keeps the text unchanged.
    """
    if value is None:
        return ""
    text = str(value)
    parts = _LINE_BREAK.split(text)  # lines at even positions, their breaks at odd ones
    later = "".join("'" + p if i > 0 and i % 2 == 0 and is_risky(p) else p for i, p in enumerate(parts))
    return "'" + later if is_risky(text) else later


def write_text(cell: Any, value: Any) -> Any:
    """Put `value` into an openpyxl `cell` as a string, never a formula; returns the cell.

    ``None`` leaves the cell empty.  The data type is set to string after the value (openpyxl would
    otherwise infer a formula from a leading ``=``), and risky texts get ``quotePrefix``.
    """
    if value is None:
        cell.value = None
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"
    if is_risky(text):
        cell.quotePrefix = True
    return cell
