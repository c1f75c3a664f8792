"""A first seating for the sitting model: who sits at which counter when, before any appointment.

The day model with sittings has no constructive plan of its own, and CP-SAT finds good plans of it slowly
from nothing. A `Seating` fixes the seats, guide duty and breaks, and bounds the sittings; solving the full
model inside it (`seated_model`) is easy because counters no longer conflict, and gives a complete, valid
plan to start from. Two seatings exist:

- `fluid_seating`: the day's fluid model with sittings, where appointments become minutes of each request
  type per person and block; it picks who sits where for how long;
- `seat_from_template`: the hand-style template's counters and the blocks it leaves free (the fallback
  when the fluid model finds nothing in its time).

The fluid model's search starts from the best of the template's seating and the packed ones
(`packing.packed_seating`), each completed to a solution.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from ..errors import InfeasibleError
from ..families import Family
from .budget import DETERMINISTIC_GUARD_S, Budget
from .index import DayIndex
from .model import REGISTRY
from .packing import first_fit, packed_seating
from .seat_exchange import exchange_seats
from .seating_value import (
    Completed,
    Objective,
    complete_seating,
    floor_minute_weight,
    fluid_unit,
    value_per_minute,
)
from .sitting_grid import Seating, SittingGrid, SittingVars
from .sittings import add_person_sittings
from .snapshots import snapshot_of
from .template import template_solution
from .variables import DayModel, create_variables


class StopWhenDue(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution found after `seconds` whose objective reaches `at_least`
    (maximising; the solver's own limit is the hard one)."""

    def __init__(self, seconds: float, at_least: float | None = None):
        super().__init__()
        self.due = time.monotonic() + seconds
        self.at_least = at_least

    def on_solution_callback(self) -> None:
        if time.monotonic() >= self.due and (self.at_least is None or self.objective_value >= self.at_least):
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
    seat_class = seating.seat_classes(dm.index.class_of_counter)
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


def restrict_to_seating(index: DayIndex, seating: Seating, dm: DayModel) -> DayIndex:
    """The day with only the appointments that fit `seating`: at a seated person's counter class, inside
    or next to the blocks they may sit in (`dm` gives the block grid), or at a booking's time. Each
    seated person keeps their counter (`DayIndex.counters_of`); whoever the seating leaves out may take
    any counter of their classes later (a colleague's, to share the counter time). The day model of the
    result is a fraction of the full one (at 500 staff its counter rule had 2.4 million
    person-at-counter-in-block variables before the counters were kept, 9,714 after), and every plan of it
    is a plan of the full day."""
    sv = dm.sittings
    assert sv is not None
    seat_class = seating.seat_classes(index.class_of_counter)
    counter_of = {p: c for (p, c), on in seating.seat.items() if on}
    block_of = sv.grid.block_of_step
    # A sitting may stretch by a block at either end (the seating's grid is coarser) or to hold a booking.
    near = {(p, b + d) for (p, b), on in seating.sits.items() if on for d in (-1, 0, 1)}
    booked = {(bk.service, index.step_of.get(bk.start)) for bk in index.bookings}
    kept = [
        o
        for o in index.slot_options
        if o.person not in seat_class  # whoever the seating leaves out may still be seated later
        or (
            seat_class[o.person] == o.cls
            and (
                (o.service, o.step) in booked
                or all((o.person, block_of[t]) in near for t in range(o.step, o.step + o.length))
            )
        )
    ]
    return replace(index, slot_options=kept, counters_of={p: [c] for p, c in counter_of.items()})


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
        busy |= ix.break_steps(p, break_plan)
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


@dataclass
class _Fluid:
    """The fluid model with sittings (`fluid_seating`) and the variables a seating is read from."""

    dm: DayModel
    seat_class: dict[tuple[int, int], cp_model.IntVar]
    """(person, counter class) -> p serves at that class today."""
    value: list[tuple[int, cp_model.IntVar]]
    """(coefficient, minutes of a type): weighted served, in `unit` × `weight_scale` per request."""
    minutes_of: dict[tuple[int, str], cp_model.IntVar]
    held: dict[tuple[str, int], cp_model.IntVar]
    toward_floor: dict[str, cp_model.IntVar]
    """type -> its minutes toward its floor."""
    unit: int
    first: int
    """The objective's weight of a minute toward a floor (above any minute's value)."""
    top: int
    """The objective's weight of a held booking (above everything else)."""

    def objective_of(self, terms: Objective) -> int:
        """The model's objective value of a solution with these terms."""
        return self.top * terms.held + self.first * terms.toward_floors + terms.value


