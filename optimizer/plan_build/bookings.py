"""Bookings onto slots: each booking takes a slot of its type at its time, preferring the person and
then the counter it names."""

from __future__ import annotations

from collections import defaultdict

from ..day.schedule import ServedSlot
from ..scenario import Booking


def match_bookings(slots: list[ServedSlot], bookings: list[Booking], unheld: set[str]) -> dict[int, str]:
    """Slot index -> booking id, preferring the named person, then the named counter."""
    free: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, s in enumerate(slots):
        free[(s.service, s.start)].append(i)
    holder: dict[int, str] = {}
    ranked = sorted(
        (b for b in bookings if b.id not in unheld), key=lambda b: (b.staff is None, b.counter is None, b.id)
    )
    for b in ranked:
        candidates = free[(b.service, b.start)]
        if not candidates:
            continue
        best = min(candidates, key=lambda i: (slots[i].staff != b.staff, slots[i].counter != b.counter, i))
        candidates.remove(best)
        holder[best] = b.id
    return holder
