"""Read an appointment history: `date;service;requests;booked;attended;no_show;cancelled`.

The shape is what booking systems export (see ../shared/tools/make_history.py): one row per office
day and request type. It comes as a CSV file (`;` separated, UTF-8) or as the sheet `Historie` of an
.xlsx workbook. The file is untrusted: size and row count are capped, and every problem names its
place (``history.csv line 7: …`` or ``Historie!C7: …``); more than `MAX_PROBLEMS` are cut short.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
"""About 90 years of six request types a day: far beyond any real export."""
MAX_PROBLEMS = 50
SHEET_NAMES = ("Historie", "History")
COLUMNS = ("date", "service", "requests", "booked", "attended", "no_show", "cancelled")
COUNTS = COLUMNS[2:]
LABELS = {
    "datum": "date",
    "anliegen": "service",
    "dienstleistung": "service",
    "anfragen": "requests",
    "gebucht": "booked",
    "erschienen": "attended",
    "nicht erschienen": "no_show",
    "no-show": "no_show",
    "storniert": "cancelled",
}
"""German headers the sheet may use instead of the English column names."""


@dataclass(frozen=True)
class HistoryRow:
    date: dt.date
    service: str
    requests: int
    booked: int
    attended: int
    no_show: int
    cancelled: int


@dataclass(frozen=True)
class History:
    """The rows of a history, sorted by date and service; `services` in order of first appearance."""

    rows: tuple[HistoryRow, ...]
    services: tuple[str, ...]

    @property
    def first(self) -> dt.date:
        return self.rows[0].date

    @property
    def last(self) -> dt.date:
        return self.rows[-1].date

    def of(self, service: str) -> list[HistoryRow]:
        return [r for r in self.rows if r.service == service]

    def until(self, last: dt.date) -> History:
        """The history up to and including `last`."""
        return _history([r for r in self.rows if r.date <= last])


def read_history(path: str | Path) -> History:
    """The history in a CSV file or in the `Historie` sheet of an .xlsx workbook; raises `InputError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{path}: the history is {size / 2**20:.1f} MB, more than the {MAX_FILE_BYTES // 2**20} MB accepted"
            )
        content = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    if path.suffix.lower() == ".xlsx":
        return _from_workbook(content, path.name)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path.name}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return parse_history_csv(text, path.name)


def parse_history_csv(text: str, name: str = "history") -> History:
    """The history in CSV text (`;` separated, a header row); problems name ``NAME line N``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    table: list[tuple[str, list[Any]]] = []
    try:
        for values in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise InputError(f"{name} line {reader.line_num}: more than {MAX_ROWS} rows")
            table.append((f"{name} line {reader.line_num}", values))
    except csv.Error as err:
        raise InputError(f"{name} line {reader.line_num}: not CSV ({err})") from None
    return _parse_table(table, name, lambda place, _col: place)


def _from_workbook(content: bytes, name: str) -> History:
    from ..io.workbook_reader import cell_ref, check_zip, require_defused_xml, sheet_ref

    require_defused_xml()
    check_zip(content, name)
    import openpyxl  # after the checks: nothing parses the file before them

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except Exception as err:
        raise InputError(f"{name}: not a readable .xlsx workbook ({type(err).__name__})") from None
    try:
        sheet = next((n for n in wb.sheetnames if n.strip().lower() in {s.lower() for s in SHEET_NAMES}), None)
        if sheet is None:
            raise InputError(f"{name}: no sheet 'Historie' (the workbook has: {', '.join(wb.sheetnames)})")
        table: list[tuple[str, list[Any]]] = []
        rows = wb[sheet].iter_rows(min_row=1, max_col=len(COLUMNS), values_only=True)
        for r, values in enumerate(rows, start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if r > MAX_ROWS + 1:
                raise InputError(f"{cell_ref(sheet, r, 1)}: more than {MAX_ROWS} rows")
            table.append((str(r), list(values)))
    finally:
        wb.close()
    return _parse_table(
        table,
        sheet_ref(sheet),
        lambda place, col: (
            cell_ref(sheet, int(place), col + 1) if col is not None else f"{sheet_ref(sheet)} row {place}"
        ),
    )


def _parse_table(table: list[tuple[str, list[Any]]], name: str, where) -> History:
    """Rows (place, values) with a header first -> `History`. `where(place, column)` names a cell."""
    table = [(p, v) for p, v in table if any(str(x).strip() for x in v if x is not None)]
    if not table:
        raise InputError(f"{name}: empty; expected the header {';'.join(COLUMNS)}")
    place, header = table[0]
    keys = [_column(h) for h in header]
    missing = [c for c in COLUMNS if c not in keys]
    if missing:
        raise InputError(
            f"{where(place, None)}: the header has no column {', '.join(missing)} (expected {';'.join(COLUMNS)})"
        )
    position = {c: keys.index(c) for c in COLUMNS}
    problems: list[str] = []
    rows: list[HistoryRow] = []
    seen: dict[tuple[dt.date, str], str] = {}
    for place, values in table[1:]:
        if len(problems) >= MAX_PROBLEMS:
            problems.append("… and more problems")
            break
        row, problem = _parse_row(values, position, lambda col, at=place: where(at, col))
        if problem:
            problems.append(problem)
            continue
        assert row is not None  # _parse_row gives a row whenever it reports no problem
        key = (row.date, row.service)
        if key in seen:
            problems.append(
                f"{where(place, position['service'])}: {row.service} on {row.date} appears twice (first at {seen[key]})"
            )
            continue
        seen[key] = where(place, None)
        rows.append(row)
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(f"{name}: no data rows after the header")
    return _history(rows)


def _column(label: Any) -> str | None:
    text = str(label or "").strip().lower()
    return text if text in COLUMNS else LABELS.get(text)


def _parse_row(values: list[Any], position: dict[str, int], where) -> tuple[HistoryRow | None, str | None]:
    def cell(column: str) -> Any:
        i = position[column]
        return values[i] if i < len(values) else None

    if len(values) > len(COLUMNS) + 8:
        return None, f"{where(None)}: {len(values)} fields, expected {len(COLUMNS)}"
    raw_date = cell("date")
    try:
        date = (
            raw_date.date()
            if isinstance(raw_date, dt.datetime)
            else (raw_date if isinstance(raw_date, dt.date) else _parse_date(str(raw_date or "").strip()))
        )
    except ValueError:
        return None, f"{where(position['date'])}: {str(raw_date)[:40]!r} is not a date (YYYY-MM-DD)"
    service = str(cell("service") or "").strip()
    if not service or len(service) > 64:
        return None, f"{where(position['service'])}: {service[:40]!r} is not a request type id"
    counts: dict[str, int] = {}
    for column in COUNTS:
        raw = cell(column)
        try:
            number = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
            value = int(str(raw).strip()) if number is None else int(number)
            if number is not None and number != value:
                raise ValueError
        except (TypeError, ValueError):
            return None, f"{where(position[column])}: {str(raw)[:40]!r} in column {column} is not a whole number"
        if not 0 <= value <= 1_000_000:
            return None, f"{where(position[column])}: {column} {value} is not between 0 and 1000000"
        counts[column] = value
    if counts["attended"] + counts["no_show"] + counts["cancelled"] != counts["booked"]:
        return None, (
            f"{where(None)}: attended {counts['attended']} + no_show {counts['no_show']} + "
            f"cancelled {counts['cancelled']} is not booked {counts['booked']}"
        )
    return HistoryRow(date=date, service=service, **counts), None


def _parse_date(text: str) -> dt.date:
    if len(text) == 10 and text[2] == "." and text[5] == ".":
        return dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
    return dt.date.fromisoformat(text)


def _history(rows: list[HistoryRow]) -> History:
    services = tuple(dict.fromkeys(r.service for r in rows))
    return History(rows=tuple(sorted(rows, key=lambda r: (r.date, r.service))), services=services)