def fluid_seating(
    dm: DayModel, budget: Budget, seconds: float, hint: Seating | None = None, turns: bool = True
) -> Seating | None:
    """Seats, sittings, guide duty and breaks from the day's fluid model with sittings.

    The fluid model is the day model with appointments replaced by minutes of each request type per
    person and block (integer, not whole appointments), and concrete counters by counter classes: same
    sitting rules, guides, breaks, back office, demand and floors, the bookings as minutes of their type
    in their block, and at most as many people sitting at a class in a block as it has counters. It is a
    fraction of the full model's size and picks who sits at which class for how long. Its sittings lie on
    a grid of `seating_block_min` (half hours), coarser than the day model's: far fewer handover times to
    choose from, so the search finds good seatings much sooner. Each person holds the counter from their
    first sitting to their last, so `_give_counters` always finds one counter of the class per person.
    With `turns`, guide duty comes in turns of a whole seating block (`_in_turns`): plans people can
    follow. Should that leave no solution, the model is solved again without them.

    The search starts from the best of the packed seatings and `hint` (the template's seating), each
    completed exactly without search (`seating_value`), and runs for what is left of `seconds`. It
    returns that start when the search finds nothing better in its time (500 staff: its presolve alone
    took most of it); None when there is no start and the search finds no solution, even after
    `first_plan_grace` times `seconds`. `dm` is a day model (appointments may be left out) whose sitting
    grid the seating is given on.
    """
    params = budget.options.parameters
    fm = _fluid_model(dm, params.seating_block_min, turns)
    if fm is None or dm.sittings is None:
        return None
    fdm, model = fm.dm, fm.dm.model
    sv = fdm.sittings
    assert sv is not None
    before = budget.remaining()
    starts = [s for s in (packed_seating(fdm, True, True), packed_seating(fdm, True), packed_seating(fdm)) if s]
    starts += [replace(hint, sits=_regrid(hint.sits, dm.sittings.grid, sv))] if hint is not None else []
    best = max((complete_seating(fdm, s) for s in starts), key=lambda c: c.objective.key(), default=None)
    if best is not None:
        # Exchanging people between classes: steps the search below rarely finds (`seat_exchange`).
        best = exchange_seats(fdm, best, budget, params.exchange_share * seconds)
        _hint_completed(fm, best)
    # The starts' time is the seating's: at 200 staff packing and completing took 10 s, and the seated
    # plan, left with too little, once held fewer bookings than the template, which then stood in.
    search = max(0.05, seconds - (before - budget.remaining()))
    # Without a solution to start from, the search may take `first_plan_grace` times its time to find one
    # (deterministic runs excepted: a wall-clock stop would make them depend on the machine).
    deterministic = budget.options.deterministic
    grace = 1.0 if best is not None or deterministic else params.first_plan_grace
    solver = budget.solver(search * grace, params.seating_subsolvers)
    status = solver.solve(model, None if grace == 1.0 else StopWhenDue(search))
    budget.charge(solver)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if best is not None and (not found or solver.objective_value < fm.objective_of(best.objective)):
        sits = dict(best.seating.sits)
        classes = best.seating.seat_classes(fdm.index.class_of_counter)
        seat = _give_counters(fdm, classes, sits, deterministic=deterministic)
        return replace(best.seating, seat=seat, sits=_regrid(sits, sv.grid, dm.sittings))
    if status == cp_model.INFEASIBLE and turns:
        return fluid_seating(dm, budget, seconds, hint, turns=False)
    if not found:
        return None
    snap = snapshot_of(model, solver)

    def val(var: cp_model.IntVar) -> int:
        return snap.values[var.index]

    chosen_class = {p: cls for (p, cls), lit in fm.seat_class.items() if val(lit)}
    sits = {key: val(v) for key, v in sv.sits.items()}
    seat = _give_counters(fdm, chosen_class, sits, deterministic=deterministic)
    ix = dm.index
    return Seating(
        {key: val(v) for key, v in fdm.guide.items()},
        {p: j for p, lits in fdm.brk.items() for j, lit in enumerate(lits) if val(lit)},
        seat,
        _regrid(sits, sv.grid, dm.sittings),
        sum(coef * val(m) for coef, m in fm.value) / fm.unit / ix.weight_scale,
        _steps_by_person(fm.minutes_of, val, ix.grid),
        {bk: p for (bk, p), lit in fm.held.items() if val(lit)},
    )


