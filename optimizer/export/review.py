"""The review workbook: the day's plan as the office manager reads, prints and checks it.

`review_workbook(plans, scenario) -> bytes` is a pure function (the caller writes atomically).  Per
office-day it writes four sheets, German labels:

- **Tagesplan**: people as rows, time in grid steps as columns; one merged block per sitting
  (`optimizer.sittings_view`: a stretch of service at one counter, back office at the desk
  included) labelled with the counter and the request types, and blocks for Lotse, Back Office and
  Pause outside sittings; per person the slots, sittings and counters; the opening hours are a
  green band above the time axis and framed in the grid; a legend below.
- **Schalterbelegung**: per counter, one block per sitting labelled with the person's name and the
  request types, over the opening hours; per counter the slots, sittings and people: the page an
  office pins on the wall.
- **Termine**: every slot (date, time, request type, counter, person, channel, release time, booking),
  with filters and frozen headers.
- **Kennzahlen**: served against demand per request type, the share of the fluid and equipment
  bounds, the solver's gap, counter utilisation, a native bar chart, and bookings to rebook.
- **Wartezeiten** (scenarios with `requests`, docs/horizon.md): per request type requests, served,
  mean and 90th-percentile wait, target, share within target and the queue at the end, counted as
  ../shared/tools/wait_eval.py counts; the day's contingents; a line chart of the queue per type.

Several days get a **Woche** overview first and one such sheet set per day, the date appended to
the sheet names.  Every sheet prints landscape, one page wide, with the office and date as title.

Staff appear by id *and name*: the review workbook is an internal document of the office and must
stay inside it (docs/workbook.md).  Exports for the public (CSV, booking system) carry no names.

All text that comes from input data goes through `cells.write_text`: it is never a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter as Tally
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from ..clock import hhmm
from ..errors import InputError
from ..office_days import opening_intervals
from ..plan import Plan
from ..scenario import Scenario
from ..sittings_view import Sitting, person_figures, plan_sittings
from .cells import write_text

WEEKDAY_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
CHANNEL_DE = {"calendar": "Kalender", "same_day": "Tagestermin"}
ACTIVITY_DE = {"guide": "Lotse", "back_office": "Back Office", "break": "Pause"}
ACTIVITY_SHORT = {"back_office": "BO", "guide": "L", "break": "P"}

SERVICE_COLOURS = (
    "9DC3E6",
    "F4B183",
    "A9D18E",
    "FFD966",
    "D5A6E6",
    "F19C9C",
    "8FD3C8",
    "C9C9FF",
    "E2C290",
    "B4E197",
    "F7C6E0",
    "BDD7EE",
)
"""Light fills for request types; black text on each has a contrast ratio above 9:1."""
GUIDE_FILL = "1F4E79"
BACK_OFFICE_FILL = "A6A6A6"
BREAK_FILL = "EDEDED"
MIXED_FILL = "DDD9C4"
"""A sitting with several request types (one type: that type's colour)."""
OPEN_FILL = "C6EFCE"
OPEN_HEADER_FILL = "2E7D32"
HEADER_FILL = "1F4E79"
STRIPE_FILL = "F2F2F2"

FONT_NAME = "Arial"
"""Arial everywhere: in Excel, and metric-compatible Liberation Sans in LibreOffice."""


def _font(size: float = 10, bold: bool = False, italic: bool = False, color: str = "000000") -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color=color)


BODY_FONT = _font(9)
BOLD_FONT = _font(9, bold=True)
TITLE_FONT = _font(14, bold=True)
SUBTITLE_FONT = _font(9, color="404040")
HEADER_FONT = _font(9, bold=True, color="FFFFFF")
BLOCK_FONT = _font(8)
GUIDE_FONT = _font(8, bold=True, color="FFFFFF")
BREAK_FONT = _font(8, italic=True, color="404040")
SITTING_FONT = _font(8)
COUNTER_SITTING_FONT = _font(9)
NOTE_FONT = _font(8, color="404040")
SIDES = {
    "none": Side(),
    "grey": Side(style="thin", color="BFBFBF"),
    "hour": Side(style="thin", color="808080"),
    "block": Side(style="thin", color="404040"),
    "open": Side(style="medium", color="2E7D32"),
    "total": Side(style="medium", color="000000"),
}
STEP_WIDTH = 1.6
"""Width of one grid-step column (characters)."""
CHAR_WIDTH = 0.7
"""Width of one character of the 8-point block font, in column-width units (for fitting labels)."""


@cache
def _fill(colour: str | None) -> PatternFill:
    return PatternFill("solid", fgColor=colour) if colour else PatternFill()


@cache
def _border(left: str = "none", right: str = "none", top: str = "none", bottom: str = "none") -> Border:
    return Border(left=SIDES[left], right=SIDES[right], top=SIDES[top], bottom=SIDES[bottom])


@cache
def _align(horizontal: str | None = None, wrap: bool = False, vertical: str = "center", indent: int = 0) -> Alignment:
    return Alignment(horizontal=horizontal, vertical=vertical, wrap_text=wrap, indent=indent)


