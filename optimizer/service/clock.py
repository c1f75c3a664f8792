"""The service's clock: the office's local wall-clock time, injectable so that release rules are testable.

Release times in the plan format are local date-times without an offset (`2024-04-22T10:00:00`), so
the clock answers naive local date-times of an office's time zone. `FixedClock` stops time at one
moment (`slotplan serve --now 2024-04-22T07:00`); tests can also `set` it in-process.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Berlin"
_NOW = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


class Clock(Protocol):
    def now(self, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
        """The current local time of `timezone`, naive, to the second."""
        ...


class SystemClock:
    """The real time, converted to the office's zone."""

    def now(self, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
        return dt.datetime.now(zone(timezone)).replace(tzinfo=None, microsecond=0)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still at one local moment (the same wall-clock time for every office)."""

    def __init__(self, moment: dt.datetime):
        self._moment = moment.replace(tzinfo=None, microsecond=0)
        self._lock = threading.Lock()

    def now(self, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
        with self._lock:
            return self._moment

    def set(self, moment: dt.datetime) -> None:
        """Move the clock (in-process tests)."""
        with self._lock:
            self._moment = moment.replace(tzinfo=None, microsecond=0)

    def __repr__(self) -> str:
        return f"FixedClock({self._moment.isoformat(timespec='minutes')})"


def parse_now(text: str) -> dt.datetime:
    """`2024-04-22T07:00` (or with seconds, or a space) as a naive local date-time; ValueError otherwise."""
    if not isinstance(text, str) or not _NOW.match(text.strip()):
        raise ValueError(f"{text!r} is not a local date-time like 2024-04-22T07:00")
    return dt.datetime.fromisoformat(text.strip().replace(" ", "T"))


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError when the system does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
