"""Waiting requests per type: one FIFO queue, counted as ../shared/tools/wait_eval.py counts.

Per type the `backlog` and each date's `requests` queue oldest first. On each calendar day of the
planned range, requests made up to that day join; the day's slots without a booking serve them
oldest first (booked slots belong to requests made earlier); at the end of the day a request still
waiting past its target day has *missed*. A request served by its target day is *within target*, but
only counted once that day lies inside the planned range (up to `last`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..plan import Plan
from ..scenario import Scenario

DAY = dt.timedelta(days=1)


@dataclass
class Entry:
    """Requests of one type made on one date, still waiting."""

    made: dt.date
    count: int
    late: bool = False
    """Already counted as missed."""


def arrivals(scenario: Scenario) -> dict[str, list[tuple[dt.date, int]]]:
    """Per type: (date made, count) of the backlog and the requests, oldest first."""
    out: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for b in scenario.backlog:
        out[b.service].append((b.since, b.count))
    for r in scenario.requests:
        out[r.service].append((r.date, r.count))
    return {k: sorted(v) for k, v in out.items()}


def free_slots(plans: Iterable[Plan]) -> dict[tuple[dt.date, str], int]:
    """Slots that hold no booking, per (date, type): what serves waiting requests."""
    out: dict[tuple[dt.date, str], int] = defaultdict(int)
    for p in plans:
        for s in p.slots:
            if not s.booking:
                out[(p.date, s.service)] += 1
    return dict(out)


@dataclass
class TypeQueue:
    """One type's FIFO queue from the first planned day, with what it has counted so far."""

    target: int | None
    last: dt.date
    pending: list[tuple[dt.date, int]]
    """Arrivals not yet queued, oldest first."""
    queue: list[Entry] = field(default_factory=list)
    waits: list[tuple[int, int]] = field(default_factory=list)
    """(wait in days, requests) of everything served."""
    within: int = 0
    missed: int = 0

    def step(self, day: dt.date, free: int) -> None:
        """One calendar day: arrivals join, `free` slots serve the oldest, late ones count as missed."""
        while self.pending and self.pending[0][0] <= day:
            made, n = self.pending.pop(0)
            self.queue.append(Entry(made, n))
        while free and self.queue:
            head = self.queue[0]
            take = min(head.count, free)
            wait = (day - head.made).days
            self.waits.append((wait, take))
            if (
                self.target is not None
                and not head.late
                and wait <= self.target
                and head.made + dt.timedelta(days=self.target) <= self.last
            ):
                self.within += take
            free -= take
            head.count -= take
            if head.count == 0:
                self.queue.pop(0)
        if self.target is not None:
            for e in self.queue:
                if not e.late and (day - e.made).days >= self.target:
                    self.missed += e.count
                    e.late = True

    @property
    def waiting(self) -> int:
        return sum(e.count for e in self.queue)


@dataclass(frozen=True)
class TypeWaits:
    """One type's waiting over the planned range (the fields of wait_eval.py, plus requests)."""

    requests: int
    """Requests made inside the planned range (the backlog not included)."""
    served: int
    mean_wait_days: float | None
    p90_wait_days: int | None
    target_wait_days: int | None
    within_target: int
    missed_target: int
    share_within_target: float | None
    still_waiting: int


@dataclass(frozen=True)
class WaitReport:
    first: dt.date
    last: dt.date
    types: dict[str, TypeWaits]
    queue_by_day: dict[dt.date, dict[str, int]]
    """Requests waiting at the end of each planned office day, per type."""

    @property
    def worst_share(self) -> float | None:
        shares = [w.share_within_target for w in self.types.values() if w.share_within_target is not None]
        return min(shares) if shares else None


def run_queues(
    scenario: Scenario,
    free: Mapping[tuple[dt.date, str], int],
    first: dt.date,
    last: dt.date,
    until: dt.date | None = None,
) -> dict[str, TypeQueue]:
    """Every type's queue after the calendar days first..`until` (default `last`) with these free slots."""
    incoming = arrivals(scenario)
    queues = {t.id: TypeQueue(t.target_wait_days, last, list(incoming.get(t.id, []))) for t in scenario.service_types}
    day, end = first, until or last
    while day <= end:
        for k, q in queues.items():
            q.step(day, free.get((day, k), 0))
        day += DAY
    return queues


def _p90(waits: list[tuple[int, int]]) -> int | None:
    served = sum(n for _, n in waits)
    acc = 0
    for w, n in sorted(waits):
        acc += n
        if acc >= 0.9 * served:
            return w
    return None


def wait_report(scenario: Scenario, plans: list[Plan]) -> WaitReport:
    """Waiting per type over the dates of `plans` (the first to the last, as wait_eval.py counts)."""
    dates = sorted({p.date for p in plans})
    first, last = dates[0], dates[-1]
    free = free_slots(plans)
    incoming = arrivals(scenario)
    queues = {t.id: TypeQueue(t.target_wait_days, last, list(incoming.get(t.id, []))) for t in scenario.service_types}
    queue_by_day: dict[dt.date, dict[str, int]] = {}
    planned = set(dates)
    day = first
    while day <= last:
        for k, q in queues.items():
            q.step(day, free.get((day, k), 0))
        if day in planned:
            queue_by_day[day] = {k: q.waiting for k, q in queues.items()}
        day += DAY
    types = {}
    for k, q in queues.items():
        served = sum(n for _, n in q.waits)
        counted = q.within + q.missed
        types[k] = TypeWaits(
            requests=sum(n for d, n in incoming.get(k, []) if first <= d <= last),
            served=served,
            mean_wait_days=round(sum(w * n for w, n in q.waits) / served, 2) if served else None,
            p90_wait_days=_p90(q.waits),
            target_wait_days=q.target,
            within_target=q.within,
            missed_target=q.missed,
            share_within_target=round(q.within / counted, 4) if counted else None,
            still_waiting=q.waiting + sum(n for _, n in q.pending),
        )
    return WaitReport(first, last, types, queue_by_day)
