"""The input workbook the office manager fills in: `template_workbook(scenario, lang) -> bytes`.

Blank (one example row per sheet, in grey italics, forming a tiny valid office) or filled from a
scenario (`slotplan template --from SCENARIO.json`); read back with `workbook_reader.read_workbook`,
a filled template gives the same `Scenario`.  Sheets and columns come from `workbook_layout`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..export.cells import write_text
from ..scenario import GUIDE_SKILL, Scenario
from .workbook_cells import cell_value
from .workbook_layout import (
    DATE_FORMAT,
    EXPLANATIONS,
    FORM_HEADER,
    LISTS,
    MAX_ROWS,
    SHEETS,
    TIME_FORMAT,
    WEEKDAY_NAMES,
    WEEKDAYS,
    Column,
    Lang,
    Sheet,
    T,
)

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
HELP_FONT = Font(color="404040")
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="BFBFBF")
EXAMPLE_FORM_FIELDS = {"id", "name", "closed_dates"}
"""Form fields whose value in a blank template is an example (the others are defaults)."""
VALIDATION_ROWS = 5000
"""Drop-downs and formats reach this row (or further when the data does)."""

KIND_TEXT = {
    "id": T("Kennung (Text)", "id (text)"),
    "text": T("Text", "text"),
    "int": T("ganze Zahl", "whole number"),
    "number": T("Zahl (Komma oder Punkt)", "number"),
    "share": T("0 bis 1 oder Prozent", "0 to 1 or percent"),
    "time": T("Uhrzeit HH:MM", "time HH:MM"),
    "date": T("Datum", "date"),
    "weekday": T("Wochentag", "weekday"),
    "list": T("Liste, durch Komma getrennt", "list, comma-separated"),
}


def template_workbook(scenario: Scenario | None = None, lang: Lang = "de", today: dt.date | None = None) -> bytes:
    """The input workbook as .xlsx bytes: filled from `scenario`, or blank with example rows.

    `today` only dates the example rows of a blank template (the first working Monday after it).
    """
    records = scenario_records(scenario) if scenario is not None else example_records(lang, today)
    skills = _skills(scenario) if scenario is not None else sorted({"ausweis", GUIDE_SKILL})
    grid = scenario.office.granularity_min if scenario is not None else 5
    example = scenario is None

    wb = Workbook()
    explanations = wb.active
    explanations.title = EXPLANATIONS(lang)
    sheet_names = {s.key: s.name(lang) for s in SHEETS}
    lists = wb.create_sheet(LISTS(lang))
    list_ranges = _write_lists(lists, lang, skills, grid)
    lists.sheet_state = "hidden"
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name(lang))
        if sheet.form:
            _write_form(ws, sheet, records[sheet.key], lang, example, list_ranges)
        else:
            _write_table(ws, sheet, records[sheet.key], lang, example, list_ranges, sheet_names)
    wb.move_sheet(lists, offset=len(wb.sheetnames))
    _write_explanations(explanations, lang)
    wb.active = 0
    wb.properties.title = "slotplan " + ("Eingabe" if lang == "de" else "input")
    wb.properties.creator = "slotplan"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- records: scenario -> rows of values

Row = dict[str, Any]


def scenario_records(s: Scenario) -> dict[str, list[Row]]:
    """Per sheet key, the rows to write (scenario values: minutes, dates, lists); forms get one row."""
    office = s.office
    opening = [
        {"day": day, "start": start, "end": end} for day in WEEKDAYS for start, end in office.opening_hours.get(day, [])
    ]
    return {
        "office": [
            {
                "id": office.id,
                "name": office.name,
                "timezone": office.timezone,
                "granularity_min": office.granularity_min,
                "holidays": office.holidays,
                "closed_dates": list(office.closed_dates),
            }
        ],
        "opening_hours": opening,
        "counters": [dict(c) for c in office.counters],
        "service_types": [dict(t) for t in s.service_types],
        "staff": [dict(p) for p in s.staff],
        "availability": [dict(a) for a in s.availability],
        "vacancies": [dict(v) for v in s.vacancies],
        "demand": [dict(d) for d in s.demand],
        "bookings": [dict(b) for b in s.bookings],
        "policy": [{**dict(s.policy), "same_day_release": list(s.policy.same_day_release or [])}],
    }


def example_date(today: dt.date | None = None) -> dt.date:
    """The first Monday after `today` (default: the real today)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def example_records(lang: Lang, today: dt.date | None = None) -> dict[str, list[Row]]:
    """One example row per sheet; together a tiny office that reads back as a valid scenario."""
    day = example_date(today)
    de = lang == "de"
    return {
        "office": [
            {
                "id": "mein-buero",
                "name": "Bürgerbüro Musterstadt" if de else "Citizens' Office Sample Town",
                "timezone": "Europe/Berlin",
                "granularity_min": 5,
                "holidays": None,
                "closed_dates": [dt.date(day.year, 12, 24 if day != dt.date(day.year, 12, 24) else 31)],
            }
        ],
        "opening_hours": [{"day": "mon", "start": 8 * 60, "end": 12 * 60}],
        "counters": [{"id": "C01", "equipment": []}],
        "service_types": [
            {
                "id": "ausweis",
                "name": "Personalausweis beantragen" if de else "Apply for an ID card",
                "duration_min": 20,
                "skill": "ausweis",
                "weight": 1.0,
                "same_day_share": 0.2,
                "equipment": [],
                "info": "Bitte mitbringen: ein biometrisches Foto." if de else "Please bring a biometric photo.",
            }
        ],
        "staff": [
            {
                "id": "P001",
                "name": "Erika Mustermann" if de else "Jane Doe",
                "skills": ["ausweis", "guide"],
                "weekly_hours": 39.0,
            }
        ],
        "availability": [{"staff": "P001", "date": day, "start": 7 * 60 + 30, "end": 16 * 60}],
        "vacancies": [
            {
                "id": "V001",
                "title": "Sachbearbeitung" if de else "Case worker",
                "skills": ["ausweis"],
                "weekly_hours": 39.0,
            }
        ],
        "demand": [{"date": day, "service": "ausweis", "count": 10}],
        "bookings": [
            {"id": "B0001", "date": day, "start": 8 * 60, "service": "ausweis", "staff": None, "counter": None}
        ],
        "policy": [
            {
                "back_office_min": 0,
                "min_block_min": 60,
                "guides_min": 0,
                "same_day_release": [],
                "calendar_horizon_days": 14,
                "max_counters_per_person": 1,
                "max_sittings": 2,
                "min_sitting_min": 60,
            }
        ],
    }


