"""Read the office manager's workbook into a validated `Scenario`: `read_workbook(path)`.

Every problem names its place as ``Sheet!Cell`` (``Anwesenheit!C14: '25:00' is not a time``), also
for problems found only when checking across sections (an unknown staff id, a duplicate id, an
overlap): the reader remembers which cell each JSON path came from and translates the messages of
`optimizer.scenario`.

The file is untrusted.  Before openpyxl parses anything it is checked as a zip: size, number of
parts, declared uncompressed sizes and compression ratios (zip bombs), and no part may declare a DTD
or an entity (XML entity tricks).  openpyxl must be using defusedxml, else nothing is read.  Sheets
are streamed (read-only mode) with caps on rows, columns and cells.  Each failure is an `InputError`.
The limits live in `workbook_layout` and are documented in docs/workbook.md.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..scenario import Scenario, parse_scenario
from .workbook_cells import EMPTY, CellError, is_empty, read_cell
from .workbook_layout import (
    EXPLANATIONS,
    FORM_HEADER,
    LISTS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_MEMBERS,
    RATIO_CHECK_MIN_BYTES,
    SHEETS,
    Column,
    Sheet,
    column_for_label,
    find_sheet,
    normalise_label,
)

EXCEL_MAX_ROWS = 1_048_576
_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_SCAN_CHUNK = 1 << 20
_PATH = re.compile(r"^([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*|\[\d+\])*): (.*)$", re.DOTALL)
_EMBEDDED_ROW_PATH = re.compile(r"\b([a-z_]+(?:\.[a-z_]+)*\[\d+\])")
_LAST_PART = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def read_workbook(path: str | Path) -> Scenario:
    """A validated scenario from an .xlsx input workbook; raises `InputError` naming ``Sheet!Cell``."""
    path = Path(path)
    require_defused_xml()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{path}: the workbook is {size / 2**20:.1f} MB, more than the {MAX_FILE_BYTES // 2**20} MB accepted"
            )
        content = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    return read_workbook_bytes(content, name=str(path))


def read_workbook_bytes(content: bytes, name: str = "workbook") -> Scenario:
    """`read_workbook` on the bytes of an .xlsx file; `name` is used in messages about the file."""
    require_defused_xml()
    if len(content) > MAX_FILE_BYTES:
        raise InputError(f"{name}: the workbook is more than {MAX_FILE_BYTES // 2**20} MB")
    check_zip(content, name)
    import openpyxl  # after the checks: nothing parses the file before them

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except Exception as err:
        raise _unreadable(name, err) from None
    try:
        reader = _WorkbookReader(wb)
        try:
            data = reader.read()
        except InputError:
            raise
        except Exception as err:
            raise _unreadable(name, err) from None
    finally:
        wb.close()
    try:
        return parse_scenario(data)
    except InputError as err:
        raise InputError(_cap([reader.translate(p) for p in err.problems])) from None


# ---------------------------------------------------------------- hostile files


def require_defused_xml() -> None:
    """Refuse to read workbooks unless openpyxl parses XML through defusedxml."""
    try:
        import openpyxl
        from openpyxl.xml import functions
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputError("cannot read .xlsx workbooks: the openpyxl package is missing") from None
    iterparse_module = getattr(functions.iterparse, "__module__", "")
    fromstring = getattr(functions.fromstring, "func", functions.fromstring)  # lxml: a partial
    fromstring_module = getattr(fromstring, "__module__", "")
    safe = (
        openpyxl.DEFUSEDXML
        and iterparse_module.startswith("defusedxml")
        and (fromstring_module.startswith("defusedxml") or openpyxl.LXML)
    )
    if not safe:
        raise InputError(
            "refusing to read .xlsx workbooks: openpyxl is not using defusedxml (install the "
            "defusedxml package and do not set OPENPYXL_DEFUSEDXML=False)"
        )


def check_zip(content: bytes, name: str = "workbook") -> None:
    """Reject what is not a sane .xlsx zip before any XML parser sees it (raises `InputError`)."""
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            f"{name}: not an .xlsx workbook (an old .xls file, or a password-protected "
            "workbook); save it as .xlsx without a password"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        raise InputError(f"{name}: not an .xlsx workbook (not a zip file: {err})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise InputError(f"{name}: the workbook has {len(members)} parts, more than {MAX_ZIP_MEMBERS}")
        total = 0
        for info in members:
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(
                    f"{name}: the workbook unpacks to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB (a zip bomb?)"
                )
            if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1
            ):
                raise InputError(
                    f"{name}: part {info.filename!r} is compressed "
                    f"{info.file_size // max(info.compress_size, 1)}:1 (a zip bomb?)"
                )
            if info.flag_bits & 0x1:
                raise InputError(f"{name}: part {info.filename!r} is encrypted")
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise InputError(f"{name}: not an .xlsx workbook (no xl/workbook.xml)")
        for info in members:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                _scan_for_dtd(archive, info, name)


def _scan_for_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a part that declares a DTD or an entity (never needed in .xlsx; billion laughs etc.)."""
    tail = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(_SCAN_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    raise InputError(
                        f"{name}: part {info.filename!r} declares a DTD or an XML entity, which "
                        "is not allowed (XML entity tricks)"
                    )
                tail = window[-32:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as err:
        raise InputError(f"{name}: part {info.filename!r} is damaged ({err})") from None


def _unreadable(name: str, err: Exception) -> InputError:
    cause: BaseException | None = err
    while cause is not None:  # openpyxl wraps parser errors in a ValueError
        if type(cause).__module__.startswith("defusedxml"):
            return InputError(f"{name}: the workbook uses XML entities or a DTD, which is not allowed")
        cause = cause.__cause__ or cause.__context__
    kind = type(err).__name__
    text = str(err).strip().splitlines()[0] if str(err).strip() else kind
    return InputError(f"{name}: not a readable .xlsx workbook ({kind}: {text[:200]})")


def _cap(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more problems"]


# ---------------------------------------------------------------- sheets -> JSON-like scenario


def cell_ref(sheet_name: str, row: int, col: int) -> str:
    """``Anwesenheit!C14``; a sheet name with spaces or punctuation is quoted as Excel does."""
    from openpyxl.utils import get_column_letter

    return f"{sheet_ref(sheet_name)}!{get_column_letter(col)}{row}"


def sheet_ref(sheet_name: str) -> str:
    if all(ch.isalnum() or ch == "_" for ch in sheet_name):
        return sheet_name
    return "'" + sheet_name.replace("'", "''") + "'"


class _WorkbookReader:
    """Reads the sheets into the scenario's JSON shape and remembers where each value came from."""

    def __init__(self, wb: Any):
        self.wb = wb
        self.epoch: dt.datetime = wb.epoch
        self.problems: list[str] = []
        self.where: dict[str, str] = {}
        """JSON path (``availability[3].staff``) -> ``Sheet!Cell`` or a row/sheet reference."""
        self.cells = 0

    # -- public

    def read(self) -> dict[str, Any]:
        names = list(self.wb.sheetnames)
        found: dict[str, str] = {}
        for sheet in SHEETS:
            name = find_sheet(names, sheet)
            if name is None:
                if sheet.required:
                    self.problems.append(
                        f"{sheet_ref(sheet.name.de)}: sheet missing (also looked for "
                        f"'{sheet.name.en}'; the workbook has: {', '.join(names)})"
                    )
                continue
            found[sheet.key] = name
        known = {normalise_label(n) for s in SHEETS for n in (s.name.de, s.name.en)}
        known |= {normalise_label(t) for t in (EXPLANATIONS.de, EXPLANATIONS.en, LISTS.de, LISTS.en)}
        self._stop_if_problems()

        office: dict[str, Any] = {}
        data: dict[str, Any] = {"version": 1, "office": office}
        for sheet in SHEETS:
            if sheet.key not in found:
                continue
            name = found[sheet.key]
            self.where.setdefault(_section_path(sheet.key), sheet_ref(name))
            ws = self.wb[name]
            if sheet.form:
                record = self._read_form(ws, name, sheet)
                if sheet.key == "office":
                    office.update(record)
                else:
                    data["policy"] = record
            elif sheet.key == "opening_hours":
                office["opening_hours"] = self._read_opening_hours(ws, name, sheet)
            elif sheet.key == "counters":
                office["counters"] = self._read_table(ws, name, sheet, "office.counters")
            else:
                data[sheet.key] = self._read_table(ws, name, sheet, sheet.key)
        if "service_types" not in data:
            data["service_types"] = []
        self._stop_if_problems()
        return data

    def translate(self, problem: str) -> str:
        """``availability[3].staff: unknown staff 'S9'`` -> ``Anwesenheit!A5: unknown staff 'S9'``."""
        m = _PATH.match(problem)
        if not m:
            return problem
        path, message = m.group(1), m.group(2)
        place = self._place(path)
        if place is None:
            return problem
        if message == "missing":
            message = "required, but empty"
        message = _EMBEDDED_ROW_PATH.sub(lambda e: self._place(e.group(1), exact=True) or e.group(1), message)
        return f"{place}: {message}"

    # -- helpers

    def _place(self, path: str, exact: bool = False) -> str | None:
        while path:
            if path in self.where:
                return self.where[path]
            if exact:
                return None
            shorter = _LAST_PART.sub("", path)
            if shorter == path:
                return None
            path = shorter
        return None

    def _stop_if_problems(self) -> None:
        if self.problems:
            raise InputError(_cap(self.problems))

    def _rows(self, ws: Any, name: str, width: int):
        """(row number, values) of the non-empty rows, with the row, column and cell caps enforced."""
        rows = ws.iter_rows(min_row=1, max_row=EXCEL_MAX_ROWS, max_col=width, values_only=True)
        for r, values in enumerate(rows, start=1):
            if values.count(None) == len(values):
                continue
            used = sum(1 for v in values if not is_empty(v))
            if not used:
                continue
            if r > MAX_ROWS:
                raise InputError(
                    f"{cell_ref(name, r, 1)}: the sheet has more than {MAX_ROWS} rows; "
                    "delete the unused rows at its end"
                )
            self.cells += used
            if self.cells > MAX_CELLS:
                raise InputError(f"{cell_ref(name, r, 1)}: the workbook has more than {MAX_CELLS} filled cells")
            yield r, values

    def _value(self, column: Column, raw: Any, ref: str) -> Any:
        try:
            return read_cell(column.kind, raw, self.epoch)
        except CellError as err:
            self.problems.append(f"{ref}: {err}")
            return EMPTY

    def _header(self, ws: Any, name: str, sheet: Sheet) -> dict[int, Column]:
        """Column index (0-based) -> layout column, from row 1; reports missing or doubled columns."""
        header: tuple[Any, ...] = ()
        for r, values in self._rows(ws, name, MAX_COLUMNS):
            if r == 1:
                header = values
            break
        columns: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for i, label in enumerate(header):
            column = column_for_label(sheet, label)
            if column is None:
                continue
            if column.key in seen:
                self.problems.append(
                    f"{cell_ref(name, 1, i + 1)}: column '{label}' appears twice "
                    f"(first in {cell_ref(name, 1, seen[column.key] + 1)})"
                )
                continue
            seen[column.key] = i
            columns[i] = column
        for position, column in enumerate(sheet.columns):
            if not column.required or column.key in seen:
                continue
            there = header[position] if position < len(header) else None
            expected = f"'{column.label.de}' (or '{column.label.en}')"
            if not is_empty(there) and column_for_label(sheet, there) is None:
                self.problems.append(f"{cell_ref(name, 1, position + 1)}: header is '{there}', expected {expected}")
            else:
                self.problems.append(f"{cell_ref(name, 1, 1)}: the header row has no column {expected}")
        return columns

    def _records(self, ws: Any, name: str, sheet: Sheet, path: str):
        """(json index, row number, {key: value}) per non-empty data row; records where cells are."""
        columns = self._header(ws, name, sheet)
        if not columns:
            return
        width = max(columns) + 1
        first_col, last_col = min(columns) + 1, width
        index = 0
        for r, values in self._rows(ws, name, width):
            if r == 1:
                continue
            if all(is_empty(values[i]) for i in columns):
                continue
            item = f"{path}[{index}]"
            self.where[item] = f"{cell_ref(name, r, first_col)}:{cell_ref(name, r, last_col).split('!')[1]}"
            record: dict[str, Any] = {}
            for i, column in columns.items():
                ref = cell_ref(name, r, i + 1)
                self.where[f"{item}.{column.key}"] = ref
                value = self._value(column, values[i], ref)
                if value is not EMPTY:
                    record[column.key] = value
            yield index, r, record
            index += 1

    def _read_table(self, ws: Any, name: str, sheet: Sheet, path: str) -> list[dict[str, Any]]:
        return [record for _i, _r, record in self._records(ws, name, sheet, path)]

    def _read_opening_hours(self, ws: Any, name: str, sheet: Sheet) -> dict[str, list[list[Any]]]:
        hours: dict[str, list[list[Any]]] = {}
        for i, _r, record in self._records(ws, name, sheet, "opening_hours"):
            cells = {key: self.where[f"opening_hours[{i}].{key}"] for key in ("day", "start", "end")}
            day = record.get("day")
            if day is None:
                if cells["day"] not in " ".join(self.problems):
                    self.problems.append(f"{cells['day']}: required, but empty")
                continue
            intervals = hours.setdefault(day, [])
            base = f"office.opening_hours.{day}"
            self.where.setdefault(base, cells["day"])
            j = len(intervals)
            self.where[f"{base}[{j}]"] = self.where[f"opening_hours[{i}]"]
            self.where[f"{base}[{j}][0]"] = cells["start"]
            self.where[f"{base}[{j}][1]"] = cells["end"]
            intervals.append([record.get("start"), record.get("end")])
        return hours

    def _read_form(self, ws: Any, name: str, sheet: Sheet) -> dict[str, Any]:
        path = sheet.key
        record: dict[str, Any] = {}
        for field_column in sheet.columns:
            self.where[f"{path}.{field_column.key}"] = f"{sheet_ref(name)} (field '{field_column.label.de}')"
        rows = list(self._rows(ws, name, 2))
        header = rows[0][1] if rows and rows[0][0] == 1 else (None, None)
        for position, expected in enumerate(FORM_HEADER[:2]):
            there = header[position]
            if normalise_label(there) not in (normalise_label(expected.de), normalise_label(expected.en)):
                self.problems.append(
                    f"{cell_ref(name, 1, position + 1)}: header is "
                    f"{repr(there) if there is not None else 'empty'}, expected "
                    f"'{expected.de}' (or '{expected.en}')"
                )
        seen: dict[str, int] = {}
        for r, (label, raw) in rows:
            if r == 1 or is_empty(label):
                continue
            column = column_for_label(sheet, label)
            label_ref, value_ref = cell_ref(name, r, 1), cell_ref(name, r, 2)
            if column is None:
                known = ", ".join(f"'{c.label.de}'" for c in sheet.columns)
                self.problems.append(f"{label_ref}: unknown field '{label}' (known: {known})")
                continue
            if column.key in seen and not column.repeat:
                self.problems.append(f"{label_ref}: field '{label}' appears twice (first in row {seen[column.key]})")
                continue
            seen.setdefault(column.key, r)
            value = self._value(column, raw, value_ref)
            if column.repeat:
                values = record.setdefault(column.key, [])
                if value is not EMPTY:
                    self.where[f"{path}.{column.key}[{len(values)}]"] = value_ref
                    values.append(value)
            else:
                self.where[f"{path}.{column.key}"] = value_ref
                if value is not EMPTY:
                    record[column.key] = value
        if sheet.key == "policy" and not record.get("same_day_release"):
            record.pop("same_day_release", None)
        return record


def _section_path(key: str) -> str:
    return {"counters": "office.counters", "opening_hours": "office.opening_hours"}.get(key, key)