def _fluid_model(dm: DayModel, block_min: int, turns: bool) -> _Fluid | None:
    """The fluid model on a sitting grid of `block_min` (see `fluid_seating`); None without sittings."""
    ix = dm.index
    fdm = create_variables(ix, slots=False, block_min=block_min)
    sv, model = fdm.sittings, fdm.model
    if sv is None:
        return None
    fam = Family("fluid", "hard", "")
    if turns:
        _in_turns(fdm)
    for spec in REGISTRY:
        if spec.name in ("one_activity", "breaks", "guides", "back_office"):
            spec.build(fdm, spec)
    class_of = ix.class_of_counter
    unit = fluid_unit(fdm)
    of_type: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    at_type: dict[tuple[int, str, int], cp_model.LinearExprT] = {}
    """(person, type, block) -> p sits at a class with the type's equipment (p can serve the type)."""
    at_class: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    seat_class: dict[tuple[int, int], cp_model.IntVar] = {}
    minutes_at: dict[tuple[int, int], cp_model.LinearExprT] = {}
    value: list[tuple[int, cp_model.IntVar]] = []
    value_limit = 0
    minutes_of: dict[tuple[int, str], cp_model.IntVar] = {}
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
        # holds[p, cls, b]: p holds a counter of class cls in block b; at[p, cls, b]: p sits there. The
        # class's counters bound the holders per block, and the minutes of each type come from blocks at
        # a class that has its equipment: a tight LP, unlike big-M terms on the class choice.
        at: dict[tuple[int, int], cp_model.LinearExprT] = {}
        for b in blocks:
            hull = started[b] + going[b] - 1
            if len(usable) == 1:
                holds = {usable[0]: model.new_bool_var(f"holds[{pd.id},{b}]")}
                model.add(holds[usable[0]] == hull)
                model.add_implication(sv.sits[(p, b)], holds[usable[0]])
                at[(usable[0], b)] = sv.sits[(p, b)]
            else:
                holds = {cls: model.new_bool_var(f"holds[{pd.id},{cls},{b}]") for cls in usable}
                model.add(sum(holds.values()) == hull)
                sitting = {cls: model.new_bool_var(f"at[{pd.id},{cls},{b}]") for cls in usable}
                model.add(sum(sitting.values()) == sv.sits[(p, b)])
                for cls in usable:
                    model.add_implication(holds[cls], seat_class[(p, cls)])
                    model.add_implication(sitting[cls], holds[cls])
                    at[(cls, b)] = sitting[cls]
            for cls, lit in holds.items():
                at_class[(cls, b)].append(lit)
        for cls in usable:
            minutes_at[(p, cls)] = sum(sv.grid.blocks[b].steps * ix.grid * at[(cls, b)] for b in blocks)
        sitting_minutes = sum(sv.grid.blocks[b].steps * ix.grid * sv.sits[(p, b)] for b in blocks)
        mine = []
        for k in pd.services:
            classes = [cls for cls in ix.service_classes[k] if cls in usable]
            if not classes:
                continue
            total = sum(sv.grid.blocks[b].steps * ix.grid for b in blocks)
            m = model.new_int_var(0, total, f"minutes[{pd.id},{k}]")
            model.add(m <= sum(minutes_at[(p, cls)] for cls in classes))
            mine.append(m)
            of_type[k].append(m)
            value.append((value_per_minute(fdm, k), m))
            minutes_of[(p, k)] = m
            value_limit += value[-1][0] * total
            for b in blocks:
                at_type[(p, k, b)] = sum(at[(cls, b)] for cls in classes)
        guide_minutes = [ix.grid * lit for (q, _t), lit in fdm.guide.items() if q == p]
        model.add(sum(mine) <= sitting_minutes)
        model.add(sum(mine) + sum(guide_minutes) <= max(0, pd.counter_capacity_min))
    for (cls, _b), lits in at_class.items():
        model.add(sum(lits) <= ix.classes[cls].size)
    booked: dict[str, int] = defaultdict(int)
    for bk in ix.bookings:
        booked[bk.service] += 1
    held = _hold_bookings(fdm, at_type)
    # A booking takes its holder's time: their minutes of its type include it (without this, a person
    # given 300 minutes of emergencies also held two 30-minute sponsorship bookings in the same sitting).
    service_of = {bk.id: bk.service for bk in ix.bookings}
    holding: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
    for (bk_id, p), lit in held.items():
        holding[(p, service_of[bk_id])].append(lit)
    for (p, k), lits in holding.items():
        model.add(minutes_of[(p, k)] >= ix.services[k].duration_min * sum(lits))
    met: dict[str, cp_model.IntVar] = {}
    for k, t in ix.services.items():
        if of_type.get(k):
            model.add(sum(of_type[k]) <= max(ix.demand.get(k, 0), booked[k]) * t.duration_min)
        if ix.floors.get(k):  # minutes toward the type's floor come first (a constructor's weighting)
            met[k] = model.new_int_var(0, ix.floors[k] * t.duration_min, f"floor_minutes[{k}]")
            model.add(met[k] <= sum(of_type.get(k, [])))
    first = floor_minute_weight(fdm)
    top = first * (sum(ix.floors.values()) * max((t.duration_min for t in ix.services.values()), default=1) + 1)
    top += value_limit
    primary = top * sum(held.values()) + first * sum(met.values()) + sum(coef * m for coef, m in value)
    model.maximize(primary)
    return _Fluid(fdm, seat_class, value, minutes_of, held, met, unit, first, top)


