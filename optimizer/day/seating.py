"""A first seating for the sitting model: who sits at which counter when, before any appointment.

The day model with sittings has no constructive plan of its own, and CP-SAT finds good plans of it slowly
from nothing. A `Seating` fixes the seats, guide duty and breaks, and bounds the sittings; solving the full
model inside it (`seated_model`) is easy because counters no longer conflict, and gives a complete, valid
plan to start from. Two seatings exist:

- `fluid_seating`: the day's fluid model with sittings, where appointments become minutes of each request
  type per person and block; it picks who sits where for how long;
- `seat_from_template`: the hand-style template's counters and the blocks it leaves free (the fallback
  when the fluid model finds nothing in its time).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from ..errors import InfeasibleError
from ..families import Family
from .index import DayIndex
from .model import REGISTRY, DayModel, create_variables
from .sittings import Seating, add_person_sittings
from .template import template_solution


class StopWhenDue(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution found after `seconds` (the solver's own limit is the
    hard one)."""

    def __init__(self, seconds: float):
        super().__init__()
        self.due = time.monotonic() + seconds

    def on_solution_callback(self) -> None:
        if time.monotonic() >= self.due:
            self.stop_search()


def seated_model(dm: DayModel, seating: Seating) -> cp_model.CpModel:
    """A copy of the day model with the seating fixed (sittings only bounded); presolve drops the rest."""
    sv = dm.sittings
    assert sv is not None
    fixed = {lit.index: seating.guide.get(key, 0) for key, lit in dm.guide.items()}
    for p, lits in dm.brk.items():
        fixed |= {lit.index: int(seating.breaks.get(p) == j) for j, lit in enumerate(lits)}
    fixed |= {lit.index: seating.seat.get(key, 0) for key, lit in sv.seat.items()}
    fixed |= {lit.index: 0 for key, lit in sv.sits.items() if not seating.sits.get(key, 0)}
    # Appointments outside the seating cannot happen: fixing them lets presolve drop most of the model.
    class_of = dm.index.class_of_counter
    seat_class = {p: class_of[c] for (p, c), on in seating.seat.items() if on}
    block_of = sv.grid.block_of_step
    for o, lit in zip(dm.index.slot_options, dm.slot):
        if seat_class.get(o.person) != o.cls or not all(
            seating.sits.get((o.person, block_of[t]), 0) for t in range(o.step, o.step + o.length)
        ):
            fixed[lit.index] = 0
    sub = cp_model.CpModel()
    sub.proto.copy_from(dm.model.proto)
    for i, value in fixed.items():
        domain = sub.proto.variables[i].domain
        domain[0] = domain[1] = value
    return sub


def seat_from_template(dm: DayModel) -> Seating | None:
    """The template's counters and free blocks (see module docstring); None when there are no sittings."""
    sv, ix = dm.sittings, dm.index
    if sv is None:
        return None
    try:
        tpl = template_solution(ix)
    except InfeasibleError:  # the template's simple rules find no plan; the model may still
        return None
    guide = {(p, step): 1 for p, steps in tpl.guide_steps.items() for step in steps}
    seat: dict[tuple[int, str], int] = {}
    sits: dict[tuple[int, int], int] = {}
    for p, counters in sv.person_counters.items():
        counter = tpl.counter_of.get(p)
        if counter in counters:
            seat[(p, counter)] = 1
            for run in _free_runs(dm, p, tpl.guide_steps.get(p, []), tpl.break_plan.get(p)):
                sits |= {(p, b): 1 for b in run}
    return Seating(guide, dict(tpl.break_plan), seat, sits)


