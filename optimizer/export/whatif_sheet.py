"""The "Vakanzen" sheet: the vacancies what-if in the review workbook (German labels).

- `whatif_sheet(workbook, report)` adds the sheet, first and active, to an openpyxl workbook: the gain
  per request type (per day and per week), the weighted gain with the plans' gaps (a gain within them
  may be solver noise) and what the bounds prove, the marginal value of each vacancy filled alone,
  ranked, the hypothetical shifts, and the days side by side.
- `whatif_workbook(report) -> bytes`: the review workbook of the *filled* plans (so the day sheets show
  where the filled posts would work) with the Vakanzen sheet in front. A pure function; the caller
  writes atomically.

Text from input data (titles, names, ids) goes through `cells.write_text`: never a formula.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..clock import span
from ..whatif import Gain, WhatIfReport
from .cells import write_text
from .review import (
    BODY_FONT,
    BOLD_FONT,
    HEADER_FILL,
    HEADER_FONT,
    NOTE_FONT,
    WEEKDAY_DE,
    _align,
    _border,
    _fill,
    _font,
    _header_row,
    _Styler,
    _title,
    review_workbook,
)

SHEET_NAME = "Vakanzen"
NOISE_TEXT = "im Rauschen: Gewinn nicht größer als die Lücken"


def whatif_workbook(report: WhatIfReport) -> bytes:
    """The review workbook of the filled plans with the Vakanzen sheet first, as .xlsx bytes."""
    data = review_workbook(list(report.filled.plans), report.filled_scenario)
    wb = load_workbook(io.BytesIO(data))
    whatif_sheet(wb, report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _noise(gain: Gain, scale: float) -> str:
    if gain.noise <= 1e-6:
        return "exakt (alle Pläne optimal)"
    return f"± {gain.noise * scale:.1f}" + (f" – {NOISE_TEXT}" if gain.within_noise else "")


def whatif_sheet(workbook: Workbook, report: WhatIfReport) -> Worksheet:
    """Add the "Vakanzen" sheet (first, active) to `workbook` and return it."""
    if SHEET_NAME in workbook.sheetnames:
        del workbook[SHEET_NAME]
    ws = workbook.create_sheet(SHEET_NAME, 0)
    workbook.active = 0
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    style = _Styler()
    scenario = report.scenario
    n = len(report.dates)
    when = f"{report.dates[0]:%d.%m.%Y}" + (f" – {report.dates[-1]:%d.%m.%Y}" if n > 1 else "")
    week = report.days_per_week / n
    _title(
        ws,
        style,
        f"Vakanzen – was besetzte Stellen bringen – {scenario.office.name} – {when}",
        f"{n} Tag{'e' if n > 1 else ''} geplant, je Tag und Lauf {report.options.time_limit_s:g} s; "
        f"eine Woche = {report.days_per_week} Öffnungstage; besetzt gedacht: {len(report.fill)} Stellen",
        scenario,
        when,
    )
    line = _border(bottom="grey")
    total = _border(top="total")
    widths = [34, 12, 12, 12, 12, 12, 14, 12]

    def put(
        r: int, c: int, value: Any, fmt: str | None = None, font: Any = BODY_FONT, border: Any = line, align: Any = None
    ) -> None:
        cell = ws.cell(row=r, column=c)
        if isinstance(value, str):
            write_text(cell, value)
        else:
            cell.value = value
        style(cell, font, None, border, align, fmt)

    # Gain per request type.
    r = 4
    style(
        write_text(ws.cell(row=r, column=1), "Mehr erledigte Anliegen, wenn alle gewählten Stellen besetzt sind"),
        _font(11, bold=True),
    )
    r += 1
    _header_row(
        ws,
        style,
        r,
        (
            "Anliegen",
            "Gewicht",
            "Ist je Tag",
            "Besetzt je Tag",
            "Mehr je Tag",
            "Mehr je Woche",
            "Gewichtet mehr je Woche",
        ),
        widths[:7],
        height=30,
    )
    value: Any
    fmt: str | None
    for row in report.service_rows():
        r += 1
        put(r, 1, row.name)
        for c, value, fmt in (
            (2, row.weight, "0.0#"),
            (3, report.per_day(row.base), "0.0"),
            (4, report.per_day(row.filled), "0.0"),
            (5, report.per_day(row.gain), "+0.0;-0.0;0"),
            (6, report.per_week(row.gain), "+0.0;-0.0;0"),
            (7, report.per_week(row.weighted_gain), "+0.0;-0.0;0"),
        ):
            put(r, c, value, fmt)
    r += 1
    g = report.gain
    put(r, 1, "Gewichtet erledigt", None, _font(9, bold=True), total)
    put(r, 2, None, None, BODY_FONT, total)
    for c, value in (
        (3, report.per_day(report.base.weighted)),
        (4, report.per_day(report.filled.weighted)),
        (5, report.per_day(g.weighted)),
        (6, None),
        (7, report.per_week(g.weighted)),
    ):
        put(r, c, value, "+0.0;-0.0;0" if c >= 5 else "0.0", _font(9, bold=True), total)

    # Key figures.
    r += 2
    _header_row(ws, style, r, ("Kennzahl", "Wert", "Erläuterung"), height=18)
    for c in range(4, 8):
        style(ws.cell(row=r, column=c), HEADER_FONT, _fill(HEADER_FILL))
    ceiling, headroom = report.ceiling, report.headroom
    figures: list[tuple[str, Any, str, str]] = [
        (
            "Gewichteter Gewinn je Woche",
            report.per_week(g.weighted),
            "+0.0;-0.0;0",
            "Mehr gewichtet erledigte Anliegen (Anzahl × Gewicht), hochgerechnet auf eine Woche.",
        ),
        (
            "Lücken (Rauschen) je Woche",
            g.noise * week,
            "0.0",
            "Summe der Lücken beider Planungen zur bewiesenen Schranke: um so viel kann der Gewinn danebenliegen.",
        ),
        (
            "Bewiesen mindestens je Woche",
            g.proven * week,
            "+0.0;-0.0;0",
            "Besetzt erledigt minus die Schranke von Ist: so viel ist der Gewinn sicher.",
        ),
        (
            "Schalter-Obergrenze je Woche",
            None if ceiling is None else ceiling * week,
            "0.0",
            "Mehr lassen Schalter, Ausstattung und Öffnungszeit mit keinem Personal zu (LP-Schranke).",
        ),
        (
            "Höchstens möglicher Gewinn je Woche",
            None if headroom is None else headroom * week,
            "+0.0;-0.0;0",
            "Schalter-Obergrenze minus Ist: mehr kann keine Besetzung bringen.",
        ),
    ]
    for label, value, fmt, note in figures:
        r += 1
        put(r, 1, label, None, BOLD_FONT)
        put(r, 2, value if value is not None else "–", fmt, BODY_FONT, line, _align("right"))
        put(r, 3, note, None, NOTE_FONT, line, _align("left", indent=1))
        for c in range(4, 8):
            put(r, c, None, None, NOTE_FONT)
    for note in _german_notes(report):
        r += 1
        style(write_text(ws.cell(row=r, column=1), note), _font(9, italic=True, color="9C5700"))

    # Ranking of the single vacancies.
    r += 2
    style(
        write_text(ws.cell(row=r, column=1), "Wert jeder Stelle, allein besetzt (je Woche), nach Rang"),
        _font(11, bold=True),
    )
    r += 1
    services = [t for t in scenario.service_types if any(v.gain.served.get(t.id, 0) for v in report.singles)]
    heads = [
        "Stelle",
        "Rang",
        "Wochenstunden",
        "Gewichteter Gewinn",
        "Lücken ±",
        "Bewiesen mindestens",
        *(f"Mehr {t.name}" for t in services),
        "Fähigkeiten",
        "Hinweis",
    ]
    _header_row(ws, style, r, heads, height=42)
    head = r
    for v in report.singles:
        r += 1
        notes = []
        if v.shared_with:
            notes.append(f"gleiche Stelle wie {v.shared_with} (ein Lauf)")
        if v.gain.within_noise:
            notes.append(NOISE_TEXT)
        row_values: list[tuple[Any, str | None]] = [
            (_post(v.vacancy.id, v.vacancy.title), None),
            (v.rank, "0"),
            (v.vacancy.weekly_hours, "0.#"),
            (v.gain.weighted * week, "+0.0;-0.0;0"),
            (v.gain.noise * week, "0.0"),
            (v.gain.proven * week, "+0.0;-0.0;0"),
            *((v.gain.served.get(t.id, 0) * week, "+0.0;-0.0;0") for t in services),
            (", ".join(v.vacancy.skills), None),
            ("; ".join(notes), None),
        ]
        for c, (value, fmt) in enumerate(row_values, start=1):
            put(r, c, value, fmt, NOTE_FONT if c >= len(row_values) - 1 else BODY_FONT)
    if r > head:
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(heads))}{r}"

    # Hypothetical shifts.
    r += 2
    style(
        write_text(
            ws.cell(row=r, column=1), "Angenommene Schichten der besetzten Stellen (Anwesenheit, Pause inklusive)"
        ),
        _font(11, bold=True),
    )
    r += 1
    _header_row(
        ws, style, r, ["Stelle", *(f"{WEEKDAY_DE[d.weekday()][:2]} {d:%d.%m.}" for d in report.dates)], height=18
    )
    by_vacancy: dict[str, dict[Any, str]] = {}
    for s in report.shifts:
        by_vacancy.setdefault(s.vacancy, {})[s.date] = span(s.start, s.end)
    for vid in report.fill:
        r += 1
        put(r, 1, _post(vid, report.vacancy(vid).title))
        for c, d in enumerate(report.dates, start=2):
            put(r, c, by_vacancy.get(vid, {}).get(d, "–"), None, BODY_FONT, line, _align("center"))

    # Days side by side.
    r += 2
    style(write_text(ws.cell(row=r, column=1), "Tage: gewichtet erledigt, Ist und besetzt"), _font(11, bold=True))
    r += 1
    _header_row(
        ws,
        style,
        r,
        (
            "Datum",
            "Ist",
            "Status Ist",
            "Lücke Ist",
            "Besetzt",
            "Status besetzt",
            "Lücke besetzt",
            "Gewinn",
            "Schalter-Obergrenze",
            "Plan besetzt",
        ),
        height=30,
    )
    ceilings = report.ceilings or (None,) * len(report.dates)
    for i, (b, f, top) in enumerate(zip(report.base.plans, report.filled.plans, ceilings)):
        r += 1
        source = report.filled.source(i)
        put(r, 10, _source_de(source), None, NOTE_FONT)
        cells = [
            (f"{WEEKDAY_DE[b.date.weekday()]}, {b.date:%d.%m.%Y}", None),
            (b.kpis["weighted_served"], "0.0"),
            (b.status, None),
            (b.solver.gap, "0.0%"),
            (f.kpis["weighted_served"], "0.0"),
            (f.status, None),
            (f.solver.gap, "0.0%"),
            (f.kpis["weighted_served"] - b.kpis["weighted_served"], "+0.0;-0.0;0"),
            (top if top is not None else "–", "0.0"),
        ]
        for c, (value, fmt) in enumerate(cells, start=1):
            put(r, c, value, fmt)
    for _date, reason in report.skipped:
        r += 1
        style(write_text(ws.cell(row=r, column=1), f"nicht geplant: {reason}"), NOTE_FONT)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for c in range(len(widths) + 1, len(heads) - 1):
        ws.column_dimensions[get_column_letter(c)].width = 13
    ws.column_dimensions[get_column_letter(max(len(heads) - 1, len(widths) + 1))].width = 28
    ws.column_dimensions[get_column_letter(max(len(heads), len(widths) + 2))].width = 40
    ws.freeze_panes = "A4"
    return ws


def _post(vacancy_id: str, title: str) -> str:
    return f"{vacancy_id} – {title}" if title else vacancy_id


def _source_de(source: str) -> str:
    """Where a filled day's plan comes from, in German."""
    if source == "solved":
        return "gelöst"
    label = source.removeprefix("kept ")
    plan = "Ist-Plan" if label == "base" else f"Plan mit {label.removesuffix(' alone')} allein"
    return f"{plan} übernommen (neue Stellen im Back Office): die Lösung blieb darunter"


