"""Appointments inside a seating, without search: each seated person's sittings filled in turn.

Given who sits at which counter class when (a `Seating`, from the fluid model), the day is nearly
separable by person: only the types' demand and the bookings tie people together. `fill_seating` places
each person's bookings (the holders the fluid model chose), then an appointment at each end of every
sitting (a sitting begins and ends with one), then the middle left to right, taking first the type whose
minutes the fluid model gave that person most of, within the type's demand and the person's counter
time. The seated plan starts from it (`solve._seated_start`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .index import DayIndex
from .sitting_grid import Seating, SittingGrid


@dataclass
class _Person:
    """One person's fill: what they may still serve, and the steps already taken."""

    p: int
    capacity: int
    share: dict[str, int]
    taken: set[int] = field(default_factory=set)


def fill_seating(index: DayIndex, seating: Seating, grid: SittingGrid) -> list[int]:
    """Slot options (indices into `index.slot_options`) that fill the seating's sittings."""
    ix = index
    seat_class = seating.seat_classes(ix.class_of_counter)
    option_at = {
        (o.person, o.service, o.step): i for i, o in enumerate(ix.slot_options) if seat_class.get(o.person) == o.cls
    }
    left: dict[str, int] = {
        k: max(ix.demand.get(k, 0), sum(1 for bk in ix.bookings if bk.service == k)) for k in ix.services
    }
    guide_steps: dict[int, int] = defaultdict(int)
    for (p, _step), on in seating.guide.items():
        guide_steps[p] += on
    people = {
        p: _Person(
            p, max(0, ix.people[p].counter_capacity_min) // ix.grid - guide_steps[p], dict(seating.minutes.get(p, {}))
        )
        for p in sorted(seat_class)
    }
    chosen: list[int] = []

    def place(person: _Person, opt: int) -> None:
        o = ix.slot_options[opt]
        chosen.append(opt)
        left[o.service] -= 1
        person.share[o.service] = person.share.get(o.service, 0) - o.length
        person.capacity -= o.length
        person.taken.update(range(o.step, o.step + o.length))

    def best(person: _Person, step: int, wall: int, ending: int | None = None) -> int | None:
        """The person's best option from `step` (or ending at `ending`) that fits before `wall`."""
        fits = []
        for k in ix.people[person.p].services:
            length = ix.service_steps(k)
            at = step if ending is None else ending - length
            opt = option_at.get((person.p, k, at))
            if (
                opt is not None
                and left[k] > 0
                and length <= person.capacity
                and step <= at
                and at + length <= wall
                and not person.taken & set(range(at, at + length))
            ):
                fits.append((person.share.get(k, 0), ix.services[k].weight / ix.services[k].duration_min, opt))
        return max(fits)[2] if fits else None

    for bk in ix.bookings:
        holder, at = seating.holders.get(bk.id), ix.step_of.get(bk.start)
        opt = option_at.get((holder, bk.service, at)) if holder is not None and at is not None else None
        if opt is not None and holder in people:
            place(people[holder], opt)
    for person in people.values():
        for first, end in sitting_runs(seating, grid, person.p):
            if first not in person.taken and (opt := best(person, first, end)) is not None:
                place(person, opt)
            if end - 1 not in person.taken and (opt := best(person, first, end, ending=end)) is not None:
                place(person, opt)
            step = first
            while step < end:
                wall = min([end, *(t for t in person.taken if t >= step)])
                opt = best(person, step, wall) if step < wall else None
                if opt is None:
                    step += 1
                else:
                    place(person, opt)
                    step += ix.slot_options[opt].length
    return chosen


def sitting_runs(seating: Seating, grid: SittingGrid, p: int) -> list[tuple[int, int]]:
    """p's sittings in the seating as (first step, step after the last)."""
    runs: list[tuple[int, int]] = []
    for blk in grid.blocks:
        if not seating.sits.get((p, blk.index), 0):
            continue
        if runs and runs[-1][1] == blk.first_step and grid.blocks[blk.index - 1].interval == blk.interval:
            runs[-1] = (runs[-1][0], blk.last_step + 1)
        else:
            runs.append((blk.first_step, blk.last_step + 1))
    return runs