def _free_runs(dm: DayModel, p: int, guide_steps: list[int], break_plan: int | None) -> list[list[int]]:
    """The longest runs of p's blocks free of guide duty and break, each long enough for a sitting."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    busy = set(guide_steps)
    if break_plan is not None:
        for start, end in ix.people[p].break_plans[break_plan]:
            busy |= {ix.step_of[m] for m in range(start, end, ix.grid) if m in ix.step_of}
    runs: list[list[int]] = []
    for b in sv.person_blocks[p]:
        blk = sv.grid.blocks[b]
        if busy & set(range(blk.first_step, blk.last_step + 1)):
            continue
        if runs and runs[-1][-1] == b - 1 and sv.grid.blocks[b - 1].interval == blk.interval:
            runs[-1].append(b)
        else:
            runs.append([b])
    runs = [r for r in runs if (n := sv.grid.min_blocks(ix, r[0])) is not None and len(r) >= n]
    return sorted(runs, key=len, reverse=True)[: sv.grid.max_sittings]


def fluid_seating(
    index: DayIndex, solver: cp_model.CpSolver, due: float | None = None, hint: Seating | None = None
) -> Seating | None:
    """Seats, sittings, guide duty and breaks from the day's fluid model with sittings.

    The fluid model is the day model with appointments replaced by minutes of each request type per
    person and block (integer, not whole appointments), and concrete counters by counter classes: same
    sitting rules, guides, breaks, back office, demand and floors, the bookings as minutes of their type
    in their block, and at most as many people sitting at a class in a block as it has counters. It is a
    fraction of the full model's size and picks who sits at which class for how long. Each person holds
    the counter from their first sitting to their last, so `_give_counters` always finds one counter of
    the class per person; the full model may then let a colleague use it in between. Returns None when
    no solution is found within `solver`'s limit; `due` (seconds) stops the search at the first solution
    found after it.
    """
    fdm = create_variables(index, slots=False)
    sv, model, ix = fdm.sittings, fdm.model, index
    if sv is None:
        return None
    fam = Family("fluid", "hard", "")
    for spec in REGISTRY:
        if spec.name in ("one_activity", "breaks", "guides"):
            spec.build(fdm, spec)
    class_of = ix.class_of_counter
    unit = math.lcm(*(t.duration_min for t in ix.services.values()))
    of_type: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    sitting_with: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    """(type, block) -> sittings of the people who can serve the type."""
    at_class: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    seat_class: dict[tuple[int, int], cp_model.IntVar] = {}
    value = []
    for p, blocks in sv.person_blocks.items():
        pd = ix.people[p]
        usable = sorted({class_of[c] for c in sv.person_counters[p]})
        for cls in usable:
            seat_class[(p, cls)] = model.new_bool_var(f"class[{pd.id},{cls}]")
        model.add(sum(seat_class[(p, cls)] for cls in usable) <= 1)
        add_person_sittings(fdm, fam, p, sum(seat_class[(p, cls)] for cls in usable), set())
        # A person holds their counter from the first sitting's start to the last one's end (the hull),
        # so that one counter per person can always be found (interval graphs colour exactly).
        started = {b: model.new_bool_var(f"started[{pd.id},{b}]") for b in blocks}
        going = {b: model.new_bool_var(f"going[{pd.id},{b}]") for b in blocks}
        for i, b in enumerate(blocks):
            model.add(started[b] >= sv.sits[(p, b)])
            model.add(going[b] >= sv.sits[(p, b)])
            if i:
                model.add(started[b] >= started[blocks[i - 1]])
                model.add(going[blocks[i - 1]] >= going[b])
            hull = started[b] + going[b] - 1
            for cls in usable:
                both = model.new_bool_var(f"holds[{pd.id},{cls},{b}]")
                model.add(both >= hull + seat_class[(p, cls)] - 1)
                at_class[(cls, b)].append(both)
        sitting_minutes = sum(sv.grid.blocks[b].steps * ix.grid * sv.sits[(p, b)] for b in blocks)
        mine = []
        for k in pd.services:
            classes = [cls for cls in ix.service_classes[k] if cls in usable]
            if not classes:
                continue
            total = sum(sv.grid.blocks[b].steps * ix.grid for b in blocks)
            m = model.new_int_var(0, total, f"minutes[{pd.id},{k}]")
            model.add(m <= total * sum(seat_class[(p, cls)] for cls in classes))
            mine.append(m)
            of_type[k].append(m)
            value.append(ix.scaled_weight(k) * (unit // ix.services[k].duration_min) * m)
            for b in blocks:
                sitting_with[(k, b)].append(sv.sits[(p, b)])
        guide_minutes = [ix.grid * lit for (q, _t), lit in fdm.guide.items() if q == p]
        model.add(sum(mine) <= sitting_minutes)
        model.add(sum(mine) + sum(guide_minutes) <= max(0, pd.counter_capacity_min))
    for (cls, _b), lits in at_class.items():
        model.add(sum(lits) <= ix.classes[cls].size)
    booked: dict[str, int] = defaultdict(int)
    at_block: dict[tuple[str, int], int] = defaultdict(int)
    for bk in ix.bookings:
        booked[bk.service] += 1
        step = ix.step_of.get(bk.start)
        if step is not None:
            at_block[(bk.service, sv.grid.block_of_step[step])] += 1
    for (k, b), n in at_block.items():  # someone who can serve the booking sits when it starts
        model.add(sum(sitting_with[(k, b)]) >= min(n, len(sitting_with[(k, b)])))
    met = []
    for k, t in ix.services.items():
        if of_type.get(k):
            model.add(sum(of_type[k]) <= max(ix.demand.get(k, 0), booked[k]) * t.duration_min)
        if ix.floors.get(k):  # minutes toward the type's floor come first (a constructor's weighting)
            m = model.new_int_var(0, ix.floors[k] * t.duration_min, f"floor_minutes[{k}]")
            model.add(m <= sum(of_type.get(k, [])))
            met.append(m)
    first = max((ix.scaled_weight(k) * unit // t.duration_min for k, t in ix.services.items()), default=1) + 1
    model.maximize(first * sum(met) + sum(value))
    if hint is not None:
        _hint_seating(fdm, hint, seat_class)
    callback = StopWhenDue(due) if due is not None else None
    if solver.solve(model, callback) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    breaks = {p: j for p, lits in fdm.brk.items() for j, lit in enumerate(lits) if solver.value(lit)}
    chosen_class = {p: cls for (p, cls), lit in seat_class.items() if solver.value(lit)}
    sits = {key: solver.value(v) for key, v in sv.sits.items()}
    seat = _in_symmetry_order(fdm, _give_counters(fdm, chosen_class, sits))
    return Seating(
        {key: solver.value(v) for key, v in fdm.guide.items()},
        breaks,
        seat,
        sits,
        solver.value(sum(value)) / unit / ix.weight_scale,
    )


def _give_counters(
    dm: DayModel, classes: dict[int, int], sits: dict[tuple[int, int], int], seconds: float = 1.0
) -> dict[tuple[int, str], int]:
    """One counter of its class per seated person, so that people at one counter never sit at once: a
    small assignment model per class (people × counters, one person per counter and block) that seats
    as many sitting blocks as possible. Whoever gets no counter loses their sittings (`sits` is cut)."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    seat: dict[tuple[int, str], int] = {}
    for cls in ix.classes:
        people = [
            p for p, k in classes.items() if k == cls.index and any(sits.get((p, b)) for b in sv.person_blocks[p])
        ]
        if not people:
            continue
        model = cp_model.CpModel()
        x = {(p, c): model.new_bool_var("") for p in people for c in cls.counters}
        for p in people:
            model.add_at_most_one(x[(p, c)] for c in cls.counters)
        for c in cls.counters:
            for b in range(len(sv.grid.blocks)):
                sitting = [x[(p, c)] for p in people if sits.get((p, b))]
                if len(sitting) > 1:
                    model.add_at_most_one(sitting)
        blocks = {p: sum(1 for b in sv.person_blocks[p] if sits.get((p, b))) for p in people}
        model.maximize(sum(blocks[p] * x[(p, c)] for p in people for c in cls.counters))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = seconds
        solver.parameters.max_time_in_seconds = seconds
        found = solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        for p in people:
            counter = next((c for c in cls.counters if found and solver.value(x[(p, c)])), None)
            if counter is None:
                for b in sv.person_blocks[p]:
                    sits[(p, b)] = 0
            else:
                seat[(p, counter)] = 1
    return seat


