"""Appointments inside a seating, without search: each seated person's sittings filled.

Given who sits at which counter class when (a `Seating`, from the fluid model), the day is nearly
separable by person: only the types' demand and the bookings tie people together. `fill_seating` places
each person's bookings (the holders the fluid model chose), then what an LP over everyone's free steps
inside their sittings chooses (`_by_lp`: per person and step at most one appointment, per type at most
its demand left; above any appointment's value, an appointment at each end of every sitting, since a
sitting begins and ends with one, and each type's floor; per person at most their counter time). A
person's step rows form an interval matrix, so mainly the rows shared by everyone make it fractional:
integral for all but 0-3 people on the days measured. Then, greedily, an appointment at each end of every
sitting the LP left open, and the rest left to right, taking first the type whose minutes the fluid
model gave that person most of, within the type's demand and the person's counter time. The seated plan
starts from it (`seated_start`).

Measured in deterministic runs from the same seatings (2026-12-01, the seated plan's result): Thursday,
30 % booked, sample 1074.5 (greedy alone 1066, greedy ends before the LP 1072.5), 80 staff 2932.5 (2922.5,
2926.5), 200 staff 7193.5 (7161.5, 7189); 80 staff booked Monday 2024.5 (2003, 2018.5), unbooked
Thursday 2869 (2875, 2876).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

from .index import DayIndex
from .sitting_grid import Seating, SittingGrid

INTEGRAL = 0.999
"""An LP value at least this counts as chosen."""


@dataclass
class _Person:
    """One person's fill: what they may still serve, and the steps already taken."""

    p: int
    capacity: int
    share: dict[str, int]
    taken: set[int] = field(default_factory=set)

    def free(self, at: int, length: int) -> bool:
        """Whether the person's steps from `at` for `length` steps are still free."""
        return self.taken.isdisjoint(range(at, at + length))


def fill_seating(index: DayIndex, seating: Seating, grid: SittingGrid, seconds: float | None = None) -> list[int]:
    """Slot options (indices into `index.slot_options`) that fill the seating's sittings; `seconds` limits
    the LP (None: no limit, as deterministic runs need; GLOP itself is deterministic)."""
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

    def fits(person: _Person, k: str, at: int) -> bool:
        """Whether an appointment of type k from step `at` fits the demand left and the person's time."""
        length = ix.service_steps(k)
        return left[k] > 0 and length <= person.capacity and person.free(at, length)

    def best(person: _Person, step: int, wall: int, ending: int | None = None) -> int | None:
        """The person's best option from `step` (or ending at `ending`) that fits before `wall`."""
        candidates = []
        for k in ix.people[person.p].services:
            length = ix.service_steps(k)
            at = step if ending is None else ending - length
            opt = option_at.get((person.p, k, at))
            if opt is not None and step <= at and at + length <= wall and fits(person, k, at):
                candidates.append((person.share.get(k, 0), ix.services[k].weight / ix.services[k].duration_min, opt))
        return max(candidates)[2] if candidates else None

    for bk in ix.bookings:
        holder, at = seating.holders.get(bk.id), ix.step_of.get(bk.start)
        opt = option_at.get((holder, bk.service, at)) if holder is not None and at is not None else None
        if opt is not None and holder in people:
            place(people[holder], opt)
    runs = {p: sitting_runs(seating, grid, p) for p in people}
    for opt in _by_lp(ix, people, runs, option_at, left, chosen, seconds):
        o = ix.slot_options[opt]
        if fits(people[o.person], o.service, o.step):
            place(people[o.person], opt)
    for person in people.values():
        for first, end in runs[person.p]:
            if first not in person.taken and (opt := best(person, first, end)) is not None:
                place(person, opt)
            if end - 1 not in person.taken and (opt := best(person, first, end, ending=end)) is not None:
                place(person, opt)
    for person in people.values():
        for first, end in runs[person.p]:
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


def _by_lp(
    ix: DayIndex,
    people: dict[int, _Person],
    runs: dict[int, list[tuple[int, int]]],
    option_at: dict[tuple[int, str, int], int],
    left: dict[str, int],
    placed: list[int],
    seconds: float | None,
) -> list[int]:
    """The options an LP over the seated people's free steps inside their sittings chooses (value at
    least `INTEGRAL`: they fit together), after the options `placed` (the bookings): sitting ends and
    floors first, then weighted served. Nothing when GLOP does not solve it in `seconds`."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if seconds is not None:
        lp.SetTimeLimit(max(1, int(seconds * 1000)))
    chosen: dict[int, pywraplp.Variable] = {}
    at_step: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
    of_type: dict[str, list[pywraplp.Variable]] = defaultdict(list)
    goal = lp.Objective()
    above = ix.floor_request_weight()  # floors and sitting ends: above any appointment's value
    starting: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
    ending: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
    for person in people.values():
        time_terms = []
        for first, end in runs[person.p]:
            for k in ix.people[person.p].services:
                if left[k] <= 0:
                    continue
                length = ix.service_steps(k)
                for at in range(first, end - length + 1):
                    opt = option_at.get((person.p, k, at))
                    if opt is None or not person.free(at, length):
                        continue
                    var = chosen[opt] = lp.NumVar(0, 1, "")
                    goal.SetCoefficient(var, ix.scaled_weight(k))
                    of_type[k].append(var)
                    time_terms.append((length, var))
                    for t in range(at, at + length):
                        at_step[(person.p, t)].append(var)
                    if at == first:
                        starting[(person.p, first)].append(var)
                    if at + length == end:
                        ending[(person.p, end)].append(var)
        if time_terms:
            lp.Add(sum(length * var for length, var in time_terms) <= person.capacity)
    for overlapping in at_step.values():
        if len(overlapping) > 1:
            lp.Add(sum(overlapping) <= 1)
    for k, variables in of_type.items():
        lp.Add(sum(variables) <= left[k])
    # Toward a type's floor first, as the seated plan counts it (`seated_start`): the floor's still open
    # part, at a weight above any appointment's.
    for k, floor in ix.floors.items():
        done = sum(1 for opt in placed if ix.slot_options[opt].service == k)
        if floor > done and of_type.get(k):
            met = lp.NumVar(0, floor - done, "")
            lp.Add(met <= sum(of_type[k]))
            goal.SetCoefficient(met, above)
    # A sitting begins and ends with an appointment: worth more than any appointment.
    for edge in (*starting.values(), *ending.values()):
        met = lp.NumVar(0, 1, "")
        lp.Add(met <= sum(edge))
        goal.SetCoefficient(met, above)
    goal.SetMaximization()
    if not chosen or lp.Solve() != pywraplp.Solver.OPTIMAL:
        return []
    return [opt for opt, var in chosen.items() if var.solution_value() >= INTEGRAL]


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
