"""The review workbook: sheets, grid, slots, KPIs and chart, print setup, safety, LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from optimizer.errors import InputError
from optimizer.export.cells import safe_text, write_text
from optimizer.export.review import MIXED_FILL, OPEN_HEADER_FILL, review_workbook, service_colours, type_labels
from optimizer.plan import Plan, read_plan
from optimizer.scenario import load_scenario, parse_scenario
from optimizer.sittings_view import person_figures, plan_sittings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
PLAN = Path(__file__).parent / "fixtures_workbook" / "plan_2024-04-22.json"
"""A real plan of the sample office for Monday 2024-04-22 (slotplan plan, 20 s, one worker)."""


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SAMPLE)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(PLAN)


@pytest.fixture(scope="module")
def workbook(plan, scenario):
    return openpyxl.load_workbook(io.BytesIO(review_workbook([plan], scenario)))


def fill_of(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill and cell.fill.fill_type == "solid" else ""


def test_sheets_of_one_day(workbook):
    assert workbook.sheetnames == ["Tagesplan", "Schalterbelegung", "Termine", "Kennzahlen"]
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "Ausländerbehörde" in ws["A1"].value and "22.04.2024" in ws["A1"].value
        assert "22.04.2024" in ws.oddHeader.right.text


def test_tagesplan_grid(workbook, plan, scenario):
    ws = workbook["Tagesplan"]
    assert ws["A5"].value == "Kennung" and ws["B5"].value == "Name"
    # The time axis starts at 07:00 in column C, one column per 5-minute step.
    assert ws["C5"].value == "07:00"
    columns = {ws.cell(row=5, column=c).value: c for c in range(3, ws.max_column + 1) if ws.cell(row=5, column=c).value}
    assert columns["08:00"] == 3 + 12
    # Opening hours 07:30-12:30 are green on the axis.
    assert fill_of(ws.cell(row=5, column=3 + 6)) == OPEN_HEADER_FILL
    assert fill_of(ws.cell(row=5, column=3 + 5)) != OPEN_HEADER_FILL
    rows = {ws.cell(row=r, column=1).value: r for r in range(6, 6 + 40)}
    colours = service_colours(scenario)
    # One block per sitting: the counter (and the types, when they fit) inside, one merged range.
    sitting = max(plan_sittings(plan), key=lambda s: (s.end - s.start, len(s.services)))
    r, c = rows[sitting.staff], 3 + (sitting.start - 7 * 60) // 5
    assert ws.cell(row=r, column=c).value.startswith(f"{sitting.counter} · ")
    merged = {(m.min_row, m.min_col): m.max_col for m in ws.merged_cells.ranges}
    assert merged[(r, c)] == 3 + (sitting.end - 7 * 60) // 5 - 1
    assert fill_of(ws.cell(row=r, column=c)) == (
        colours[sitting.services[0]] if len(sitting.services) == 1 else MIXED_FILL
    )
    names = {p.id: p.name for p in scenario.staff}
    assert ws.cell(row=r, column=2).value == names[sitting.staff]
    legend = [ws.cell(row=r, column=2).value for r in range(6, ws.max_row + 1)]
    assert "Übertrag eAT auf neuen Pass – im Feld: Übertrag, kurz Über." in legend
    assert "Pause (kurz: P)" in legend
    assert ws.freeze_panes == "C6"
    # Per person on the right: slots, sittings, counters.
    heads = {ws.cell(row=5, column=c).value: c for c in range(1, ws.max_column + 1)}
    figures = person_figures(plan_sittings(plan))[sitting.staff]
    assert ws.cell(row=r, column=heads["Sitzungen"]).value == figures.sittings
    assert ws.cell(row=r, column=heads["Schalter"]).value == figures.counters
    people = [rows[k] for k in {a.staff for a in plan.assignments}]
    assert sum(ws.cell(row=r, column=heads["Termine"]).value for r in people) == len(plan.slots)


def test_schalterbelegung_grid(workbook, plan, scenario):
    ws = workbook["Schalterbelegung"]
    counters = [ws.cell(row=r, column=1).value for r in range(6, 6 + len(scenario.office.counters))]
    assert counters == [c.id for c in scenario.office.counters]
    # The counter sheet spans the opening hours, from the full hour before: 07:00.
    assert ws["C5"].value == "07:00"
    names = {p.id: p.name for p in scenario.staff}
    sittings = plan_sittings(plan)
    for sitting in sittings:
        r, c = 6 + counters.index(sitting.counter), 3 + (sitting.start - 7 * 60) // 5
        text = ws.cell(row=r, column=c).value
        assert text is None or text.startswith((names[sitting.staff], sitting.staff))
    heads = {ws.cell(row=5, column=c).value: c for c in range(1, ws.max_column + 1)}
    column = {
        h: [ws.cell(row=6 + i, column=heads[h]).value for i in range(len(counters))]
        for h in ("Termine", "Sitzungen", "Personen")
    }
    assert sum(column["Termine"]) == len(plan.slots)
    assert sum(column["Sitzungen"]) == len(sittings)
    grid = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if 6 <= m.min_row < 6 + len(counters)}
    assert len(grid) == sum(1 for s in sittings if s.end - s.start > 5)  # one merged block per sitting


def test_termine_lists_every_slot(workbook, plan):
    ws = workbook["Termine"]
    assert ws.auto_filter.ref.startswith("A4:L")
    assert ws.freeze_panes == "A5"
    ids = [ws.cell(row=r, column=12).value for r in range(5, 5 + len(plan.slots))]
    assert sorted(ids) == sorted(s.id for s in plan.slots)
    rows = range(5, 5 + len(plan.slots))
    booked = {ws.cell(row=r, column=12).value: ws.cell(row=r, column=11).value for r in rows}
    assert booked == {s.id: s.booking for s in plan.slots}
    first = ws.cell(row=5, column=10).value
    assert isinstance(first, dt.datetime)  # release time as an Excel date-time
    assert {ws.cell(row=r, column=9).value for r in rows} == {"Kalender", "Tagestermin"}


def test_kennzahlen_and_chart(workbook, plan, scenario):
    ws = workbook["Kennzahlen"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    first = scenario.service_types[0]
    r = rows[first.name]
    assert ws.cell(row=r, column=2).value == plan.kpis["demand"][first.id]
    assert ws.cell(row=r, column=3).value == plan.kpis["served"][first.id]
    assert ws.cell(row=rows["Anteil der Fluid-Schranke"], column=2).value == plan.kpis["fluid_share"]
    assert ws.cell(row=rows["Lücke (Gap)"], column=2).value == plan.solver.gap
    assert ws.cell(row=rows["Schalterauslastung"], column=2).value == plan.kpis["counter_utilisation"]
    figures = person_figures(plan_sittings(plan)).values()
    assert ws.cell(row=rows["Sitzungen je Person"], column=2).value == pytest.approx(
        sum(f.sittings for f in figures) / len(figures)
    )
    assert ws.cell(row=rows["Schalter je Person"], column=2).value == pytest.approx(
        sum(f.counters for f in figures) / len(figures)
    )
    assert f"höchstens {max(f.counters for f in figures)}." in ws.cell(row=rows["Schalter je Person"], column=3).value
    assert len(ws._charts) == 1


def test_several_days_get_a_week_sheet(plan, scenario):
    second = plan.model_copy(update={"date": dt.date(2024, 4, 23)})
    wb = openpyxl.load_workbook(io.BytesIO(review_workbook([second, plan], scenario)))
    assert wb.sheetnames == [
        "Woche",
        "Tagesplan 2024-04-22",
        "Schalterbelegung 2024-04-22",
        "Termine 2024-04-22",
        "Kennzahlen 2024-04-22",
        "Tagesplan 2024-04-23",
        "Schalterbelegung 2024-04-23",
        "Termine 2024-04-23",
        "Kennzahlen 2024-04-23",
    ]
    week = wb["Woche"]
    assert [week.cell(row=r, column=2).value for r in (5, 6)] == ["Montag", "Dienstag"]
    assert len(week._charts) == 1


def test_wrong_office_or_no_plans(plan, scenario):
    with pytest.raises(InputError):
        review_workbook([], scenario)
    with pytest.raises(InputError, match="is for office"):
        review_workbook([plan.model_copy(update={"office": "other"})], scenario)
    with pytest.raises(InputError, match="same date"):
        review_workbook([plan, plan], scenario)


def test_no_text_from_input_becomes_a_formula(plan):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    evil = '=HYPERLINK("http://evil.example","klick")'
    staff_id = plan.assignments[0].staff
    for person in data["staff"]:
        if person["id"] == staff_id:
            person["name"] = evil
    data["service_types"][0]["name"] = "+SUM(1,2)"
    data["office"]["name"] = "@office & co"
    content = review_workbook([plan], parse_scenario(data))
    wb = openpyxl.load_workbook(io.BytesIO(content))
    found = [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))
    ]
    assert {c.value for c in found} >= {evil, "+SUM(1,2)"}
    assert all(c.data_type == "s" for c in found)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert wb["Tagesplan"].oddHeader.right.text.startswith("@office && co")


def test_cells_helpers():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("-3") == "'-3" and safe_text("\tx") == "'\tx" and safe_text("\rx") == "'\rx"
    assert safe_text("Müller") == "Müller" and safe_text(None) == ""
    ws = openpyxl.Workbook().active
    cell = write_text(ws["A1"], "=2*3")
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == "=2*3"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_opens_in_libreoffice(tmp_path, plan, scenario):
    """The workbook converts to PDF in headless LibreOffice Calc without error."""
    second = plan.model_copy(update={"date": dt.date(2024, 4, 23)})
    source = tmp_path / "review.xlsx"
    source.write_bytes(review_workbook([plan, second], scenario))
    profile = tmp_path / "lo-profile"  # own profile: never clashes with another soffice running
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / "review.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages >= 9  # the week, then per day at least grid, counters, slots and KPIs


def _hand_made_day() -> Plan:
    """Monday 2024-04-22 of the sample office, four people, six sittings at two counters:
    C01: S004 07:30-10:30 (Übertrag, then Ausgabe after back office at the desk), S005 covers
    S004's break 10:30-11:00, S004 again 11:00-12:30; C02: S006 07:30-08:30, S007 08:30-09:00,
    S006 09:00-10:00 (S007 in between splits S006's morning)."""
    rows = [
        ("S004", "07:00", "07:30", "back_office", None, None),
        ("S004", "07:30", "09:00", "service", "uebertrag", "C01"),
        ("S004", "09:00", "09:15", "back_office", None, None),
        ("S004", "09:15", "10:30", "service", "eat_ausgabe", "C01"),
        ("S004", "10:30", "11:00", "break", None, None),
        ("S004", "11:00", "12:30", "service", "uebertrag", "C01"),
        ("S005", "07:30", "10:30", "back_office", None, None),
        ("S005", "10:30", "11:00", "service", "notfall", "C01"),
        ("S005", "11:00", "12:30", "guide", None, None),
        ("S006", "07:30", "08:30", "service", "uebertrag", "C02"),
        ("S006", "08:30", "09:00", "back_office", None, None),
        ("S006", "09:00", "10:00", "service", "uebertrag", "C02"),
        ("S006", "10:00", "12:30", "back_office", None, None),
        ("S007", "07:30", "08:30", "back_office", None, None),
        ("S007", "08:30", "09:00", "service", "verlust", "C02"),
        ("S007", "09:00", "12:30", "back_office", None, None),
    ]
    keys = ("staff", "start", "end", "activity", "service", "counter")
    return Plan.model_validate(
        {
            "office": "abh-servicepoint",
            "date": "2024-04-22",
            "status": "FEASIBLE",
            "kpis": {},
            "solver": {"objective": 0, "bound": 0, "gap": 0, "seconds": 0, "time_limit_s": 1, "workers": 1, "seed": 0},
            "assignments": [dict(zip(keys, row)) for row in rows],
        }
    )


def _grid_labels(path: Path) -> dict[str, list[str]]:
    """Per row key (column A) of a grid sheet exported as CSV: the texts in its time grid."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head = next(i for i, row in enumerate(rows) if row and row[0] in ("Schalter", "Kennung"))
    end = rows[head].index("Termine")
    out = {}
    for row in rows[head + 1 :]:
        if not row or not row[0] or row[0] == "Legende":
            break
        out[row[0]] = [text for text in row[2:end] if text]
    return out


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_sitting_blocks_survive_libreoffice(tmp_path, scenario):
    """Both grids of a hand-made day, converted to CSV by LibreOffice: one label per sitting."""
    plan = _hand_made_day()
    assert len(plan_sittings(plan)) == 6
    source = tmp_path / "review.xlsx"
    source.write_bytes(review_workbook([plan], scenario))
    profile = tmp_path / "lo-profile"
    # CSV filter options: comma, quote, UTF-8, from row 1, …; the last: every sheet (-1), one file each.
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    counters = _grid_labels(tmp_path / "review-Schalterbelegung.csv")
    assert {k: len(v) for k, v in counters.items() if v} == {"C01": 3, "C02": 3}
    assert counters["C01"][0] == "Stefan Lehmann (S004) · Übertrag, Ausgabe · 07:30–10:30"
    assert counters["C01"][2].startswith("Stefan Lehmann (S004) · Übertrag")
    assert counters["C02"][1].startswith(("Anna Ivanova", "S007"))
    people = _grid_labels(tmp_path / "review-Tagesplan.csv")
    sittings = {k: [t for t in v if t.startswith("C0")] for k, v in people.items()}
    assert {k: len(v) for k, v in sittings.items() if v} == {"S004": 2, "S005": 1, "S006": 2, "S007": 1}
    assert sittings["S004"][0] == "C01 · Übertrag, Ausgabe · 07:30–10:30"
    assert "Pause" in people["S004"] and "Lotse" in people["S005"]


def test_type_labels_stay_distinct():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["service_types"][0]["name"] = "Ausgabe Pass"  # shares its first word with "Ausgabe eAT"
    labels = type_labels(parse_scenario(data))
    assert labels["uebertrag"] == ("Ausgabe Pass", "Ausgabe P.")
    assert labels["eat_ausgabe"] == ("Ausgabe eAT", "Ausgabe e.")
    assert labels["notfall"] == ("Notfall", "Notf.")  # "Notfall: Titel läuft ab"
    assert len({abbreviation for _, abbreviation in labels.values()}) == len(labels)
