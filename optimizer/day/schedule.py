"""From solver values to a `Schedule`: each present person's day as a tiling of activity blocks.

Counters are given here: within a counter class, each sitting (an unbroken stretch of service at that
class) keeps one counter. Greedy colouring by start time is exact for intervals, and the model never
seats more people at a class than it has counters, so a counter is always free.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..plan import Activity, Assignment, SolverReport, Status
from .index import DayIndex
from .solution import DaySolution, StageReport


@dataclass
class ServedSlot:
    staff: str
    service: str
    counter: str
    start: int
    end: int


@dataclass
class Schedule:
    """Who does what, where and when on one office-day, with what the solver proved."""

    date: dt.date
    status: Status
    solver: SolverReport
    blocks: list[Assignment] = field(default_factory=list)
    slots: list[ServedSlot] = field(default_factory=list)
    unheld_bookings: list[str] = field(default_factory=list)
    stages: list[StageReport] = field(default_factory=list)


@dataclass
class _Cell:
    activity: Activity
    service: str | None = None
    cls: int | None = None
    counter: str | None = None
    """The sitting's counter, when the model chose sittings."""


def build_schedule(solution: DaySolution, strategy: str = "cp-sat") -> Schedule:
    """Turn a solved day into blocks and slots with concrete counters."""
    ix = solution.index
    cells: dict[int, dict[int, _Cell]] = defaultdict(dict)  # person -> minute -> cell
    raw_slots = []
    seated = {(c.person, minute): c.counter for c in solution.sittings for minute in range(c.start, c.end, ix.grid)}
    for i in solution.chosen_slots:
        o = ix.slot_options[i]
        start = ix.step_start[o.step]
        raw_slots.append((o.person, o.service, o.cls, start, start + o.length * ix.grid))
        for step in range(o.step, o.step + o.length):
            minute = ix.step_start[step]
            cells[o.person][minute] = _Cell("service", o.service, o.cls, seated.get((o.person, minute)))
    for p, steps in solution.guide_steps.items():
        for step in steps:
            cells[p][ix.step_start[step]] = _Cell("guide")
    for p, j in solution.break_plan.items():
        for b_start, b_end in ix.people[p].break_plans[j]:
            for minute in range(b_start, b_end, ix.grid):
                cells[p][minute] = _Cell("break")

    runs = []  # (person, start, end, cell)
    for pd in ix.people:
        for w_start, w_end in pd.windows:
            current: tuple[int, _Cell] | None = None
            for minute in range(w_start, w_end, ix.grid):
                cell = cells[pd.index].get(minute, _Cell("back_office"))
                if current and current[1] == cell:
                    continue
                if current:
                    runs.append((pd.index, current[0], minute, current[1]))
                current = (minute, cell)
            if current:
                runs.append((pd.index, current[0], w_end, current[1]))

    if solution.sittings:
        counter_of = {
            (p, start): cell.counter
            for p, start, _end, cell in runs
            if cell.activity == "service" and cell.counter is not None
        }
    else:
        counter_of = _assign_counters(ix, runs)
    options = solution.options
    report = SolverReport(
        objective=round(solution.objective, 4),
        bound=round(solution.bound, 4),
        gap=round(solution.gap, 6),
        seconds=round(solution.seconds, 3),
        time_limit_s=options.time_limit_s,
        workers=options.workers,
        seed=options.seed,
        strategy=strategy,
    )
    schedule = Schedule(
        date=ix.date,
        status=solution.status,
        solver=report,
        unheld_bookings=list(solution.unheld_bookings),
        stages=list(solution.stages),
    )
    for p, start, end, cell in runs:
        counter = counter_of.get((p, start)) if cell.activity == "service" else None
        schedule.blocks.append(
            Assignment(
                staff=ix.people[p].id,
                start=start,
                end=end,
                activity=cell.activity,
                service=cell.service,
                counter=counter,
            )
        )
    service_runs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for p, start, end, cell in runs:
        if cell.activity == "service":
            service_runs[p].append((start, end))
    for p, service, _cls, start, end in raw_slots:
        run_start = max(s for s, e in service_runs[p] if s <= start < e)
        schedule.slots.append(ServedSlot(ix.people[p].id, service, counter_of[(p, run_start)], start, end))
    schedule.slots.sort(key=lambda s: (s.start, s.service, s.counter))
    return schedule


def _sittings(runs: list[tuple[int, int, int, _Cell]]) -> list[tuple[int, int, int, int, list[int]]]:
    """Unbroken stretches of service at one class: (class, start, end, person, run starts)."""
    sittings: list[tuple[int, int, int, int, list[int]]] = []
    by_person: dict[int, list[tuple[int, int, _Cell]]] = defaultdict(list)
    for p, start, end, cell in runs:
        if cell.activity == "service":
            by_person[p].append((start, end, cell))
    for p, items in by_person.items():
        items.sort(key=lambda r: r[0])
        current: list[Any] | None = None  # [class, start, end, person, run starts]
        for start, end, cell in items:
            if current and current[0] == cell.cls and current[2] == start:
                current[2] = end
                current[4].append(start)
            else:
                if current:
                    sittings.append(tuple(current))
                current = [cell.cls, start, end, p, [start]]
        if current:
            sittings.append(tuple(current))
    return sittings


def _assign_counters(ix: DayIndex, runs: list[tuple[int, int, int, _Cell]]) -> dict[tuple[int, int], str]:
    """Counter of each service run, keyed by (person, run start). People keep their last counter if free."""
    counter_of: dict[tuple[int, int], str] = {}
    busy_until: dict[str, int] = {}
    last_counter: dict[int, str] = {}
    for cls, start, end, p, run_starts in sorted(_sittings(runs), key=lambda s: (s[1], s[3])):
        pool = ix.classes[cls].counters
        free = [c for c in pool if busy_until.get(c, -1) <= start]
        if not free:
            raise RuntimeError(f"no free counter in class {cls} at {start}: the model's capacity rule was off")
        preferred = last_counter.get(p)
        counter = preferred if preferred in free else free[0]
        busy_until[counter] = end
        last_counter[p] = counter
        for run_start in run_starts:
            counter_of[(p, run_start)] = counter
    return counter_of