def _german_notes(report: WhatIfReport) -> list[str]:
    notes = []
    g = report.gain
    if g.within_noise and g.proven > 1e-6:
        notes.append(
            "Hinweis: Der Gesamtgewinn ist nicht größer als die Lücken der Planungen; seine Höhe ist "
            "unsicher, bewiesen ist aber der Wert „Bewiesen mindestens“. Mehr Rechenzeit je Tag "
            "(--time-limit) verkleinert die Lücken."
        )
    elif g.within_noise:
        notes.append(
            "Hinweis: Der Gesamtgewinn ist nicht größer als die Lücken der Planungen; er kann "
            "Rauschen des Solvers sein. Mehr Rechenzeit je Tag (--time-limit) verkleinert die Lücken."
        )
    missing = report.unplanned_weekdays()
    if missing:
        names = {
            "mon": "Montag",
            "tue": "Dienstag",
            "wed": "Mittwoch",
            "thu": "Donnerstag",
            "fri": "Freitag",
            "sat": "Samstag",
            "sun": "Sonntag",
        }
        notes.append(
            f"Hinweis: Die Werte je Woche rechnen die geplanten Tage auf {report.days_per_week} "
            f"Öffnungstage hoch; nicht geplant: {', '.join(names[d] for d in missing)}. Andere Wochentage "
            "können ganz anders liegen: für Wochenwerte eine ganze Woche planen."
        )
    tight = report.counter_bound_days()
    if tight and len(tight) < len(report.dates):
        days = ", ".join(f"{WEEKDAY_DE[d.weekday()]} {d:%d.%m.}" for d, _ in tight)
        notes.append(
            f"Hinweis: {days}: Ist liegt schon höchstens 2 % unter der Schalter-Obergrenze; dort bringt "
            f"keine Besetzung mehr als {sum(h for _, h in tight):g} (gewichtet). Es fehlen Schalter, "
            "kein Personal."
        )
    if report.limit() == "demand":
        notes.append(
            "Hinweis: Mit den besetzten Stellen wird der ganze Bedarf erledigt; weitere Stellen bringen nichts mehr."
        )
    elif report.limit() == "counters":
        notes.append(
            "Hinweis: Die besetzte Planung liegt an der Schalter-Obergrenze: weitere Stellen bringen "
            "ohne weitere Schalter (oder längere Öffnungszeiten) kaum mehr."
        )
    return notes


__all__ = ["SHEET_NAME", "whatif_sheet", "whatif_workbook"]