class _Styler:
    """Sets cell styles through a cache: openpyxl hashes every style object on each assignment,
    which made a day's grid take seconds; a cached style is copied as openpyxl's documented
    ``cell._style = copy(other._style)`` idiom."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, ...] | tuple[Any, ...], Any] = {}

    def __call__(
        self,
        cell: Any,
        font: Font = BODY_FONT,
        fill: PatternFill | None = None,
        border: Border | None = None,
        align: Alignment | None = None,
        fmt: str | None = None,
    ) -> Any:
        key = (id(font), id(fill), id(border), id(align), fmt)
        cached = self._cache.get(key)
        if cached is not None:
            cell._style = copy(cached)
            return cell
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if align is not None:
            cell.alignment = align
        if fmt is not None:
            cell.number_format = fmt
        self._cache[key] = copy(cell._style)
        return cell


def review_workbook(plans: Sequence[Plan], scenario: Scenario) -> bytes:
    """The review workbook of `plans` (one or more days of the scenario's office) as .xlsx bytes."""
    if not plans:
        raise InputError("review workbook: no plans given")
    for plan in plans:
        if plan.office != scenario.office.id:
            raise InputError(
                f"review workbook: the plan of {plan.date} is for office '{plan.office}', "
                f"the scenario is office '{scenario.office.id}'"
            )
    plans = sorted(plans, key=lambda p: p.date)
    if len({p.date for p in plans}) != len(plans):
        raise InputError("review workbook: two plans for the same date")
    colours = service_colours(scenario)
    wb = Workbook()
    wb.remove(wb.active)
    style = _Styler()
    multi = len(plans) > 1
    if multi:
        _week_sheet(wb.create_sheet("Woche"), plans, scenario, style)
    if scenario.requests:
        _waits_sheet(wb.create_sheet("Wartezeiten"), plans, scenario, style)
    for plan in plans:
        suffix = f" {plan.date.isoformat()}" if multi else ""
        _grid_sheet(wb.create_sheet("Tagesplan" + suffix), plan, scenario, colours, style, by_counter=False)
        _grid_sheet(wb.create_sheet("Schalterbelegung" + suffix), plan, scenario, colours, style, by_counter=True)
        _slots_sheet(wb.create_sheet("Termine" + suffix), plan, scenario, style)
        _kpi_sheet(wb.create_sheet("Kennzahlen" + suffix), plan, scenario, style)
    wb.active = 0
    wb.properties.title = f"Tagesplan {scenario.office.id}"
    wb.properties.creator = "slotplan"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def service_colours(scenario: Scenario) -> dict[str, str]:
    """Fill colour (RRGGBB) per request type id, in scenario order."""
    return {t.id: SERVICE_COLOURS[i % len(SERVICE_COLOURS)] for i, t in enumerate(scenario.service_types)}


# ---------------------------------------------------------------- shared pieces


def day_title(plan: Plan) -> str:
    return f"{WEEKDAY_DE[plan.date.weekday()]}, {plan.date:%d.%m.%Y}"


def _title(ws: Worksheet, style: _Styler, title: str, subtitle: str, scenario: Scenario, when: str) -> None:
    style(write_text(ws["A1"], title), TITLE_FONT)
    style(write_text(ws["A2"], subtitle), SUBTITLE_FONT)
    ws.row_dimensions[1].height = 20
    _print_setup(ws, f"{scenario.office.name} – {when}")


def _print_setup(ws: Worksheet, header: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.75, 0.6
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    # "&" starts a control code in headers and footers: double it in text from input data.
    ws.oddHeader.right.text = header.replace("&", "&&")
    ws.oddHeader.right.size = 8
    ws.oddHeader.right.font = FONT_NAME
    ws.oddFooter.left.text = "slotplan – nur für den Dienstgebrauch: enthält Namen von Beschäftigten"
    ws.oddFooter.left.size = 8
    ws.oddFooter.left.font = FONT_NAME
    ws.oddFooter.right.text = "Seite &P von &N"
    ws.oddFooter.right.size = 8
    ws.oddFooter.right.font = FONT_NAME


def _header_row(
    ws: Worksheet,
    style: _Styler,
    row: int,
    labels: Sequence[str],
    widths: Sequence[float] | None = None,
    height: float = 30,
) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        style(cell, HEADER_FONT, _fill(HEADER_FILL), None, _align("center", wrap=True))
        if widths:
            ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    ws.row_dimensions[row].height = height


def _share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# ---------------------------------------------------------------- Tagesplan / Schalterbelegung


@dataclass(frozen=True)
class _Block:
    """One coloured block of a grid row: `[start, end)` in minutes, the first label that fits is shown."""

    key: str
    start: int
    end: int
    fill: str
    labels: tuple[str, ...]
    font: Font


@dataclass(frozen=True)
class _GridSpec:
    """What differs between the sheet by person and the sheet by counter."""

    title: str
    heads: tuple[str, str]
    label_width: float
    keys: list[str]
    labels: dict[str, str]
    figures: tuple[str, ...]
    values: Mapping[str, tuple[int, ...]]
    blocks: list[_Block]
    span: tuple[int, int]
    row_height: float


def type_labels(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Per request type id: its short label and abbreviation in the grids, e.g. ("Übertrag", "Über.").

    The short label is the first word of the name (without trailing punctuation), or the whole name
    when two types share that word; the abbreviation is the shortest prefix of at least four letters
    that no other type's short label shares, with a full stop (the short label when it is no longer).
    """
    names = {t.id: (t.name.split() or [t.id])[0].rstrip(":;,.-–") or t.id for t in scenario.service_types}
    counts = Tally(names.values())
    short = {t.id: names[t.id] if counts[names[t.id]] == 1 else t.name for t in scenario.service_types}
    out = {}
    for k, label in short.items():
        others = [v for o, v in short.items() if o != k]
        n = 4
        while n < len(label) and any(v.startswith(label[:n]) for v in others):
            n += 1
        out[k] = (label, label if n + 1 >= len(label) else label[:n] + ".")
    return out


def _span(plan: Plan, opening: list[tuple[int, int]], service_only: bool) -> tuple[int, int]:
    shown = [a for a in plan.assignments if a.activity == "service" or not service_only]
    times = [a.start for a in shown] + [a.end for a in shown]
    times += [t for interval in opening for t in interval]
    if not times:
        return 8 * 60, 16 * 60
    return min(times) // 60 * 60, -(-max(times) // 60) * 60


def _fits(text: str, steps: int, size: float = 8) -> bool:
    return len(text) * CHAR_WIDTH * size / 8 <= steps * STEP_WIDTH - 0.6


def _sitting_fill(sitting: Sitting, colours: dict[str, str]) -> str:
    """The request type's colour when the sitting serves one type, else the colour for several."""
    if len(sitting.services) == 1:
        return colours.get(sitting.services[0], MIXED_FILL)
    return MIXED_FILL


def _sitting_labels(head: str, sitting: Sitting, short: dict[str, tuple[str, str]]) -> tuple[str, ...]:
    """From the longest to the shortest: head with times and types, with types, with abbreviations, head."""
    full = ", ".join(short.get(s, (s, s))[0] for s in sitting.services)
    brief = ", ".join(short.get(s, (s, s))[1] for s in sitting.services)
    times = f"{hhmm(sitting.start)}–{hhmm(sitting.end)}"
    return (f"{head} · {full} · {times}", f"{head} · {full}", f"{head} · {brief}", head)


def _person_spec(
    plan: Plan,
    scenario: Scenario,
    sittings: list[Sitting],
    colours: dict[str, str],
    short: dict[str, tuple[str, str]],
    opening: list[tuple[int, int]],
) -> _GridSpec:
    order = {p.id: i for i, p in enumerate(scenario.staff)}
    names = {p.id: p.name for p in scenario.staff}
    keys = sorted({a.staff for a in plan.assignments}, key=lambda k: (order.get(k, len(order)), k))
    blocks = [
        _Block(
            s.staff,
            s.start,
            s.end,
            _sitting_fill(s, colours),
            _sitting_labels(s.counter or "?", s, short),
            SITTING_FONT,
        )
        for s in sittings
    ]
    inside: dict[str, list[tuple[int, int]]] = {}
    for s in sittings:
        inside.setdefault(s.staff, []).append((s.start, s.end))
    for a in plan.assignments:
        if a.activity == "service" or any(s <= a.start and a.end <= e for s, e in inside.get(a.staff, [])):
            continue
        fill, font = {
            "guide": (GUIDE_FILL, GUIDE_FONT),
            "back_office": (BACK_OFFICE_FILL, BLOCK_FONT),
            "break": (BREAK_FILL, BREAK_FONT),
        }[a.activity]
        blocks.append(
            _Block(a.staff, a.start, a.end, fill, (ACTIVITY_DE[a.activity], ACTIVITY_SHORT[a.activity]), font)
        )
    figures = person_figures(sittings)
    slots = Tally(s.staff for s in plan.slots)
    values = {
        k: (slots.get(k, 0), figures[k].sittings if k in figures else 0, figures[k].counters if k in figures else 0)
        for k in keys
    }
    return _GridSpec(
        title=f"Tagesplan – {scenario.office.name} – {day_title(plan)}",
        heads=("Kennung", "Name"),
        label_width=22,
        keys=keys,
        labels={k: names.get(k, "") for k in keys},
        figures=("Termine", "Sitzungen", "Schalter"),
        values=values,
        blocks=blocks,
        span=_span(plan, opening, service_only=False),
        row_height=16,
    )


def _counter_spec(
    plan: Plan,
    scenario: Scenario,
    sittings: list[Sitting],
    colours: dict[str, str],
    short: dict[str, tuple[str, str]],
    opening: list[tuple[int, int]],
) -> _GridSpec:
    keys = [c.id for c in scenario.office.counters]
    keys += sorted({s.counter for s in sittings if s.counter and s.counter not in keys})
    names = {p.id: p.name for p in scenario.staff}
    twice = {n for n, k in Tally(names.values()).items() if k > 1}

    def person(staff: str) -> str:
        name = names.get(staff) or staff
        return f"{name} ({staff})" if name in twice else name

    blocks = [
        _Block(
            s.counter,
            s.start,
            s.end,
            _sitting_fill(s, colours),
            (*_sitting_labels(person(s.staff), s, short), s.staff),
            COUNTER_SITTING_FONT,
        )
        for s in sittings
        if s.counter
    ]
    slots = Tally(s.counter for s in plan.slots)
    values = {
        k: (
            slots.get(k, 0),
            sum(1 for s in sittings if s.counter == k),
            len({s.staff for s in sittings if s.counter == k}),
        )
        for k in keys
    }
    return _GridSpec(
        title=f"Schalterbelegung – {scenario.office.name} – {day_title(plan)}",
        heads=("Schalter", "Ausstattung"),
        label_width=16,
        keys=keys,
        labels={c.id: ", ".join(c.equipment) for c in scenario.office.counters},
        figures=("Termine", "Sitzungen", "Personen"),
        values=values,
        blocks=blocks,
        span=_span(plan, opening, service_only=True),
        row_height=22,
    )


def _grid_sheet(
    ws: Worksheet, plan: Plan, scenario: Scenario, colours: dict[str, str], style: _Styler, by_counter: bool
) -> None:
    """Tagesplan (a row per person) or Schalterbelegung (a row per counter): one block per sitting."""
    grid = scenario.office.granularity_min
    opening = opening_intervals(scenario, plan.date)
    sittings = plan_sittings(plan)
    short = type_labels(scenario)
    spec = (_counter_spec if by_counter else _person_spec)(plan, scenario, sittings, colours, short, opening)
    t0, t1 = spec.span
    steps = (t1 - t0) // grid
    first = 3  # the grid starts in column C
    extra = first + steps  # the figures after the grid

    def col(minutes: int) -> int:
        return first + (minutes - t0) // grid

    opening_text = ", ".join(f"{hhmm(s)}–{hhmm(e)}" for s, e in opening) or "geschlossen"
    subtitle = (
        f"Öffnungszeit {opening_text} · Status {plan.status} · gewichtet erledigt "
        f"{_number(plan.kpis.get('weighted_served'))} · {len(plan.slots)} Termine · "
        f"{len(sittings)} Sitzungen · Raster {grid} Minuten"
    )
    _title(ws, style, spec.title, subtitle, scenario, day_title(plan))

    band, head = 4, 5
    top = head + 1
    is_open = [any(s <= t0 + i * grid < e for s, e in opening) for i in range(steps)]
    # Opening hours: a green band above the time axis, the axis itself green while open.
    style(
        write_text(ws.cell(row=band, column=2), "Öffnungszeit"),
        _font(8, bold=True, color="1E5631"),
        None,
        None,
        _align("right"),
    )
    for s, e in opening:
        c0, c1 = col(max(s, t0)), col(min(e, t1)) - 1
        for c in range(c0, c1 + 1):
            style(
                ws.cell(row=band, column=c),
                _font(8, bold=True, color="1E5631"),
                _fill(OPEN_FILL),
                None,
                _align("centerContinuous"),
            )
        if c1 >= c0:
            ws.cell(row=band, column=c0, value=f"geöffnet {hhmm(s)}–{hhmm(e)}")
    for col_index, (label, width) in enumerate(zip(spec.heads, (10, spec.label_width)), start=1):
        style(ws.cell(row=head, column=col_index, value=label), HEADER_FONT, _fill(HEADER_FILL), None, _align("left"))
        ws.column_dimensions[get_column_letter(col_index)].width = width
    for i in range(steps):
        minutes = t0 + i * grid
        cell = ws.cell(row=head, column=first + i, value=hhmm(minutes) if minutes % 60 == 0 else None)
        fill = OPEN_HEADER_FILL if is_open[i] else HEADER_FILL
        hour = _border(left="hour") if minutes % 60 == 0 else None
        style(cell, HEADER_FONT, _fill(fill), hour, _align("left"))
        ws.column_dimensions[get_column_letter(first + i)].width = STEP_WIDTH
    for i, label in enumerate(spec.figures):
        style(ws.cell(row=head, column=extra + i, value=label), HEADER_FONT, _fill(HEADER_FILL), None, _align("center"))
        ws.column_dimensions[get_column_letter(extra + i)].width = 9.5
    ws.row_dimensions[head].height = 15

    open_starts = {col(s) for s, _ in opening if t0 <= s < t1}
    open_ends = {col(e) - 1 for _, e in opening if t0 < e <= t1}
    hour_cols = {col(m) for m in range(t0, t1, 60)}

    def left(c: int, block_start: bool = False) -> str:
        if c in open_starts:
            return "open"
        return "block" if block_start else "hour" if c in hour_cols else "none"

    def right(c: int, block_end: bool = False) -> str:
        return "open" if c in open_ends else "block" if block_end else "none"

    def sides(c: int, block_start: bool = False, block_end: bool = False) -> Border:
        return _border(left(c, block_start), right(c, block_end), "grey", "grey")

    row_of = {k: top + i for i, k in enumerate(spec.keys)}
    box = _border("grey", "grey", "grey", "grey")
    for k, r in row_of.items():
        style(write_text(ws.cell(row=r, column=1), k), BOLD_FONT, None, box, _align())
        style(write_text(ws.cell(row=r, column=2), spec.labels.get(k, "")), BODY_FONT, None, box, _align())
        for i, value in enumerate(spec.values[k]):
            style(ws.cell(row=r, column=extra + i, value=value), BODY_FONT, None, box, _align("center"))
        ws.row_dimensions[r].height = spec.row_height
        for c in range(first, extra):
            style(ws.cell(row=r, column=c), BLOCK_FONT, None, sides(c))
    for b in spec.blocks:
        if b.key not in row_of or b.end <= b.start:
            continue
        r, c0, c1 = row_of[b.key], col(max(b.start, t0)), col(min(b.end, t1)) - 1
        if c1 < c0:
            continue
        width = c1 - c0 + 1
        text = next((t for t in b.labels if _fits(t, width, b.font.sz)), None)
        for c in range(c0, c1 + 1):
            style(ws.cell(row=r, column=c), b.font, _fill(b.fill), sides(c, c == c0, c == c1), _align("center"))
        if c1 > c0:
            # A merged block takes its frame from the first cell: give it both outer sides.
            outer = _border(left(c0, True), right(c1, True), "grey", "grey")
            style(ws.cell(row=r, column=c0), b.font, _fill(b.fill), outer, _align("center"))
            # Declared directly: `ws.merge_cells` restyles the covered cells one by one, which took
            # seconds per sheet; the covered cells keep the styles set above, as Excel saves them.
            ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c0)}{r}:{get_column_letter(c1)}{r}"))
        write_text(ws.cell(row=r, column=c0), text)
    bottom = top + len(spec.keys)
    if not spec.keys:
        style(write_text(ws.cell(row=top, column=1), "Niemand eingeplant."), BODY_FONT)
        bottom += 1
    _legend(ws, style, bottom + 1, sittings, scenario, colours, short, by_counter)
    ws.freeze_panes = ws.cell(row=top, column=first)
    ws.print_title_rows = f"{band}:{head}"
    ws.print_title_cols = "A:B"


def _legend(
    ws: Worksheet,
    style: _Styler,
    row: int,
    sittings: list[Sitting],
    scenario: Scenario,
    colours: dict[str, str],
    short: dict[str, tuple[str, str]],
    by_counter: bool,
) -> None:
    style(write_text(ws.cell(row=row, column=1), "Legende"), BOLD_FONT)
    used = {s for sitting in sittings for s in sitting.services}
    entries: list[tuple[str, str, str, Font]] = []
    for t in scenario.service_types:
        label, abbreviation = short[t.id]
        note = "" if t.id in used else " (an diesem Tag nicht eingeplant)"
        named = label if label == abbreviation else f"{label}, kurz {abbreviation}"
        entries.append((colours[t.id], abbreviation, f"{t.name} – im Feld: {named}{note}", BLOCK_FONT))
    entries.append((MIXED_FILL, "", "Sitzung mit mehreren Anliegen (im Feld genannt)", BLOCK_FONT))
    if not by_counter:
        entries += [
            (GUIDE_FILL, ACTIVITY_DE["guide"], "Lotse am Eingang (kurz: L)", GUIDE_FONT),
            (
                BACK_OFFICE_FILL,
                ACTIVITY_DE["back_office"],
                "Aktenarbeit ohne Publikum außerhalb einer Sitzung (kurz: BO)",
                BLOCK_FONT,
            ),
            (BREAK_FILL, ACTIVITY_DE["break"], "Pause (kurz: P)", BREAK_FONT),
        ]
    entries.append((OPEN_FILL, "", "Öffnungszeit: grüne Zeitachse, grün umrandet im Raster", BLOCK_FONT))
    block = _border("block", "block", "block", "block")
    for i, (colour, swatch_text, text, font) in enumerate(entries, start=1):
        r = row + i
        style(write_text(ws.cell(row=r, column=1), swatch_text), font, _fill(colour), block, _align("center"))
        style(write_text(ws.cell(row=r, column=2), text), BODY_FONT)
    sitting = (
        "Ein Feld ist eine Sitzung: eine Person bedient ohne Unterbrechung an einem Schalter; "
        "Aktenarbeit am Platz zwischen den Terminen gehört dazu. "
    )
    note = (
        sitting + "Im Feld: die Person und ihre Anliegen. Rechts: Termine, Sitzungen und Personen am Schalter."
        if by_counter
        else sitting + "Im Feld: der Schalter und die Anliegen; leere Felder: nicht anwesend. Rechts: "
        "Termine, Sitzungen und genutzte Schalter der Person."
    )
    style(write_text(ws.cell(row=row + len(entries) + 1, column=2), note), _font(8, italic=True))


# ---------------------------------------------------------------- Termine


def _slots_sheet(ws: Worksheet, plan: Plan, scenario: Scenario, style: _Styler) -> None:
    services = {t.id: t.name for t in scenario.service_types}
    names = {p.id: p.name for p in scenario.staff}
    heads = (
        "Datum",
        "Beginn",
        "Ende",
        "Anliegen",
        "Kennung Anliegen",
        "Schalter",
        "Person",
        "Name",
        "Kanal",
        "Freigabe",
        "Buchung",
        "Termin-Kennung",
    )
    widths = (11, 8, 8, 30, 16, 9, 9, 22, 12, 17, 11, 42)
    booked = sum(1 for s in plan.slots if s.booking)
    _title(
        ws,
        style,
        f"Termine – {scenario.office.name} – {day_title(plan)}",
        f"{len(plan.slots)} Termine, davon {booked} gebucht; Filter in der Kopfzeile",
        scenario,
        day_title(plan),
    )
    head = 4
    _header_row(ws, style, head, heads, widths)
    centre = _align("center")
    slots = sorted(plan.slots, key=lambda s: (s.start, s.counter, s.id))
    for r, slot in enumerate(slots, start=head + 1):
        fill = _fill(STRIPE_FILL) if (r - head) % 2 == 0 else None
        end = dt.time(slot.end // 60, slot.end % 60) if slot.end < 24 * 60 else dt.timedelta(days=1)
        release = _datetime(slot.release_at)
        texts = {
            4: services.get(slot.service, slot.service),
            5: slot.service,
            6: slot.counter,
            7: slot.staff,
            8: names.get(slot.staff, ""),
            9: CHANNEL_DE.get(slot.channel, slot.channel) + (" (überbucht)" if slot.overbook_of else ""),
            11: slot.booking,
            12: slot.id,
        }
        style(ws.cell(row=r, column=1, value=slot.date), BODY_FONT, fill, None, centre, "DD.MM.YYYY")
        start = dt.time(slot.start // 60, slot.start % 60)
        style(ws.cell(row=r, column=2, value=start), BODY_FONT, fill, None, centre, "hh:mm")
        style(ws.cell(row=r, column=3, value=end), BODY_FONT, fill, None, centre, "hh:mm")
        for c, text in texts.items():
            style(
                write_text(ws.cell(row=r, column=c), text), BODY_FONT, fill, None, centre if c in (6, 7, 11) else None
            )
        if release is not None:
            style(ws.cell(row=r, column=10, value=release), BODY_FONT, fill, None, centre, "DD.MM.YYYY hh:mm")
        else:
            style(write_text(ws.cell(row=r, column=10), slot.release_at), BODY_FONT, fill, None, centre)
    last = head + max(len(slots), 1)
    ws.auto_filter.ref = f"A{head}:{get_column_letter(len(heads))}{last}"
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    ws.print_title_rows = f"{head}:{head}"


def _datetime(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value.replace(tzinfo=None)


# ---------------------------------------------------------------- Kennzahlen


def _number(value: Any) -> str:
    """German number text: 1267,5; 779."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return "–"


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _kpi_sheet(ws: Worksheet, plan: Plan, scenario: Scenario, style: _Styler) -> None:
    k = plan.kpis
    served, demand = k.get("served", {}), k.get("demand", {})
    slots, same_day = k.get("slots", {}), k.get("same_day_slots", {})
    _title(
        ws,
        style,
        f"Kennzahlen – {scenario.office.name} – {day_title(plan)}",
        f"Status {plan.status} · Lücke zur bewiesenen Schranke {_number(plan.solver.gap * 100)} %",
        scenario,
        day_title(plan),
    )
    head = 4
    heads = ("Anliegen", "Bedarf", "Erledigt", "Anteil erledigt", "Termine", "davon Tages-termine", "Gewicht")
    _header_row(ws, style, head, heads, (36, 10, 10, 11, 10, 11, 10))
    line = _border(bottom="grey")
    r = head
    for t in scenario.service_types:
        r += 1
        d, s = demand.get(t.id, 0), served.get(t.id, 0)
        style(write_text(ws.cell(row=r, column=1), t.name), BODY_FONT, None, line)
        for c, value, fmt in (
            (2, d, "0"),
            (3, s, "0"),
            (4, _share(s, d), "0%"),
            (5, slots.get(t.id, 0), "0"),
            (6, same_day.get(t.id, 0), "0"),
            (7, t.weight, "0.0#"),
        ):
            style(ws.cell(row=r, column=c, value=value), BODY_FONT, None, line, None, fmt)
    first_data, last_data = head + 1, r
    r += 1
    total_d = sum(demand.get(t.id, 0) for t in scenario.service_types)
    total_s = sum(served.get(t.id, 0) for t in scenario.service_types)
    totals = (
        "Summe",
        total_d,
        total_s,
        _share(total_s, total_d),
        sum(slots.get(t.id, 0) for t in scenario.service_types),
        sum(same_day.get(t.id, 0) for t in scenario.service_types),
        None,
    )
    for c, value in enumerate(totals, start=1):
        style(
            ws.cell(row=r, column=c, value=value),
            _font(9, bold=True),
            None,
            _border(top="total"),
            None,
            "0%" if c == 4 else "0",
        )

    r += 2
    _header_row(ws, style, r, ("Kennzahl", "Wert", "Erläuterung"), height=18)
    for c in range(4, 8):
        style(ws.cell(row=r, column=c), HEADER_FONT, _fill(HEADER_FILL))
    solver = plan.solver
    figures = list(person_figures(plan_sittings(plan)).values())
    rows: list[tuple[str, Any, str, str]] = [
        (
            "Gewichtet erledigt",
            k.get("weighted_served"),
            "0.0",
            "Summe der erledigten Anliegen × Gewicht: das, was die Planung maximiert.",
        ),
        ("Gewichteter Bedarf", k.get("weighted_demand"), "0.0", "Bedarf × Gewicht."),
        (
            "Fluid-Schranke",
            k.get("fluid_bound"),
            "0.0",
            "Höchstens erreichbar mit dem anwesenden Personal an passenden Schaltern (LP-Relaxation).",
        ),
        ("Anteil der Fluid-Schranke", k.get("fluid_share"), "0.0%", "Gewichtet erledigt ÷ Fluid-Schranke."),
        (
            "Fluid-Schranke mit Mindestanteilen",
            k.get("fluid_bound_floors"),
            "0.0",
            "Dieselbe Schranke, wenn jedes Anliegen seinen Mindestanteil (Kontingent) bekommt.",
        ),
        (
            "Anteil der Schranke mit Mindestanteilen",
            k.get("fluid_share_floors"),
            "0.0%",
            "Gewichtet erledigt ÷ Fluid-Schranke mit Mindestanteilen.",
        ),
        (
            "Unter den Mindestanteilen",
            k.get("floors_shortfall"),
            "0",
            "Anliegen, um die der Plan die Mindestanteile verfehlt (0 = alle erfüllt).",
        ),
        (
            "Ausstattungs-Schranke",
            k.get("equipment_bound"),
            "0.0",
            "Gröbere Schranke über den ganzen Tag (ohne Zeitabschnitte); nie kleiner als die Fluid-Schranke.",
        ),
        (
            "Anteil der Ausstattungs-Schranke",
            k.get("equipment_share"),
            "0.0%",
            "Gewichtet erledigt ÷ Ausstattungs-Schranke.",
        ),
        ("Lücke (Gap)", solver.gap, "0.0%", "Abstand zur vom Solver bewiesenen Schranke; 0 % = optimal."),
        (
            "Zielwert / Schranke",
            f"{_number(solver.objective)} / {_number(solver.bound)}",
            "@",
            f"Status {plan.status}; {_number(solver.seconds)} s von {solver.time_limit_s:g} s, "
            f"{solver.workers} Threads, Seed {solver.seed}.",
        ),
        (
            "Schalterauslastung",
            k.get("counter_utilisation"),
            "0%",
            "Anteil der Schalterzeit in der Öffnungszeit, in der jemand bedient.",
        ),
        ("Schalter genutzt", k.get("counters_used"), "0", f"von {len(scenario.office.counters)} Schaltern."),
        (
            "Schalter je Person",
            _mean([f.counters for f in figures]),
            "0.0",
            f"An wie vielen Schaltern eine Person bedient: Mittel über die {len(figures)} Personen, die "
            f"bedienen; höchstens {max((f.counters for f in figures), default=0)}.",
        ),
        (
            "Sitzungen je Person",
            _mean([f.sittings for f in figures]),
            "0.0",
            f"Sitzung = ununterbrochene Bedienzeit an einem Schalter (Aktenarbeit am Platz eingeschlossen); "
            f"höchstens {max((f.sittings for f in figures), default=0)}.",
        ),
        ("Buchungen gehalten", k.get("bookings_held"), "0", "Gebuchte Termine, die ihren Platz behalten."),
        ("Umzubuchen", len(plan.rebook), "0", "Buchungen, die nicht gehalten werden konnten (Liste unten)."),
        ("Anwesende Personen", k.get("staff_present"), "0", "Personen mit Anwesenheit an diesem Tag."),
        ("Lotsen-Minuten", k.get("guide_minutes"), "0", "Minuten Lotsendienst am Eingang."),
    ]
    for label, value, fmt, note in rows:
        r += 1
        style(write_text(ws.cell(row=r, column=1), label), BOLD_FONT, None, line)
        cell = ws.cell(row=r, column=2)
        if isinstance(value, str):
            write_text(cell, value)
        else:
            cell.value = value if value is not None else "–"
        style(cell, BODY_FONT, None, line, _align("right"), fmt)
        style(write_text(ws.cell(row=r, column=3), note), NOTE_FONT, None, line, _align("left", indent=1))
        for c in range(4, 8):
            style(ws.cell(row=r, column=c), NOTE_FONT, None, line)

    if plan.rebook:
        r += 2
        _header_row(ws, style, r, ("Umzubuchen: Buchung", "Vorschlag", "Grund"), height=18)
        for item in plan.rebook:
            r += 1
            style(write_text(ws.cell(row=r, column=1), item.booking), BODY_FONT, None, line)
            style(write_text(ws.cell(row=r, column=2), item.proposal or "–"), BODY_FONT, None, line)
            style(write_text(ws.cell(row=r, column=3), item.reason), NOTE_FONT, None, line, _align("left", indent=1))

    if last_data >= first_data:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.title = "Bedarf und erledigt je Anliegen"
        chart.y_axis.title = "Anzahl"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=head, max_row=last_data), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first_data, max_row=last_data))
        chart.x_axis.scaling.orientation = "maxMin"  # the first request type on top, as in the table
        _demand_served_colours(chart)
        chart.height, chart.width = 8.5, 15
        ws.add_chart(chart, "I4")
    ws.freeze_panes = ws.cell(row=head + 1, column=1)


# ---------------------------------------------------------------- Woche


def _week_sheet(ws: Worksheet, plans: Sequence[Plan], scenario: Scenario, style: _Styler) -> None:
    first, last = plans[0].date, plans[-1].date
    span = f"{first:%d.%m.%Y} – {last:%d.%m.%Y}"
    _title(
        ws,
        style,
        f"Wochenübersicht – {scenario.office.name} – {span}",
        f"{len(plans)} Tage; Einzelheiten auf den Blättern mit dem Datum im Namen",
        scenario,
        span,
    )
    head = 4
    heads = [
        "Datum",
        "Wochentag",
        "Status",
        "Bedarf",
        "Erledigt",
        "Anteil erledigt",
        "Gewichtet erledigt",
        "Anteil Fluid-Schranke",
        "Lücke",
        "Schalter-auslastung",
        "Termine",
        "davon Tages-termine",
        "Umzu-buchen",
        "Anwesende",
    ]
    _header_row(ws, style, head, heads, (11, 11, 11, 9, 9, 9, 11, 11, 8, 11, 9, 10, 8, 10), height=32)
    line = _border(bottom="grey")
    formats = ["DD.MM.YYYY", None, None, "0", "0", "0%", "0.0", "0.0%", "0.0%", "0%", "0", "0", "0", "0"]
    r = head
    for plan in plans:
        r += 1
        k = plan.kpis
        d = sum(k.get("demand", {}).values())
        s = sum(k.get("served", {}).values())
        row = [
            plan.date,
            WEEKDAY_DE[plan.date.weekday()],
            plan.status,
            d,
            s,
            _share(s, d),
            k.get("weighted_served"),
            k.get("fluid_share"),
            plan.solver.gap,
            k.get("counter_utilisation"),
            len(plan.slots),
            sum(1 for x in plan.slots if x.channel == "same_day"),
            len(plan.rebook),
            k.get("staff_present"),
        ]
        for c, (value, fmt) in enumerate(zip(row, formats), start=1):
            style(ws.cell(row=r, column=c, value=value), BODY_FONT, None, line, None, fmt)
    if r > head:
        chart = BarChart()
        chart.type = "col"
        chart.title = "Bedarf und erledigt je Tag"
        chart.add_data(Reference(ws, min_col=4, max_col=5, min_row=head, max_row=r), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=head + 1, max_row=r))
        _demand_served_colours(chart)
        chart.height, chart.width = 8, 18
        ws.add_chart(chart, f"A{r + 3}")
    ws.freeze_panes = ws.cell(row=head + 1, column=2)
    ws.print_title_rows = f"{head}:{head}"


# ---------------------------------------------------------------- Wartezeiten


def _waits_sheet(ws: Worksheet, plans: Sequence[Plan], scenario: Scenario, style: _Styler) -> None:
    from ..horizon.queue import wait_report  # the waiting as wait_eval.py counts it

    report = wait_report(scenario, list(plans))
    when = f"{report.first:%d.%m.%Y} – {report.last:%d.%m.%Y}"
    worst = report.worst_share
    _title(
        ws,
        style,
        f"Wartezeiten – {scenario.office.name} – {when}",
        "Anteil im Ziel: Anfragen, die innerhalb der Zielwartezeit ihres Anliegens einen Termin bekamen "
        "(gezählt, sobald ihr letzter Tag im Ziel im Zeitraum liegt); schlechtester Anteil "
        f"{'–' if worst is None else f'{worst:.1%}'}",
        scenario,
        when,
    )
    head = 4
    _header_row(
        ws,
        style,
        head,
        [
            "Anliegen",
            "Anfragen",
            "Termine (frei)",
            "Ø Wartezeit (Tage)",
            "90 %-Wartezeit (Tage)",
            "Zielwartezeit (Tage)",
            "im Ziel",
            "Ziel verfehlt",
            "Anteil im Ziel",
            "Warteschlange am Ende",
        ],
        (34, 10, 11, 11, 11, 11, 9, 9, 10, 12),
        height=32,
    )
    line = _border(bottom="grey")
    formats = [None, "0", "0", "0.0", "0", "0", "0", "0", "0.0%", "0"]
    r = head
    for t in scenario.service_types:
        w = report.types[t.id]
        r += 1
        style(write_text(ws.cell(row=r, column=1), t.name), BODY_FONT, None, line)
        row = [
            w.requests,
            w.served,
            w.mean_wait_days,
            w.p90_wait_days,
            w.target_wait_days,
            w.within_target,
            w.missed_target,
            w.share_within_target,
            w.still_waiting,
        ]
        for c, (value, fmt) in enumerate(zip(row, formats[1:]), start=2):
            style(ws.cell(row=r, column=c, value=value), BODY_FONT, None, line, None, fmt)
    # The queue per type at the end of each planned day, with the day's contingents beside it.
    top = r + 3
    style(write_text(ws.cell(row=top - 1, column=1), "Warteschlange am Ende des Tages (wartende Anfragen)"), BOLD_FONT)
    _header_row(
        ws,
        style,
        top,
        ["Datum"] + [t.name for t in scenario.service_types] + [f"Kontingent {t.name}" for t in scenario.service_types],
        height=44,
    )
    contingents = {p.date: p.kpis.get("contingents") or {} for p in plans}
    r = top
    for day, queue in report.queue_by_day.items():
        r += 1
        style(ws.cell(row=r, column=1, value=day), BODY_FONT, None, line, None, "DD.MM.YYYY")
        values = [queue[t.id] for t in scenario.service_types] + [
            contingents.get(day, {}).get(t.id) for t in scenario.service_types
        ]
        for c, value in enumerate(values, start=2):
            style(ws.cell(row=r, column=c, value=value), BODY_FONT, None, line, None, "0")
    if r > top:
        chart = LineChart()
        chart.title = "Warteschlange je Anliegen"
        chart.y_axis.title = "wartende Anfragen"
        types = len(scenario.service_types)
        chart.add_data(Reference(ws, min_col=2, max_col=1 + types, min_row=top, max_row=r), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=r))
        chart.x_axis.number_format = "DD.MM."
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend.position = "b"
        chart.height, chart.width = 9, 20
        ws.add_chart(chart, f"O{head}")
    ws.freeze_panes = ws.cell(row=head + 1, column=2)


__all__ = ["review_workbook", "service_colours", "type_labels"]


def _demand_served_colours(chart: BarChart) -> None:
    """Axes shown, legend below, demand grey and served blue (the two series of our bar charts)."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.series[0].graphicalProperties.solidFill = "A6A6A6"
    chart.series[1].graphicalProperties.solidFill = "2E75B6"