def _in_symmetry_order(dm: DayModel, seat: dict[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    """The same seats with each class's counters renamed in the order `counter_symmetry` asks for:
    counters ordered by the lowest person seated there (identical counters, so nothing else changes)."""
    rename: dict[str, str] = {}
    for cls in dm.index.classes:
        lowest = {
            c: min(p for (p, d), on in seat.items() if on and d == c)
            for c in cls.counters
            if any(on and d == c for (_p, d), on in seat.items())
        }
        rename |= dict(zip(sorted(lowest, key=lowest.__getitem__), cls.counters))
    return {(p, rename.get(c, c)): on for (p, c), on in seat.items()}


def _hint_seating(dm: DayModel, seating: Seating, seat_class: dict[tuple[int, int], cp_model.IntVar]) -> None:
    """Hint a seating (the template's) to the fluid model: guides, breaks, classes and sittings."""
    sv, model, class_of = dm.sittings, dm.model, dm.index.class_of_counter
    assert sv is not None
    for key, lit in dm.guide.items():
        model.add_hint(lit, seating.guide.get(key, 0))
    for p, lits in dm.brk.items():
        for j, lit in enumerate(lits):
            model.add_hint(lit, seating.breaks.get(p) == j)
    seated = {(p, class_of[c]) for (p, c), on in seating.seat.items() if on}
    for key, lit in seat_class.items():
        model.add_hint(lit, key in seated)
    for key, lit in sv.sits.items():
        model.add_hint(lit, seating.sits.get(key, 0))