def _in_turns(dm: DayModel) -> None:
    """Guide duty in turns of a whole block of the seating grid: one person guides all of a block's
    steps, or none of them (before, the seated plan inherited guide duty in 5-minute pieces). Neutral on
    the seating's value within the search's noise (sample Thursday, 20 s, two seeds: 1043.5 and 1017
    with turns, 1030.5 and 1040.5 without). Breaks that start only on a quarter hour were tried as well
    and cost 2.5 % there (1016 and 1003)."""
    sv, model = dm.sittings, dm.model
    assert sv is not None
    first: dict[tuple[int, int], cp_model.IntVar] = {}
    for (p, step), lit in dm.guide.items():
        key = (p, sv.grid.block_of_step[step])
        if key in first:
            model.add(lit == first[key])
        else:
            first[key] = lit


def _steps_by_person(
    minutes_of: dict[tuple[int, str], cp_model.IntVar], val: Callable[[cp_model.IntVar], int], grid: int
) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for (p, k), m in minutes_of.items():
        out[p][k] = val(m) // grid
    return dict(out)


def _regrid(sits: dict[tuple[int, int], int], grid: SittingGrid, to: SittingVars) -> dict[tuple[int, int], int]:
    """Sittings decided on `grid` on the blocks of `to`'s grid: a block sits when every step of it lies
    in a block of `grid` that sits (grids start at each opening interval, so they nest)."""
    steps = to.grid.blocks
    return {
        (p, b): int(
            all(sits.get((p, grid.block_of_step[t]), 0) for t in range(steps[b].first_step, steps[b].last_step + 1))
        )
        for (p, b) in to.sits
    }


def _hint_completed(fm: _Fluid, start: Completed) -> None:
    """Hint the fluid model with a completed seating: classes, sittings, guide duty, breaks, minutes,
    booking holders and minutes toward the floors (the rest follows from them)."""
    dm, model, seating = fm.dm, fm.dm.model, start.seating
    sv = dm.sittings
    assert sv is not None
    model.clear_hints()
    seated = seating.seat_classes(dm.index.class_of_counter)
    values = [(lit, int(seated.get(p) == cls)) for (p, cls), lit in fm.seat_class.items()]
    values += [(lit, seating.sits.get(key, 0)) for key, lit in sv.sits.items()]
    values += [(lit, seating.guide.get(key, 0)) for key, lit in dm.guide.items()]
    values += [(lit, int(seating.breaks.get(p) == j)) for p, lits in dm.brk.items() for j, lit in enumerate(lits)]
    values += [(m, start.minutes.get(key, 0)) for key, m in fm.minutes_of.items()]
    values += [(lit, int(seating.holders.get(bk) == p)) for (bk, p), lit in fm.held.items()]
    total: dict[str, int] = defaultdict(int)
    for (_p, k), m in start.minutes.items():
        total[k] += m
    ix = dm.index
    values += [(var, min(total[k], ix.floors[k] * ix.services[k].duration_min)) for k, var in fm.toward_floor.items()]
    for var, value in values:
        model.add_hint(var, value)


