"""The office manager's input workbook, described once: sheets, columns, labels, kinds and help texts.

The template writer (`workbook_template`) and the reader (`workbook_reader`) both walk this
description, so the two cannot drift apart.  Each sheet is a section of the scenario format
(shared/spec/SCENARIO.md):

- a *table* sheet has a header row (row 1) and one record per row below it; columns are found by
  their header label (German or English), so their order may change and extra columns are ignored;
- a *form* sheet (Büro, Regeln) has one field per row: label in column A, value in column B, help in
  column C; a field marked `repeat` may appear on several rows (closed dates, release times).

Labels are matched without regard to case, spaces and a trailing unit in brackets is part of the
label.  Sheet names are matched the same way, in either language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..clock import Weekday

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")

Kind = Literal["id", "text", "int", "number", "share", "time", "date", "weekday", "list"]
"""How a cell is read and written:

- ``id``/``text``: text (a number typed into an id cell is read as its digits);
- ``int``/``number``: whole / decimal number (text with a decimal comma is accepted);
- ``share``: a number from 0 to 1, or a percentage (``50%``, or 0.5 formatted as a percentage);
- ``time``: an Excel time, or text ``HH:MM`` (``24:00`` ends the day);
- ``date``: an Excel date, or text ``YYYY-MM-DD`` or ``TT.MM.JJJJ``;
- ``weekday``: Montag … Sonntag, Mo … So, Monday … Sunday, Mon … Sun;
- ``list``: several values in one cell, separated by commas (or semicolons, or line breaks).
"""

Suggest = Literal["skills", "weekdays", "times"]


@dataclass(frozen=True)
class Text:
    """A user-facing text in both languages."""

    de: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True)
class Column:
    """One column of a table sheet, or one field (row) of a form sheet."""

    key: str
    """Field name in the scenario JSON record."""
    label: Text
    kind: Kind
    help: Text
    required: bool = False
    ref: str | None = None
    """Key of the table sheet whose first column lists the allowed values (a drop-down)."""
    suggest: Suggest | None = None
    """A list of suggestions on the hidden list sheet (a drop-down)."""
    width: float = 14
    repeat: bool = False
    """Form sheets only: the field may be given on several rows and becomes a list."""

    def labels(self) -> tuple[str, str]:
        return self.label.de, self.label.en


@dataclass(frozen=True)
class Sheet:
    key: str
    """``office``, ``policy`` (forms) or the scenario section of a table sheet."""
    name: Text
    form: bool
    columns: tuple[Column, ...]
    help: Text
    required: bool = True
    """A missing required sheet is an error; a missing optional one means an empty section."""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def T(de: str, en: str) -> Text:
    return Text(de, en)


ID_HELP = T("Eindeutige Kennung, ohne Leerzeichen (z. B. S001).", "Unique id, no spaces (e.g. S001).")
SKILLS_HELP = T(
    "Qualifikationen, durch Komma getrennt. 'guide' = darf als Lotse am Eingang arbeiten.",
    "Skills, separated by commas. 'guide' = may work as entrance guide (Lotse).",
)
EQUIPMENT_HELP = T(
    "Ausstattungsmerkmale, durch Komma getrennt (z. B. eat_reader); leer = keine.",
    "Equipment tags, separated by commas (e.g. eat_reader); empty = none.",
)

OFFICE = Sheet(
    "office",
    T("Büro", "Office"),
    form=True,
    help=T(
        "Stammdaten des Büros: ein Feld pro Zeile (Spalte A), der Wert steht in Spalte B.",
        "The office's master data: one field per row (column A), its value in column B.",
    ),
    columns=(
        Column(
            "id",
            T("Kennung", "Id"),
            "id",
            required=True,
            help=T(
                "Kurzname des Büros, ohne Leerzeichen (erscheint in Dateinamen und Termin-Kennungen).",
                "Short name of the office, no spaces (used in file names and slot ids).",
            ),
        ),
        Column(
            "name",
            T("Name", "Name"),
            "text",
            required=True,
            help=T("Anzeigename des Büros.", "Display name of the office."),
        ),
        Column(
            "timezone",
            T("Zeitzone", "Time zone"),
            "text",
            help=T("IANA-Zeitzone, z. B. Europe/Berlin.", "IANA time zone, e.g. Europe/Berlin."),
        ),
        Column(
            "granularity_min",
            T("Zeitraster (Minuten)", "Time grid (minutes)"),
            "int",
            help=T("Alle Zeiten liegen auf diesem Raster, z. B. 5.", "Every time lies on this grid, e.g. 5."),
        ),
        Column(
            "holidays",
            T("Feiertagskalender", "Holiday calendar"),
            "text",
            help=T(
                "Z. B. DE-BW: gesetzliche Feiertage in Baden-Württemberg sind geschlossen. Leer = keine.",
                "E.g. DE-BW: public holidays of Baden-Württemberg are closed. Empty = none.",
            ),
        ),
        Column(
            "closed_dates",
            T("Geschlossen am", "Closed on"),
            "date",
            repeat=True,
            help=T(
                "Weitere Schließtage, ein Datum pro Zeile (Zeile wiederholen).",
                "Extra closed days, one date per row (repeat the row).",
            ),
        ),
    ),
)

OPENING_HOURS = Sheet(
    "opening_hours",
    T("Öffnungszeiten", "Opening hours"),
    form=False,
    help=T(
        "Öffentliche Öffnungszeiten: eine Zeile pro Zeitraum; mehrere Zeilen pro Wochentag erlaubt. "
        "Ein Wochentag ohne Zeile ist geschlossen.",
        "Public opening hours: one row per interval; several rows per weekday allowed. "
        "A weekday without a row is closed.",
    ),
    columns=(
        Column(
            "day",
            T("Wochentag", "Weekday"),
            "weekday",
            required=True,
            suggest="weekdays",
            width=14,
            help=T("Montag … Sonntag (auch Mo … So).", "Monday … Sunday (also Mon … Sun)."),
        ),
        Column(
            "start",
            T("Beginn", "Start"),
            "time",
            required=True,
            suggest="times",
            width=10,
            help=T("Uhrzeit HH:MM.", "Time HH:MM."),
        ),
        Column(
            "end",
            T("Ende", "End"),
            "time",
            required=True,
            suggest="times",
            width=10,
            help=T("Uhrzeit HH:MM (ausschließlich).", "Time HH:MM (exclusive)."),
        ),
    ),
)

COUNTERS = Sheet(
    "counters",
    T("Schalter", "Counters"),
    form=False,
    help=T(
        "Die Schalter (Arbeitsplätze mit Publikumsverkehr) und ihre Ausstattung.",
        "The service counters and their equipment.",
    ),
    columns=(
        Column("id", T("Schalter", "Counter"), "id", required=True, width=12, help=ID_HELP),
        Column("equipment", T("Ausstattung", "Equipment"), "list", width=30, help=EQUIPMENT_HELP),
    ),
)

SERVICE_TYPES = Sheet(
    "service_types",
    T("Anliegen", "Service types"),
    form=False,
    help=T(
        "Die Anliegen, für die Bürgerinnen und Bürger Termine buchen.",
        "The request types citizens book appointments for.",
    ),
    columns=(
        Column("id", T("Kennung", "Id"), "id", required=True, width=16, help=ID_HELP),
        Column(
            "name",
            T("Bezeichnung", "Name"),
            "text",
            required=True,
            width=34,
            help=T("Name des Anliegens, wie Bürger ihn sehen.", "Name of the request type as citizens see it."),
        ),
        Column(
            "duration_min",
            T("Dauer (Minuten)", "Duration (minutes)"),
            "int",
            required=True,
            width=10,
            help=T(
                "Dauer eines Termins, ein Vielfaches des Zeitrasters.",
                "Length of one appointment, a multiple of the time grid.",
            ),
        ),
        Column(
            "skill",
            T("Qualifikation", "Skill"),
            "id",
            required=True,
            suggest="skills",
            width=16,
            help=T(
                "Qualifikation, die eine Person für dieses Anliegen braucht.",
                "Skill a person needs for this request type.",
            ),
        ),
        Column(
            "weight",
            T("Gewicht", "Weight"),
            "number",
            required=True,
            width=9,
            help=T(
                "Wert eines erledigten Anliegens (höher = wichtiger).",
                "Value of one served request (higher = more important).",
            ),
        ),
        Column(
            "same_day_share",
            T("Anteil Tagestermine", "Same-day share"),
            "share",
            width=11,
            help=T(
                "Anteil der Termine, die erst am selben Tag freigegeben werden (0 bis 1 oder 0 % bis 100 %).",
                "Share of slots released on the day itself (0 to 1, or 0% to 100%).",
            ),
        ),
        Column(
            "equipment",
            T("Ausstattung", "Equipment"),
            "list",
            width=16,
            help=T(
                "Ausstattung, die der Schalter dafür haben muss, durch Komma getrennt.",
                "Equipment tags the counter must have, separated by commas.",
            ),
        ),
        Column(
            "info",
            T("Hinweise für Bürger", "Info for citizens"),
            "text",
            width=50,
            help=T("Optional: was mitzubringen ist, häufige Fragen.", "Optional: what to bring, frequent questions."),
        ),
    ),
)

STAFF = Sheet(
    "staff",
    T("Personal", "Staff"),
    form=False,
    help=T("Die Mitarbeiterinnen und Mitarbeiter.", "The people."),
    columns=(
        Column("id", T("Kennung", "Id"), "id", required=True, width=10, help=ID_HELP),
        Column("name", T("Name", "Name"), "text", width=24, help=T("Vor- und Nachname.", "Full name.")),
        Column("skills", T("Qualifikationen", "Skills"), "list", suggest="skills", width=40, help=SKILLS_HELP),
        Column(
            "weekly_hours",
            T("Wochenstunden", "Weekly hours"),
            "number",
            width=10,
            help=T("Vertragliche Wochenarbeitszeit in Stunden.", "Contracted hours per week."),
        ),
    ),
)

AVAILABILITY = Sheet(
    "availability",
    T("Anwesenheit", "Availability"),
    form=False,
    help=T(
        "Anwesenheit je Person und Tag (Pausen eingeschlossen); mehrere Zeilen pro Tag erlaubt.",
        "Presence per person and day (breaks included); several rows per day allowed.",
    ),
    columns=(
        Column(
            "staff",
            T("Person", "Staff"),
            "id",
            required=True,
            ref="staff",
            width=10,
            help=T("Kennung aus dem Blatt Personal.", "Id from the Staff sheet."),
        ),
        Column(
            "date",
            T("Datum", "Date"),
            "date",
            required=True,
            width=12,
            help=T("Datum (TT.MM.JJJJ oder JJJJ-MM-TT).", "Date (YYYY-MM-DD or DD.MM.YYYY)."),
        ),
        Column(
            "start",
            T("Beginn", "Start"),
            "time",
            required=True,
            suggest="times",
            width=9,
            help=T("Arbeitsbeginn HH:MM.", "Start of presence HH:MM."),
        ),
        Column(
            "end",
            T("Ende", "End"),
            "time",
            required=True,
            suggest="times",
            width=9,
            help=T("Arbeitsende HH:MM.", "End of presence HH:MM."),
        ),
    ),
)

VACANCIES = Sheet(
    "vacancies",
    T("Vakanzen", "Vacancies"),
    form=False,
    required=False,
    help=T(
        "Unbesetzte Stellen; sie werden nur in einer Was-wäre-wenn-Rechnung eingeplant.",
        "Unfilled posts; planned only in a what-if run.",
    ),
    columns=(
        Column("id", T("Kennung", "Id"), "id", required=True, width=10, help=ID_HELP),
        Column("title", T("Bezeichnung", "Title"), "text", width=30, help=T("Stellenbezeichnung.", "Job title.")),
        Column("skills", T("Qualifikationen", "Skills"), "list", suggest="skills", width=40, help=SKILLS_HELP),
        Column(
            "weekly_hours",
            T("Wochenstunden", "Weekly hours"),
            "number",
            width=10,
            help=T("Wochenarbeitszeit der Stelle in Stunden.", "Hours per week of the post."),
        ),
    ),
)

DEMAND = Sheet(
    "demand",
    T("Bedarf", "Demand"),
    form=False,
    help=T("Wie viele Anliegen je Tag erledigt werden sollen.", "How many requests are wanted per day."),
    columns=(
        Column(
            "date",
            T("Datum", "Date"),
            "date",
            required=True,
            width=12,
            help=T("Datum (TT.MM.JJJJ oder JJJJ-MM-TT).", "Date (YYYY-MM-DD or DD.MM.YYYY)."),
        ),
        Column(
            "service",
            T("Anliegen", "Service type"),
            "id",
            required=True,
            ref="service_types",
            width=16,
            help=T("Kennung aus dem Blatt Anliegen.", "Id from the Service types sheet."),
        ),
        Column(
            "count",
            T("Anzahl", "Count"),
            "int",
            required=True,
            width=9,
            help=T("Gewünschte Anzahl an diesem Tag.", "Requests wanted that day."),
        ),
    ),
)

BOOKINGS = Sheet(
    "bookings",
    T("Buchungen", "Bookings"),
    form=False,
    required=False,
    help=T(
        "Bereits gebuchte Termine; jeder behält seinen Platz im Plan.",
        "Appointments already booked; each keeps a slot in the plan.",
    ),
    columns=(
        Column("id", T("Kennung", "Id"), "id", required=True, width=12, help=ID_HELP),
        Column(
            "date",
            T("Datum", "Date"),
            "date",
            required=True,
            width=12,
            help=T("Datum des Termins.", "Date of the appointment."),
        ),
        Column(
            "start",
            T("Beginn", "Start"),
            "time",
            required=True,
            suggest="times",
            width=9,
            help=T("Uhrzeit HH:MM.", "Time HH:MM."),
        ),
        Column(
            "service",
            T("Anliegen", "Service type"),
            "id",
            required=True,
            ref="service_types",
            width=16,
            help=T("Kennung aus dem Blatt Anliegen.", "Id from the Service types sheet."),
        ),
        Column(
            "staff",
            T("Person", "Staff"),
            "id",
            ref="staff",
            width=10,
            help=T(
                "Optional: Kennung der Person, die den Termin übernehmen soll.",
                "Optional: id of the person who should take it.",
            ),
        ),
        Column(
            "counter",
            T("Schalter", "Counter"),
            "id",
            ref="counters",
            width=10,
            help=T("Optional: Kennung des Schalters.", "Optional: counter id."),
        ),
    ),
)

POLICY = Sheet(
    "policy",
    T("Regeln", "Policy"),
    form=True,
    required=False,
    help=T(
        "Regeln für die Planung: ein Feld pro Zeile; leer = Standardwert.",
        "Planning rules: one field per row; empty = default.",
    ),
    columns=(
        Column(
            "back_office_min",
            T("Back-Office je Person (Minuten/Tag)", "Back office per person (min/day)"),
            "int",
            help=T(
                "Minuten Aktenarbeit, die jede anwesende Person pro Tag braucht (Standard 0).",
                "Minutes of file work each present person needs per day (default 0).",
            ),
        ),
        Column(
            "min_block_min",
            T("Kürzester Block (Minuten)", "Shortest block (minutes)"),
            "int",
            help=T(
                "Bevorzugte kürzeste Dauer eines Anliegens am Stück an einem Schalter (Standard 60).",
                "Preferred shortest run of one request type at a counter (default 60).",
            ),
        ),
        Column(
            "guides_min",
            T("Lotsen mindestens", "Guides at least"),
            "int",
            help=T(
                "Lotsen am Eingang zu jeder Minute der Öffnungszeit (Standard 0).",
                "Entrance guides on duty at every minute of opening hours (default 0).",
            ),
        ),
        Column(
            "same_day_release",
            T("Freigabe Tagestermine um", "Release same-day slots at"),
            "time",
            repeat=True,
            suggest="times",
            help=T(
                "Uhrzeiten, zu denen Tagestermine online gehen, eine pro Zeile "
                "(keine Zeile = zu Beginn der Öffnungszeiten).",
                "Moments at which same-day slots go online, one per row (no row = at the opening times).",
            ),
        ),
        Column(
            "calendar_horizon_days",
            T("Kalender-Vorlauf (Tage)", "Calendar horizon (days)"),
            "int",
            help=T(
                "So viele Tage im Voraus gehen Kalendertermine online (Standard 14).",
                "Calendar slots go online this many days ahead (default 14).",
            ),
        ),
        Column(
            "max_counters_per_person",
            T("Schalter je Person höchstens", "Counters per person at most"),
            "int",
            help=T(
                "An höchstens so vielen verschiedenen Schaltern bedient eine Person am Tag (leer = 1).",
                "Most distinct counters one person serves at in a day (empty = 1).",
            ),
        ),
        Column(
            "max_sittings",
            T("Sitzungen je Person höchstens", "Sittings per person at most"),
            "int",
            help=T(
                "Höchstens so viele Sitzungen (Bedienzeit am Stück an einem Schalter) je Person und Tag (leer = 2).",
                "Most sittings (a stretch of service at one counter) per person and day (empty = 2).",
            ),
        ),
        Column(
            "min_sitting_min",
            T("Kürzeste Sitzung (Minuten)", "Shortest sitting (minutes)"),
            "int",
            help=T(
                "Eine Sitzung dauert mindestens so lange, außer die Öffnungszeit ist kürzer (leer = 60).",
                "A sitting lasts at least this long, unless the opening interval is shorter (empty = 60).",
            ),
        ),
    ),
)

SHEETS: tuple[Sheet, ...] = (
    OFFICE,
    OPENING_HOURS,
    COUNTERS,
    SERVICE_TYPES,
    STAFF,
    AVAILABILITY,
    VACANCIES,
    DEMAND,
    BOOKINGS,
    POLICY,
)
"""The data sheets, in workbook order."""

SHEET_BY_KEY = {s.key: s for s in SHEETS}

EXPLANATIONS = T("Erläuterungen", "Explanations")
"""The explanation sheet (first in the workbook); the reader ignores it."""
LISTS = T("Listen", "Lists")
"""A hidden sheet with the drop-down lists (weekdays, skills, grid times); the reader ignores it."""

FORM_HEADER = (T("Feld", "Field"), T("Wert", "Value"), T("Erläuterung", "Explanation"))
"""Header row of a form sheet; fields start in row 2."""

WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES: dict[Lang, tuple[str, ...]] = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
WEEKDAY_ALIASES: dict[str, str] = {
    name.casefold(): key
    for i, key in enumerate(WEEKDAYS)
    for full in (WEEKDAY_NAMES["de"][i], WEEKDAY_NAMES["en"][i])
    for name in (full, full[:2], full[:3])
}
"""Every accepted spelling of a weekday (case-folded) -> its scenario key: Montag, Mo, Mon, Monday, mon …"""

DATE_FORMAT: dict[Lang, str] = {"de": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
TIME_FORMAT = "hh:mm"

# Limits for untrusted workbooks (documented in docs/workbook.md).
MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest .xlsx file accepted (compressed)."""
MAX_ZIP_MEMBERS = 500
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
"""Sum of the uncompressed sizes of all parts, as declared in the zip directory."""
MAX_COMPRESSION_RATIO = 100
"""Largest uncompressed/compressed ratio of a part bigger than `RATIO_CHECK_MIN_BYTES`."""
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ROWS = 50_000
"""Rows per sheet, header included; a non-empty row further down is an error."""
MAX_COLUMNS = 64
"""Columns read per sheet; headers further right are not seen."""
MAX_CELLS = 1_000_000
"""Non-empty cells read in the whole workbook."""
MAX_PROBLEMS = 50
"""Problems listed before the rest are summarised."""


def normalise_label(text: object) -> str:
    """A header label or sheet name for matching: lower case, single spaces, no surrounding space."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


def find_sheet(names: list[str], sheet: Sheet) -> str | None:
    """The workbook's sheet name for `sheet` (German or English name), or None."""
    wanted = {normalise_label(sheet.name.de), normalise_label(sheet.name.en)}
    return next((n for n in names if normalise_label(n) in wanted), None)


def column_for_label(sheet: Sheet, label: object) -> Column | None:
    """The column (or form field) whose German or English label is `label`."""
    wanted = normalise_label(label)
    return next(
        (c for c in sheet.columns if wanted in (normalise_label(c.label.de), normalise_label(c.label.en))), None
    )
