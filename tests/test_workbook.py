"""The office manager's input workbook: template, round trip, errors with Sheet!Cell, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.io import workbook_reader
from optimizer.io.readers import load_any_scenario
from optimizer.io.workbook_cells import CellError, read_date, read_time
from optimizer.io.workbook_layout import MAX_ROWS, SHEETS
from optimizer.io.workbook_reader import read_workbook, read_workbook_bytes
from optimizer.io.workbook_template import template_workbook
from optimizer.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample():
    return load_scenario(SAMPLE)


@pytest.fixture(scope="module")
def sample_xlsx(sample) -> bytes:
    return template_workbook(sample)


def edited(content: bytes, tmp_path: Path, edit, name: str = "edited.xlsx") -> Path:
    """A copy of a workbook changed by `edit(wb)` (openpyxl, full mode), saved under tmp_path."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def plan_cli(path: Path, out: Path, *extra: str, limit: str = "3"):
    return runner.invoke(
        app,
        [
            "plan",
            str(path),
            "--out",
            str(out),
            "--date",
            "2024-04-22",
            "--time-limit",
            limit,
            "--workers",
            "1",
            "--seed",
            "0",
            *extra,
        ],
    )


# ---------------------------------------------------------------- template


def test_template_command_writes_frozen_validated_sheets(tmp_path):
    out = tmp_path / "vorlage.xlsx"
    result = runner.invoke(app, ["template", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["vorlage.xlsx"]  # atomic: no temporary file left
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Erläuterungen"
    for sheet in SHEETS:
        ws = wb[sheet.name.de]
        assert ws.freeze_panes == "A2"
        assert ws.max_row >= 2, f"{sheet.name.de}: no example row"
    availability = wb["Anwesenheit"]
    validations = {str(dv.sqref): dv for dv in availability.data_validations.dataValidation}
    assert validations["A2:A5000"].type == "list" and "Personal" in validations["A2:A5000"].formula1
    assert validations["C2:C5000"].type == "list"  # times on the grid
    assert wb["Öffnungszeiten"].data_validations.dataValidation[0].formula1.startswith('"Montag,Dienstag')
    assert wb["Listen"].sheet_state == "hidden"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_blank_template_is_a_valid_tiny_office(tmp_path, lang):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(template_workbook(lang=lang, today=dt.date(2024, 4, 17)))
    scenario = read_workbook(path)
    assert [p.id for p in scenario.staff] == ["P001"]
    assert scenario.availability[0].date == dt.date(2024, 4, 22)
    assert scenario.office.opening_hours == {"mon": [(480, 720)]}
    assert scenario.bookings[0].start == 480


def test_template_english_labels(tmp_path):
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "--lang", "en", "--from", str(SAMPLE), str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert "Availability" in wb.sheetnames and "Explanations" in wb.sheetnames
    assert [c.value for c in wb["Availability"][1]][:4] == ["Staff", "Date", "Start", "End"]


def test_template_rejects_bad_options(tmp_path):
    assert runner.invoke(app, ["template", "--lang", "fr", str(tmp_path / "t.xlsx")]).exit_code == 2
    assert runner.invoke(app, ["template", str(tmp_path / "t.xls")]).exit_code == 2


# ---------------------------------------------------------------- round trip


def test_round_trip_gives_the_same_scenario(tmp_path, sample):
    out = tmp_path / "sample.xlsx"
    assert runner.invoke(app, ["template", "--from", str(SAMPLE), str(out)]).exit_code == 0
    assert read_workbook(out) == sample
    assert load_any_scenario(out) == sample
    english = tmp_path / "sample_en.xlsx"
    result = runner.invoke(app, ["template", "--lang", "en", "--from", str(SAMPLE), str(english)])
    assert result.exit_code == 0
    assert read_workbook(english) == sample


def test_round_trip_of_edge_values(tmp_path):
    d = small_office()
    d["office"]["opening_hours"]["sat"] = [["08:00", "12:00"], ["20:00", "24:00"]]
    d["office"]["closed_dates"] = ["2024-12-24", "2024-12-31"]
    d["office"]["holidays"] = None
    d["availability"].append({"staff": "S004", "date": "2024-04-27", "start": "18:00", "end": "24:00"})
    d["bookings"][0].update(staff="S004", counter="C01")
    d["service_types"][0].update(weight=1.5, same_day_share=0.125, info="Zeile 1\nZeile 2; mit, Kommas")
    d["vacancies"] = [{"id": "V9", "title": "", "skills": ["uebertrag", "guide"], "weekly_hours": 19.5}]
    d["staff"][0]["name"] = "=Lehmann, Stefan"
    d["staff"][1]["skills"] = []
    d["policy"] = {"back_office_min": 30, "guides_min": 0}
    scenario = parse_scenario(d)
    for lang in ("de", "en"):
        path = tmp_path / f"edge_{lang}.xlsx"
        path.write_bytes(template_workbook(scenario, lang=lang))
        assert read_workbook(path) == scenario


def small_office() -> dict:
    """One day of the sample office, small enough for CP-SAT to prove optimality in a second."""
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    day, staff = "2024-04-22", {"S001", "S004", "S005", "S006", "S007"}
    d["staff"] = [p for p in d["staff"] if p["id"] in staff]
    d["availability"] = [a for a in d["availability"] if a["date"] == day and a["staff"] in staff]
    d["demand"] = [dict(x, count=max(1, x["count"] // 10)) for x in d["demand"] if x["date"] == day]
    d["bookings"] = [b for b in d["bookings"] if b["date"] == day][:3]
    d["vacancies"] = []
    d["office"]["counters"] = d["office"]["counters"][:4] + d["office"]["counters"][10:12]
    return d


def test_workbook_plans_like_the_json(tmp_path):
    """Same scenario, same solver input, same plan (deterministic mode: fixed seed, deterministic time)."""
    from optimizer.day.index import build_index
    from optimizer.day.model import build_day_model

    json_path = tmp_path / "small.json"
    json_path.write_text(json.dumps(small_office(), ensure_ascii=False), encoding="utf-8")
    xlsx_path = tmp_path / "small.xlsx"
    assert runner.invoke(app, ["template", "--from", str(json_path), str(xlsx_path)]).exit_code == 0
    from_json, from_xlsx = load_any_scenario(json_path), load_any_scenario(xlsx_path)
    assert from_json == from_xlsx
    date = dt.date(2024, 4, 22)
    protos = [str(build_day_model(build_index(s, date)).model.Proto()) for s in (from_json, from_xlsx)]
    assert protos[0] == protos[1]

    plans = []
    for path, out in ((json_path, tmp_path / "a"), (xlsx_path, tmp_path / "b")):
        # 1 deterministic second (about 2 s of wall time): the primary level is optimal within it
        result = plan_cli(path, out, "--deterministic", limit="1")
        assert result.exit_code == 0, result.output
        plans.append(json.loads((out / "abh-servicepoint_2024-04-22.json").read_text(encoding="utf-8")))
    a, b = plans
    assert a["status"] == b["status"] == "OPTIMAL"
    for key in ("assignments", "slots", "rebook", "kpis"):
        assert a[key] == b[key]


# ---------------------------------------------------------------- Excel habits


def test_excel_habits_are_accepted(tmp_path, sample, sample_xlsx):
    def edit(wb):
        ws = wb["Anwesenheit"]
        ws["C2"] = "07:00"  # text time
        ws["D2"] = 930 / 1440  # a fraction of a day, no time format
        ws["D2"].number_format = "General"
        ws["C3"] = "7:00 Uhr"
        ws["B3"] = "22.04.2024"  # German text date
        ws["B4"] = 45404  # Excel serial number of 2024-04-22
        ws["B5"] = "2024-04-22"
        ws["E1"] = "Bemerkung"  # an extra column
        ws["E2"] = "=1+1"
        ws.cell(row=900, column=1).fill = PatternFill("solid", fgColor="FFFF00")  # styled, but empty
        ws.cell(row=901, column=2).value = "   "  # only spaces
        staff = wb["Personal"]
        staff.move_range("A1:D31", cols=2)  # columns moved to the right: found by header
        staff.insert_cols(1)
        wb["Anliegen"]["F2"] = "50%"  # percentage as text
        wb["Anliegen"]["E3"] = "2,0"  # decimal comma

    expected = [(a.staff, a.date, a.start, a.end) for a in sample.availability[:4]]
    assert expected[0] == ("S001", dt.date(2024, 4, 22), 420, 930)
    scenario = read_workbook(edited(sample_xlsx, tmp_path, edit))
    assert scenario == sample


def test_cell_readers():
    epoch = openpyxl.Workbook().epoch
    assert read_time(dt.time(7, 30), epoch) == 450
    assert read_time(dt.timedelta(days=1), epoch) == 1440
    assert read_time(dt.datetime(1900, 1, 1), epoch) == 1440  # Excel's 24:00 with a time format
    assert read_time("24:00", epoch) == 1440
    assert read_date(dt.datetime(2024, 4, 22), epoch) == dt.date(2024, 4, 22)
    for bad in ("25:00", "7.5", 730, dt.datetime(2024, 4, 22, 7, 30)):
        with pytest.raises(CellError):
            read_time(bad, epoch)
    for bad in ("31.02.2024", "morgen", 1.5):
        with pytest.raises(CellError):
            read_date(bad, epoch)


# ---------------------------------------------------------------- bad cells: exit 2 and Sheet!Cell


BAD_CELLS = {
    "time": (lambda wb: wb["Anwesenheit"].__setitem__("C14", "25:00"), "Anwesenheit!C14: '25:00' is not a time"),
    "date": (lambda wb: wb["Bedarf"].__setitem__("A3", "31.02.2024"), "Bedarf!A3: '31.02.2024' is not a date"),
    "unknown id": (lambda wb: wb["Anwesenheit"].__setitem__("A7", "S999"), "Anwesenheit!A7: unknown staff 'S999'"),
    "unknown service": (lambda wb: wb["Buchungen"].__setitem__("D4", "pass"), "Buchungen!D4: unknown service 'pass'"),
    "duplicate id": (lambda wb: wb["Schalter"].__setitem__("A3", "C01"), "Schalter!A3: duplicate id 'C01'"),
    "missing sheet": (lambda wb: wb.remove(wb["Personal"]), "Personal: sheet missing"),
    "wrong header": (
        lambda wb: wb["Anwesenheit"].__setitem__("B1", "Tag"),
        "Anwesenheit!B1: header is 'Tag', expected 'Datum'",
    ),
    "empty required": (lambda wb: wb["Anliegen"].__setitem__("C4", None), "Anliegen!C4: required, but empty"),
    "out of range": (lambda wb: wb["Anliegen"].__setitem__("F2", 1.5), "Anliegen!F2: input should be less than"),
    "weekday": (
        lambda wb: wb["Öffnungszeiten"].__setitem__("A3", "Funday"),
        "Öffnungszeiten!A3: 'Funday' is not a weekday",
    ),
    "office field": (
        lambda wb: wb["Büro"].__setitem__("B5", "90"),
        "Büro!B5: input should be less than or equal to 60",
    ),
    "unknown form field": (
        lambda wb: wb["Regeln"].__setitem__("A12", "Mittagspause"),
        "Regeln!A12: unknown field 'Mittagspause'",
    ),
    "overlap": (
        lambda wb: wb["Anwesenheit"].__setitem__("A3", "S001"),
        "Anwesenheit!A3:D3: overlaps Anwesenheit!A2:D2 of staff 'S001'",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_CELLS))
def test_bad_cell_exits_2_naming_the_cell(tmp_path, sample_xlsx, kind):
    edit, message = BAD_CELLS[kind]
    path = edited(sample_xlsx, tmp_path, edit)
    result = plan_cli(path, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_many_problems_are_listed_then_summarised(tmp_path, sample_xlsx):
    def edit(wb):
        for r in range(2, 120):
            wb["Anwesenheit"].cell(row=r, column=3).value = "x"

    with pytest.raises(InputError) as err:
        read_workbook(edited(sample_xlsx, tmp_path, edit))
    assert len(err.value.problems) == 51
    assert err.value.problems[-1] == "… and 68 more problems"


# ---------------------------------------------------------------- formula injection


def test_text_from_input_is_never_a_formula(tmp_path):
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    d["staff"][0]["name"] = '=HYPERLINK("http://evil.example","klick")'
    d["staff"][1]["name"] = "+49 711 123"
    d["service_types"][0]["name"] = "@SUM(1+1)"
    d["service_types"][0]["info"] = "-2+3"
    d["office"]["name"] = "=1+1"
    scenario = parse_scenario(d)
    content = template_workbook(scenario)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    cells = [wb["Personal"]["B2"], wb["Personal"]["B3"], wb["Anliegen"]["B2"], wb["Anliegen"]["H2"], wb["Büro"]["B3"]]
    for cell in cells:
        assert cell.data_type == "s", cell.coordinate
        assert isinstance(cell.value, str) and cell.value[0] in "=+@-"
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet6.xml").decode()
    assert "<f>" not in xml
    path = tmp_path / "evil.xlsx"
    path.write_bytes(content)
    assert read_workbook(path) == scenario  # read back unchanged, not evaluated


# ---------------------------------------------------------------- hostile files


def assert_refused_quickly(path: Path, message: str, seconds: float = 5.0, megabytes: float = 64.0) -> None:
    tracemalloc.start()
    began = time.monotonic()
    try:
        with pytest.raises(InputError) as err:
            read_workbook(path)
        elapsed = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message in str(err.value), str(err.value)
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * 2**20, f"peak memory {peak / 2**20:.1f} MB"
    result = plan_cli(path, path.parent / "out")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def minimal_xlsx_parts(sample_xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(sample_xlsx)) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_not_a_zip(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_text("Kennung;Name\nS001;Elena\n", encoding="utf-8")
    assert_refused_quickly(path, "not a zip file")
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert_refused_quickly(old, "old .xls file, or a password-protected")


def test_zip_bomb(tmp_path, sample_xlsx):
    """A 200 MB part of zeros, 0.2 MB compressed: refused from the zip directory alone."""
    path = tmp_path / "bomb.xlsx"
    parts = minimal_xlsx_parts(sample_xlsx)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet7.xml":
                z.writestr(name, data)
        with z.open("xl/worksheets/sheet7.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * 2**20
            for _ in range(200):
                part.write(chunk)
    assert path.stat().st_size < 2 * 2**20
    assert_refused_quickly(path, "(a zip bomb?)")


def test_zip_bomb_by_ratio(tmp_path, sample_xlsx):
    """Below the total cap, but one part compressed 1000:1."""
    parts = minimal_xlsx_parts(sample_xlsx)
    parts["xl/worksheets/sheet7.xml"] = b" " * (20 * 2**20)
    path = write_zip(tmp_path / "ratio.xlsx", parts)
    assert_refused_quickly(path, "is compressed")


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData>"
    b"</worksheet>"
)


def test_entity_expansion(tmp_path, sample_xlsx):
    parts = minimal_xlsx_parts(sample_xlsx)
    parts["xl/worksheets/sheet7.xml"] = BILLION_LAUGHS
    assert_refused_quickly(write_zip(tmp_path / "lol.xlsx", parts), "declares a DTD or an XML entity")
    parts["xl/worksheets/sheet7.xml"] = (
        BILLION_LAUGHS.decode().replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode("utf-16")
    )
    assert_refused_quickly(write_zip(tmp_path / "lol16.xlsx", parts), "declares a DTD or an XML entity")


def test_entity_expansion_is_stopped_by_defusedxml_too(tmp_path, sample_xlsx, monkeypatch):
    """Without the pre-scan, openpyxl's defused parser still refuses the entities."""
    parts = minimal_xlsx_parts(sample_xlsx)
    parts["xl/worksheets/sheet7.xml"] = BILLION_LAUGHS
    monkeypatch.setattr(workbook_reader, "_scan_for_dtd", lambda *args: None)
    assert_refused_quickly(write_zip(tmp_path / "lol.xlsx", parts), "XML entities or a DTD")


def test_refuses_without_defusedxml(tmp_path, sample_xlsx, monkeypatch):
    import xml.etree.ElementTree as ElementTree

    from openpyxl.xml import functions

    monkeypatch.setattr(functions, "iterparse", ElementTree.iterparse)
    path = tmp_path / "ok.xlsx"
    path.write_bytes(sample_xlsx)
    with pytest.raises(InputError, match="not using defusedxml"):
        read_workbook(path)


def test_huge_sheet(tmp_path, sample_xlsx):
    """A value far below the last allowed row: refused, while the rows in between cost no memory."""
    parts = minimal_xlsx_parts(sample_xlsx)
    sheet = parts["xl/worksheets/sheet7.xml"].decode()  # Anwesenheit
    far = MAX_ROWS + 10
    far_row = f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>S001</t></is></c></row>'
    sheet = sheet.replace("</sheetData>", far_row + "</sheetData>")
    sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', sheet)
    parts["xl/worksheets/sheet7.xml"] = sheet.encode()
    assert_refused_quickly(write_zip(tmp_path / "huge.xlsx", parts), f"Anwesenheit!A{far}: the sheet has more than")


def test_too_many_cells(tmp_path, sample_xlsx, monkeypatch):
    monkeypatch.setattr(workbook_reader, "MAX_CELLS", 500)
    path = tmp_path / "sample.xlsx"
    path.write_bytes(sample_xlsx)
    with pytest.raises(InputError, match="more than 500 filled cells"):
        read_workbook(path)


def test_lying_dimension_is_harmless(tmp_path, sample, sample_xlsx):
    parts = minimal_xlsx_parts(sample_xlsx)
    for name in list(parts):
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', parts[name])
    began = time.monotonic()
    assert read_workbook(write_zip(tmp_path / "dim.xlsx", parts)) == sample
    assert time.monotonic() - began < 5


def test_damaged_parts(tmp_path, sample_xlsx):
    parts = minimal_xlsx_parts(sample_xlsx)
    parts["xl/worksheets/sheet7.xml"] = b"<worksheet><sheetData><row"
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        read_workbook(write_zip(tmp_path / "broken.xlsx", parts))
    del parts["xl/workbook.xml"]
    with pytest.raises(InputError, match=r"no xl/workbook\.xml"):
        read_workbook(write_zip(tmp_path / "nowb.xlsx", parts))
    with pytest.raises(InputError, match="not a zip file"):
        read_workbook_bytes(b"PK\x03\x04 truncated")
