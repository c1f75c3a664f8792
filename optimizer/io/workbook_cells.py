"""Cell values of the input workbook, both ways: scenario value <-> Excel cell, per column `Kind`.

Reading accepts what office managers really type: Excel times and dates (as openpyxl returns them:
`datetime.time`, `datetime.datetime`, `datetime.timedelta`, or plain fractions of a day), or the same
as text (``07:30``, ``7:30 Uhr``, ``2024-04-22``, ``22.04.2024``), decimal commas, percentages,
lists separated by commas.  A value that cannot be read raises `CellError` with a message such as
``'25:00' is not a time``; the reader adds the ``Sheet!Cell``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.utils.datetime import from_excel, to_excel

from .workbook_layout import DATE_FORMAT, TIME_FORMAT, WEEKDAY_ALIASES, WEEKDAY_NAMES, WEEKDAYS, Kind, Lang


class CellError(ValueError):
    """A cell whose value cannot be read as its column's kind; the message quotes the value."""


EMPTY = object()
"""`read_cell`'s result for an empty cell (None, or only spaces)."""

_TIME_TEXT = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\s*uhr)?$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_INT_TEXT = re.compile(r"^[+-]?\d+$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_LIST_SEPARATORS = re.compile(r"[,;\n]")
_EPOCH_DAYS = (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1904, 1, 1))
"""Dates Excel uses for "day zero" of a time of day (1900 and 1904 date systems)."""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.date().isoformat()
    return str(value)


def _minutes_of_day_fraction(fraction: float, value: Any) -> int:
    minutes = fraction * 24 * 60
    whole = round(minutes)
    if not 0 <= whole <= 24 * 60 or abs(minutes - whole) > 1 / 60:
        raise CellError(f"{_shown(value)} is not a time")
    return whole


def read_time(value: Any, epoch: dt.datetime) -> int:
    """Minutes since midnight (0..1440) of an Excel time, a fraction of a day, or ``HH:MM`` text."""
    if isinstance(value, dt.datetime):
        serial = to_excel(value, epoch)
        if value.date() in _EPOCH_DAYS or 0 <= serial <= 1:
            return _minutes_of_day_fraction(serial if serial <= 1 else serial % 1, value)
        raise CellError(f"{_shown(value)} is a date, not a time")
    if isinstance(value, dt.time):
        return _minutes_of_day_fraction(
            (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400, value
        )
    if isinstance(value, dt.timedelta):
        return _minutes_of_day_fraction(value.total_seconds() / 86400, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 0 <= value <= 1:
            return _minutes_of_day_fraction(float(value), value)
        raise CellError(f"{_shown(value)} is not a time")
    if isinstance(value, str):
        m = _TIME_TEXT.match(value.strip())
        if m:
            hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if minutes <= 59 and seconds == 0 and (hours < 24 or (hours == 24 and minutes == 0)):
                return hours * 60 + minutes
    raise CellError(f"{_shown(value)} is not a time")


def read_date(value: Any, epoch: dt.datetime) -> dt.date:
    """A date from an Excel date, an Excel serial number, or text ``YYYY-MM-DD`` / ``DD.MM.YYYY``."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise CellError(f"{_shown(value)} has a time of day, expected a date")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= value <= 2958465:
            return from_excel(int(value), epoch).date()
        raise CellError(f"{_shown(value)} is not a date")
    if isinstance(value, str):
        text = value.strip()
        for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_GERMAN_DATE, (3, 2, 1))):
            m = pattern.match(text)
            if m:
                try:
                    return dt.date(*(int(m.group(i)) for i in order))
                except ValueError:
                    break
    raise CellError(f"{_shown(value)} is not a date")


def read_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.match(value.strip()):
        return int(value.strip())
    raise CellError(f"{_shown(value)} is not a whole number")


def read_number(value: Any, percent: bool = False) -> float:
    """A decimal number; text may use a decimal comma; with `percent`, ``50%`` means 0.5."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value):
            return float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        scale = 1.0
        if percent and text.endswith("%"):
            text, scale = text[:-1], 0.01
        if _NUMBER_TEXT.match(text):
            return float(text.replace(",", ".")) * scale
    raise CellError(f"{_shown(value)} is not a number")


def read_text(value: Any) -> str:
    """Text; a number typed into a text cell is read as its digits (``101``, not ``101.0``)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise CellError(f"{value} is not text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellError(f"{_shown(value)} is a date or time, expected text")
    return str(value).strip()


def read_weekday(value: Any) -> str:
    key = WEEKDAY_ALIASES.get(value.strip().rstrip(".").casefold()) if isinstance(value, str) else None
    if key is None:
        raise CellError(f"{_shown(value)} is not a weekday")
    return key


def read_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
    return [read_text(value)]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_cell(kind: Kind, value: Any, epoch: dt.datetime) -> Any:
    """The scenario value of one cell (`EMPTY` for an empty cell); raises `CellError`."""
    if is_empty(value):
        return EMPTY
    if kind in ("id", "text"):
        return read_text(value)
    if kind == "int":
        return read_int(value)
    if kind == "number":
        return read_number(value)
    if kind == "share":
        return read_number(value, percent=True)
    if kind == "time":
        return read_time(value, epoch)
    if kind == "date":
        return read_date(value, epoch)
    if kind == "weekday":
        return read_weekday(value)
    if kind == "list":
        return read_list(value)
    raise AssertionError(kind)


def cell_value(kind: Kind, value: Any, lang: Lang) -> tuple[Any, str | None]:
    """What to put into a cell for a scenario value: ``(value, number_format or None)``.

    Text kinds come back as ``str``; the writer must store them with `write_text` (never a formula).
    """
    if value is None:
        return None, None
    if kind == "time":
        if value >= 24 * 60:
            return dt.timedelta(minutes=value), "[hh]:mm"
        return dt.time(value // 60, value % 60), TIME_FORMAT
    if kind == "date":
        return value, DATE_FORMAT[lang]
    if kind == "weekday":
        return WEEKDAY_NAMES[lang][WEEKDAYS.index(value)], None
    if kind == "list":
        return ", ".join(value), None
    if kind in ("int", "number", "share"):
        return value, None
    return str(value), None