def _hold_bookings(
    dm: DayModel, at_type: dict[tuple[int, str, int], cp_model.LinearExprT]
) -> dict[tuple[str, int], cp_model.IntVar]:
    """Who holds each booking in the fluid model: someone who can serve it and sits at a counter with its
    equipment throughout it, holding one booking at a time. Returns (booking id, person) -> holds."""
    sv, ix, model = dm.sittings, dm.index, dm.model
    assert sv is not None
    held: dict[tuple[str, int], cp_model.IntVar] = {}
    busy: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for bk in ix.bookings:
        steps = ix.booking_steps(bk)
        if not steps:
            continue
        blocks = {sv.grid.block_of_step[t] for t in steps}
        able = [p for p in sv.person_blocks if all((p, bk.service, b) in at_type for b in blocks)]
        named = [p for p in able if ix.people[p].id == bk.staff]
        holders = []
        for p in named or able:  # the person a booking names holds it when they can
            lit = model.new_bool_var(f"holds[{bk.id},{ix.people[p].id}]")
            for b in blocks:
                model.add(at_type[(p, bk.service, b)] >= 1).only_enforce_if(lit)
            for t in steps:
                busy[(p, t)].append(lit)
            held[(bk.id, p)] = lit
            holders.append(lit)
        if len(holders) > 1:
            model.add_at_most_one(holders)
    for lits in busy.values():
        if len(lits) > 1:
            model.add_at_most_one(lits)
    return held


def _give_counters(
    dm: DayModel,
    classes: dict[int, int],
    sits: dict[tuple[int, int], int],
    seconds: float = 1.0,
    deterministic: bool = False,
) -> dict[tuple[int, str], int]:
    """One counter of its class per seated person, so that people at one counter never sit at once.
    First fit in order of the first sitting block (optimal when each person's blocks are one stretch and
    no block has more sitters than counters, as the fluid model ensures); only when it leaves somebody
    out, a small assignment model per class (people × counters, one person per counter and block),
    hinted with it, seats as many sitting blocks as possible. Whoever gets no counter loses their
    sittings (`sits` is cut). The counters are named in the order `counter_symmetry` asks for."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    seat: dict[tuple[int, str], int] = {}
    for cls in ix.classes:
        people = [
            p for p, k in classes.items() if k == cls.index and any(sits.get((p, b)) for b in sv.person_blocks[p])
        ]
        if not people:
            continue
        blocks_of = {p: {b for b in sv.person_blocks[p] if sits.get((p, b))} for p in people}
        fitted = first_fit(people, cls.counters, blocks_of)
        if len(fitted) < len(people):
            fitted = _assign_counters(people, cls.counters, blocks_of, fitted, seconds, deterministic)
        for p in people:
            if p in fitted:
                seat[(p, fitted[p])] = 1
            else:
                for b in sv.person_blocks[p]:
                    sits[(p, b)] = 0
    return _in_symmetry_order(dm, seat)


def _assign_counters(
    people: list[int],
    counters: Sequence[str],
    blocks_of: dict[int, set[int]],
    fitted: dict[int, str],
    seconds: float,
    deterministic: bool = False,
) -> dict[int, str]:
    """The assignment seating the most sitting blocks (CP-SAT, hinted with `fitted`); `fitted` when the
    search finds nothing better within `seconds` (at 200 staff it found nothing in 1 s, and everybody of
    the class lost their sittings). `deterministic`: `seconds` of CP-SAT's deterministic time only (the
    wall clock then only guards against a runaway)."""
    model = cp_model.CpModel()
    x = {(p, c): model.new_bool_var("") for p in people for c in counters}
    for p in people:
        model.add_at_most_one(x[(p, c)] for c in counters)
    sitting_blocks = set().union(*blocks_of.values())
    for c in counters:
        for b in sitting_blocks:
            sitting = [x[(p, c)] for p in people if b in blocks_of[p]]
            if len(sitting) > 1:
                model.add_at_most_one(sitting)
    for (p, c), lit in x.items():
        model.add_hint(lit, fitted.get(p) == c)
    model.maximize(sum(len(blocks_of[p]) * x[(p, c)] for p in people for c in counters))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = max(DETERMINISTIC_GUARD_S, seconds) if deterministic else seconds
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.objective_value <= sum(
        len(blocks_of[p]) for p in fitted
    ):
        return fitted
    return {p: c for (p, c), lit in x.items() if solver.value(lit)}


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
