"""What the slots placed so far use up, for the constructive plans (`greedy`, `template`)."""

from __future__ import annotations

from collections import defaultdict

from .index import DayIndex


class Occupancy:
    """Each person's busy steps and counter steps, the seats taken at each counter class per step, and
    each request type's offer still open (its demand, or its bookings if more)."""

    def __init__(self, ix: DayIndex):
        self.ix = ix
        self.present = {pd.index: set(pd.steps) for pd in ix.people}
        self.busy: dict[int, set[int]] = defaultdict(set)
        self.used: dict[int, int] = defaultdict(int)
        self.capacity = {pd.index: max(0, pd.counter_capacity_min) // ix.grid for pd in ix.people}
        self.load: dict[tuple[int, int], int] = defaultdict(int)
        booked: dict[str, int] = defaultdict(int)
        for b in ix.bookings:
            booked[b.service] += 1
        self.remaining = {k: max(ix.demand.get(k, 0), booked[k]) for k in ix.services}
        self.option_at = {(o.person, o.service, o.cls, o.step): i for i, o in enumerate(ix.slot_options)}

    def fits(self, i: int) -> bool:
        """Slot option i can be placed now: offer left, counter time left, person free, a seat free."""
        o = self.ix.slot_options[i]
        steps = range(o.step, o.step + o.length)
        return (
            self.remaining[o.service] > 0
            and self.used[o.person] + o.length <= self.capacity[o.person]
            and not any(s in self.busy[o.person] for s in steps)
            and all(self.load[(o.cls, s)] < self.ix.classes[o.cls].size for s in steps)
        )

    def take(self, i: int) -> None:
        """Place slot option i."""
        o = self.ix.slot_options[i]
        for s in range(o.step, o.step + o.length):
            self.busy[o.person].add(s)
            self.load[(o.cls, s)] += 1
        self.used[o.person] += o.length
        self.remaining[o.service] -= 1
