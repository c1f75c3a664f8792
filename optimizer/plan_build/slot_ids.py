"""Slot ids: `<office>-<yyyymmdd>-<service>-<hhmm>-<n>`, n counting slots of the same type and start in
counter order, so that equal plans give equal ids, and a slot that survives a re-plan keeps its id."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..clock import hhmm
from ..day.schedule import ServedSlot
from ..plan import Plan, Slot


def slot_id(office: str, date: dt.date, service: str, start: int, n: int) -> str:
    return f"{office}-{date:%Y%m%d}-{service}-{hhmm(start).replace(':', '')}-{n}"


def assign_slot_ids(
    office: str, date: dt.date, slots: list[ServedSlot], holder: dict[int, str], previous: Plan | None
) -> tuple[list[str], dict[int, Slot]]:
    """An id per slot, and the published slot each surviving one continues (by index).

    Booked slots keep the id of the published slot that held their booking; other slots take the free
    published ids of their type and start, in counter order; the rest get fresh numbers.
    """
    published: dict[tuple[str, int], list[Slot]] = defaultdict(list)
    by_booking: dict[str, Slot] = {}
    for old in previous.slots if previous else []:
        published[(old.service, old.start)].append(old)
        if old.booking:
            by_booking[old.booking] = old
    kept: dict[int, Slot] = {}
    for i, booking in holder.items():
        held = by_booking.get(booking)
        if held is not None and held in published[(slots[i].service, slots[i].start)]:
            kept[i] = held
            published[(held.service, held.start)].remove(held)
    for i, s in enumerate(slots):
        if i not in kept and published[(s.service, s.start)]:
            kept[i] = published[(s.service, s.start)].pop(0)
    used = {old.id for old in (previous.slots if previous else [])}
    seen: dict[tuple[str, int], int] = defaultdict(int)
    ids = []
    for i, s in enumerate(slots):
        if i in kept:
            ids.append(kept[i].id)
            continue
        while True:
            seen[(s.service, s.start)] += 1
            fresh = slot_id(office, date, s.service, s.start, seen[(s.service, s.start)])
            if fresh not in used:
                break
        used.add(fresh)
        ids.append(fresh)
    return ids, kept