def _skills(s: Scenario) -> list[str]:
    found = {t.skill for t in s.service_types} | {GUIDE_SKILL}
    found |= {k for p in s.staff for k in p.skills} | {k for v in s.vacancies for k in v.skills}
    return sorted(found)


# ---------------------------------------------------------------- sheets


def _header(ws: Worksheet, labels: list[str], widths: list[float]) -> None:
    for col, (label, width) in enumerate(zip(labels, widths), start=1):
        cell = ws.cell(row=1, column=col, value=label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        # Wide enough for the longest word of the label (bold), so that no word is broken.
        longest = max(len(word) for word in label.split())
        ws.column_dimensions[get_column_letter(col)].width = max(width, longest * 1.15 + 2)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _fit_height(ws: Worksheet, row: int, texts: list[tuple[str, float]], line_height: float = 13.0) -> None:
    """Row height for wrapped texts ``(text, column width)``; spreadsheets do not grow rows on load."""
    lines = max((math.ceil(len(text) / max(width * 1.1, 1)) for text, width in texts if text), default=1)
    ws.row_dimensions[row].height = max(15.0, line_height * lines + 2)


def _put(ws: Worksheet, row: int, col: int, column: Column, value: Any, lang: Lang, example: bool) -> None:
    shown, number_format = cell_value(column.kind, value, lang)
    cell = ws.cell(row=row, column=col)
    if isinstance(shown, str):
        write_text(cell, shown)
    else:
        cell.value = shown
    if number_format:
        cell.number_format = number_format
    if example:
        cell.font = EXAMPLE_FONT


def _write_table(
    ws: Worksheet,
    sheet: Sheet,
    rows: list[Row],
    lang: Lang,
    example: bool,
    lists: dict[str, str],
    sheet_names: dict[str, str],
) -> None:
    _header(ws, [c.label(lang) for c in sheet.columns], [c.width for c in sheet.columns])
    last = max(VALIDATION_ROWS, len(rows) + 1000)
    last = min(last, MAX_ROWS)
    for r, record in enumerate(rows, start=2):
        for col, column in enumerate(sheet.columns, start=1):
            _put(ws, r, col, column, record.get(column.key), lang, example)
    for col, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(col)
        area = f"{letter}2:{letter}{last}"
        if column.kind == "time":
            ws.column_dimensions[letter].number_format = TIME_FORMAT
        elif column.kind == "date":
            ws.column_dimensions[letter].number_format = DATE_FORMAT[lang]
        validation = _validation(column, lang, lists, sheet_names)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(area)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{max(2, len(rows) + 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _write_form(ws: Worksheet, sheet: Sheet, rows: list[Row], lang: Lang, example: bool, lists: dict[str, str]) -> None:
    _header(ws, [h(lang) for h in FORM_HEADER], [38, 34, 80])
    record = rows[0] if rows else {}
    r = 2
    for column in sheet.columns:
        values = record.get(column.key)
        if column.repeat:
            values = list(values or []) or [None]
        else:
            values = [values]
        for value in values:
            label = ws.cell(row=r, column=1, value=column.label(lang))
            label.font = Font(bold=True)
            _put(ws, r, 2, column, value, lang, example and column.key in EXAMPLE_FORM_FIELDS)
            ws.cell(row=r, column=2).alignment = Alignment(horizontal="left", vertical="top")
            help_cell = ws.cell(row=r, column=3, value=column.help(lang))
            help_cell.font, help_cell.alignment = HELP_FONT, Alignment(wrap_text=True, vertical="top")
            _fit_height(ws, r, [(column.help(lang), 80)])
            validation = _validation(column, lang, lists, {})
            if validation is not None:
                ws.add_data_validation(validation)
                validation.add(f"B{r}")
            r += 1
    for row in ws.iter_rows(min_row=2, max_row=r - 1, max_col=3):
        for cell in row:
            cell.border = Border(bottom=THIN)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _validation(
    column: Column, lang: Lang, lists: dict[str, str], sheet_names: dict[str, str]
) -> DataValidation | None:
    """The drop-down or range check of a column, or None."""
    de = lang == "de"
    if column.ref is not None and column.ref in sheet_names:
        source = f"={quote_sheetname(sheet_names[column.ref])}!$A$2:$A${MAX_ROWS}"
        dv = DataValidation(type="list", formula1=source, allow_blank=True)
        dv.error = (
            f"Bitte eine Kennung aus dem Blatt {sheet_names[column.ref]} wählen."
            if de
            else f"Please pick an id from the sheet {sheet_names[column.ref]}."
        )
    elif column.suggest == "weekdays":
        dv = DataValidation(type="list", formula1='"' + ",".join(WEEKDAY_NAMES[lang]) + '"', allow_blank=True)
        dv.error = "Bitte einen Wochentag wählen." if de else "Please pick a weekday."
    elif column.suggest == "times":
        dv = DataValidation(type="list", formula1=lists["times"], allow_blank=True, errorStyle="warning")
        dv.error = "Uhrzeit HH:MM auf dem Zeitraster erwartet." if de else "Expected a time HH:MM on the time grid."
    elif column.suggest == "skills":
        # Suggestions only: a cell may list several skills, and a new skill is allowed.
        dv = DataValidation(type="list", formula1=lists["skills"], allow_blank=True, showErrorMessage=False)
    elif column.kind == "int":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Bitte eine ganze Zahl ab 0 eingeben." if de else "Please enter a whole number, 0 or more."
    elif column.kind == "number":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Bitte eine Zahl ab 0 eingeben." if de else "Please enter a number, 0 or more."
    elif column.kind == "share":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True)
        dv.error = "Bitte einen Anteil von 0 bis 1 (0 % bis 100 %)." if de else "Please enter 0 to 1 (0% to 100%)."
    elif column.kind == "date":
        dv = DataValidation(
            type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True
        )  # 2000-01-01 .. 2099-12-31
        dv.error = "Bitte ein Datum eingeben." if de else "Please enter a date."
    else:
        return None
    dv.errorTitle = column.label(lang)
    dv.prompt, dv.promptTitle = column.help(lang), column.label(lang)
    dv.showInputMessage = True
    if dv.showErrorMessage is None:
        dv.showErrorMessage = True
    return dv


def _write_lists(ws: Worksheet, lang: Lang, skills: list[str], grid: int) -> dict[str, str]:
    """The hidden list sheet: weekdays (A), skills (B), times on the grid (C); returns list formulas."""
    title = quote_sheetname(ws.title)
    heads = (("Wochentage", "Weekdays"), ("Qualifikationen", "Skills"), ("Uhrzeiten", "Times"))
    for col, (de, en) in enumerate(heads, start=1):
        ws.cell(row=1, column=col, value=de if lang == "de" else en).font = Font(bold=True)
    for r, name in enumerate(WEEKDAY_NAMES[lang], start=2):
        ws.cell(row=r, column=1, value=name)
    for r, skill in enumerate(skills, start=2):
        write_text(ws.cell(row=r, column=2), skill)
    times = list(range(0, 24 * 60 + 1, grid))
    for r, minutes in enumerate(times, start=2):
        value, number_format = cell_value("time", minutes, lang)
        cell = ws.cell(row=r, column=3, value=value)
        cell.number_format = number_format or TIME_FORMAT
    return {"skills": f"={title}!$B$2:$B${len(skills) + 1}", "times": f"={title}!$C$2:$C${len(times) + 1}"}


def _write_explanations(ws: Worksheet, lang: Lang) -> None:
    de = lang == "de"
    ws["A1"] = "slotplan – " + ("Eingabe-Arbeitsmappe: Erläuterungen" if de else "input workbook: explanations")
    ws["A1"].font = TITLE_FONT
    intro = [
        T(
            "Jedes Blatt ist ein Abschnitt der Planungsdaten. Zeile 1 enthält die Spaltenüberschriften; "
            "bitte nicht umbenennen. Weitere Spalten rechts sind erlaubt und werden ignoriert.",
            "Each sheet is one section of the planning data. Row 1 holds the column headers; please do not "
            "rename them. Extra columns to the right are allowed and ignored.",
        ),
        T(
            "Uhrzeiten als Excel-Uhrzeit oder als Text HH:MM (24:00 = Tagesende), auf dem Zeitraster "
            "des Büros. Daten als Excel-Datum oder als Text TT.MM.JJJJ bzw. JJJJ-MM-TT. "
            "Listen durch Komma trennen.",
            "Times as Excel times or as text HH:MM (24:00 = end of day), on the office's time grid. Dates as "
            "Excel dates or as text YYYY-MM-DD or DD.MM.YYYY. Separate lists with commas.",
        ),
        T(
            "Graue, kursive Zeilen sind Beispiele: überschreiben oder löschen. Leere Zeilen werden übersprungen.",
            "Grey italic rows are examples: overwrite or delete them. Empty rows are skipped.",
        ),
        T(
            "Zellen werden mit ihrem Wert gelesen; Formeln zählen mit ihrem zuletzt berechneten Ergebnis.",
            "Cells are read by their value; formulas count with their last computed result.",
        ),
        T(
            "Fehler werden mit Blatt und Zelle gemeldet, z. B. Anwesenheit!C14: '25:00' is not a time.",
            "Errors name sheet and cell, e.g. Availability!C14: '25:00' is not a time.",
        ),
    ]
    r = 3
    for line in intro:
        ws.cell(row=r, column=1, value=line(lang)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
        _fit_height(ws, r, [(line(lang), 160)])
        r += 1
    r += 1
    heads = [
        T("Blatt", "Sheet"),
        T("Spalte / Feld", "Column / field"),
        T("Pflicht", "Required"),
        T("Format", "Format"),
        T("Bedeutung", "Meaning"),
    ]
    for col, head in enumerate(heads, start=1):
        cell = ws.cell(row=r, column=col, value=head(lang))
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    ws.print_title_rows = f"{r}:{r}"
    r += 1
    for sheet in SHEETS:
        cell = ws.cell(row=r, column=1, value=sheet.name(lang))
        cell.font = Font(bold=True)
        ws.cell(row=r, column=5, value=sheet.help(lang)).alignment = Alignment(wrap_text=True, vertical="top")
        _fit_height(ws, r, [(sheet.help(lang), 80)])
        ws.cell(row=r, column=2, value="–")
        required = ("ja" if de else "yes") if sheet.required else ("nein" if de else "no")
        ws.cell(row=r, column=3, value=required)
        for col in range(1, 6):
            ws.cell(row=r, column=col).fill = PatternFill("solid", fgColor="DDEBF7")
        r += 1
        for column in sheet.columns:
            ws.cell(row=r, column=2, value=column.label(lang))
            ws.cell(row=r, column=3, value=(("ja" if de else "yes") if column.required else ""))
            fmt = KIND_TEXT[column.kind](lang)
            if column.repeat:
                fmt += " – " + ("mehrere Zeilen möglich" if de else "may repeat on several rows")
            ws.cell(row=r, column=4, value=fmt)
            ws.cell(row=r, column=5, value=column.help(lang))
            for col in range(1, 6):
                ws.cell(row=r, column=col).border = Border(bottom=THIN)
                ws.cell(row=r, column=col).alignment = Alignment(wrap_text=True, vertical="top")
            _fit_height(ws, r, [(column.help(lang), 80), (fmt, 30), (column.label(lang), 30)])
            r += 1
    for letter, width in zip("ABCDE", (18, 30, 9, 30, 80)):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
