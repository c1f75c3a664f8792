"""Wall-clock times: integer minutes since midnight inside the code, "HH:MM" at the edges."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(text: str) -> int:
    """Minutes since midnight of "HH:MM" (24:00 allowed as the end of the day); ValueError otherwise."""
    m = _HHMM.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a time")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time")
    return hours * 60 + minutes


def hhmm(minutes: int) -> str:
    """ "HH:MM" of minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span(start: int, end: int) -> str:
    """ "HH:MM–HH:MM" for messages."""
    return f"{hhmm(start)}–{hhmm(end)}"


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open intervals as a sorted list of disjoint ones (touching ones joined)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Minutes two sets of disjoint intervals share."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _to_minutes(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return parse_hhmm(value)
    except ValueError:
        raise PydanticCustomError("time", "{value} is not a time", {"value": repr(value)}) from None


Clock = Annotated[int, BeforeValidator(_to_minutes), PlainSerializer(hhmm, return_type=str)]
"""A wall-clock time for pydantic models: "HH:MM" outside, minutes since midnight inside."""
