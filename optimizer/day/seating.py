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
from collections import defaultdict

from ortools.sat.python import cp_model

from ..families import Family
from .index import DayIndex
from .model import REGISTRY, DayModel, create_variables
from .sittings import Seating, add_counter_symmetry, add_sitting_structure
from .template import template_solution


def seated_model(dm: DayModel, seating: Seating) -> cp_model.CpModel:
    """A copy of the day model with the seating fixed (sittings only bounded); presolve drops the rest."""
    sv = dm.sittings
    assert sv is not None
    fixed = {lit.index: seating.guide.get(key, 0) for key, lit in dm.guide.items()}
    for p, lits in dm.brk.items():
        fixed |= {lit.index: int(seating.breaks.get(p) == j) for j, lit in enumerate(lits)}
    fixed |= {lit.index: seating.seat.get(key, 0) for key, lit in sv.seat.items()}
    fixed |= {lit.index: 0 for key, lit in sv.sits.items() if not seating.sits.get(key, 0)}
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
    tpl = template_solution(ix)
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
    return sorted(runs, key=len, reverse=True)[:sv.grid.max_sittings]


def fluid_seating(index: DayIndex, seconds: float, workers: int, seed: int,
                  hint: Seating | None = None) -> Seating | None:
    """Seats, sittings, guide duty and breaks from the day's fluid model with sittings.

    The fluid model is the day model with appointments replaced by minutes of each request type per
    person and block (integer, not whole appointments): same sitting rules, counters, guides, breaks,
    back office and demand, and the bookings as minutes of their type in their block. It is a fraction
    of the full model's size and picks who sits where for how long, which the full model then fills
    with appointments (`seated_model`). Returns None when no solution is found in `seconds`.
    """
    fdm = create_variables(index, slots=False)
    sv, model, ix = fdm.sittings, fdm.model, index
    if sv is None:
        return None
    fam = Family("fluid", "hard", "")
    for spec in REGISTRY:
        if spec.name in ("one_activity", "breaks", "guides"):
            spec.build(fdm, spec)
    add_sitting_structure(fdm, fam)
    add_counter_symmetry(fdm, next(spec for spec in REGISTRY if spec.name == "counter_symmetry"))
    class_of = ix.class_of_counter
    unit = math.lcm(*(t.duration_min for t in ix.services.values()))
    of_type: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    of_type_block: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    value = []
    for p, blocks in sv.person_blocks.items():
        pd = ix.people[p]
        usable = {class_of[c] for c in sv.person_counters[p]}
        in_block: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for k in pd.services:
            classes = [cls for cls in ix.service_classes[k] if cls in usable]
            if not classes:
                continue
            seat = sum(sv.seat[(p, c)] for c in sv.person_counters[p] if class_of[c] in classes)
            per_type = []
            for b in blocks:
                m = model.new_int_var(0, sv.grid.blocks[b].steps * ix.grid, f"minutes[{pd.id},{k},{b}]")
                per_type.append(m)
                in_block[b].append(m)
                of_type[k].append(m)
                of_type_block[(k, b)].append(m)
                value.append(ix.scaled_weight(k) * (unit // ix.services[k].duration_min) * m)
            model.add(sum(per_type) <= sum(sv.grid.blocks[b].steps * ix.grid for b in blocks) * seat)
        for b, ms in in_block.items():
            model.add(sum(ms) <= sv.grid.blocks[b].steps * ix.grid * sv.sits[(p, b)])
        guide_minutes = [ix.grid * lit for (q, _t), lit in fdm.guide.items() if q == p]
        model.add(sum(m for ms in in_block.values() for m in ms) + sum(guide_minutes)
                  <= max(0, pd.counter_capacity_min))
    booked: dict[str, int] = defaultdict(int)
    for bk in ix.bookings:
        booked[bk.service] += 1
        step = ix.step_of.get(bk.start)
        if step is not None:
            blk = sv.grid.block_of_step[step]
            need = min(ix.services[bk.service].duration_min, sv.grid.blocks[blk].steps * ix.grid)
            model.add(sum(of_type_block[(bk.service, blk)]) >= need)
    for k, t in ix.services.items():
        if of_type.get(k):
            model.add(sum(of_type[k]) <= max(ix.demand.get(k, 0), booked[k]) * t.duration_min)
    model.maximize(sum(value))
    if hint is not None:
        _hint_seating(fdm, _counters_in_order(fdm, hint))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    breaks = {p: j for p, lits in fdm.brk.items() for j, lit in enumerate(lits) if solver.value(lit)}
    return Seating({key: solver.value(v) for key, v in fdm.guide.items()}, breaks,
                   {key: solver.value(v) for key, v in sv.seat.items()},
                   {key: solver.value(v) for key, v in sv.sits.items()},
                   solver.objective_value / unit / ix.weight_scale)


def _counters_in_order(dm: DayModel, seating: Seating) -> Seating:
    """The same seating with each class's counters renamed in the order `add_counter_symmetry` asks for
    (counters ordered by the lowest person seated at them)."""
    rename: dict[str, str] = {}
    for cls in dm.index.classes:
        first = {c: min((p for (p, d), on in seating.seat.items() if on and d == c), default=None)
                 for c in cls.counters}
        used = sorted((c for c in cls.counters if first[c] is not None), key=lambda c: first[c])
        rename |= dict(zip(used, cls.counters))
    seat = {(p, rename.get(c, c)): on for (p, c), on in seating.seat.items()}
    return Seating(seating.guide, seating.breaks, seat, seating.sits, seating.value)


def _hint_seating(dm: DayModel, seating: Seating) -> None:
    """Hint the seating's values to a model built on the same index (seats, sittings, guides, breaks)."""
    sv, model = dm.sittings, dm.model
    assert sv is not None
    for key, lit in dm.guide.items():
        model.add_hint(lit, seating.guide.get(key, 0))
    for p, lits in dm.brk.items():
        for j, lit in enumerate(lits):
            model.add_hint(lit, seating.breaks.get(p) == j)
    for key, lit in sv.seat.items():
        model.add_hint(lit, seating.seat.get(key, 0))
    for key, lit in sv.sits.items():
        model.add_hint(lit, seating.sits.get(key, 0))
