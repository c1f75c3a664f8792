"""The day model solved inside a seating: the complete plan every later level of a day with sittings
starts from."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from ..plan import Status
from .budget import Budget
from .fill import fill_seating, sitting_runs
from .index import SlotOption
from .seating import StopWhenDue, seated_model
from .sitting_grid import Seating
from .snapshots import (
    STATUS_NAMES,
    Snapshot,
    chosen_slots,
    held_bookings,
    hint,
    scaled_served,
    snapshot_of,
    solve_fixed,
)
from .solution import StageReport
from .variables import DayModel


def seated_start(
    dm: DayModel, seating: Seating, budget: Budget, seconds: float, stages: list[StageReport]
) -> Snapshot | None:
    """The model solved inside a seating: most bookings first, then the floors and weighted served, then
    (re-plans) the published slots kept. A complete plan of the full model, found fast because counters
    no longer conflict. A re-plan's is the published day of everyone present with the absent people's
    bookings placed, without a search over the whole seating."""
    model = dm.model
    model.clear_objective()
    model.clear_hints()
    ix = dm.index
    # Bookings first, then the floors, then weighted served: a constructor's weighting, not a level.
    per_request = ix.floor_request_weight()
    met = []
    for k, floor in ix.floors.items():
        met.append(model.new_int_var(0, floor, f"toward_floor[{k}]"))
        model.add(met[-1] <= dm.served(k))
    # In a re-plan, among equal plans the one that keeps the most published slots (same type and time).
    published = sorted(ix.baseline.options) if ix.baseline is not None else []
    unit = len(published) + 1
    most = unit * per_request * (sum(ix.floors.values()) + len(ix.slot_options)) + 1
    model.maximize(
        most * sum(dm.held.values())
        + unit * (per_request * sum(met) + dm.weighted_served())
        + sum(dm.slot[i] for i in published)
    )
    sub = seated_model(dm, seating)
    model.clear_objective()
    params = budget.options.parameters
    # The seating filled without search (`fill.fill_seating`), completed to a plan of the model: the
    # search from nothing may find no plan in its time (30 staff, Thursday, 30 % booked) or plans that
    # give bookings up, which the bookings level would then fix as lost.
    began, before = time.monotonic(), budget.remaining()
    # A re-plan's seating is the published day and its fill the published slots of everyone present,
    # completed the same way: the absent people's bookings go unheld until the search moves them. (As a
    # hint alone, CP-SAT took 0.6-4.4 s of a 10 s re-plan to repair it, and on a loaded machine found no
    # plan at all.)
    assert dm.sittings is not None
    grid = dm.sittings.grid
    lp_seconds = None if budget.options.deterministic else seconds / 2
    chosen = set(fill_seating(ix, seating, grid, lp_seconds)) if ix.baseline is None else set(published)
    start = _filled(dm, sub, chosen, seating, seconds, budget)
    if start is not None and ix.baseline is not None:
        left = seconds - (before - budget.remaining())
        moved = _reach_unheld(dm, sub, start, chosen, left, budget)
        if moved is not None:
            stages.append(
                StageReport("bookings_moved", "FEASIBLE", held_bookings(dm, moved), 0.0, time.monotonic() - began)
            )
            start = moved
        # The re-seating after it is a re-plan's served search: a search over the whole seating here
        # overran its time and served less than its start (docs/replan.md).
        return _reported(dm, start, "FEASIBLE", time.monotonic() - began, stages)
    if start is not None:
        hint(sub, start)
    else:  # the fill, though it breaks a rule: CP-SAT repairs a hint
        sub.proto.solution_hint.vars.extend(lit.index for lit in dm.slot)
        sub.proto.solution_hint.values.extend(int(i in chosen) for i in range(len(dm.slot)))
    solver = budget.solver(
        max(0.05, seconds - (before - budget.remaining()))
        if start is not None
        else min(seconds * params.first_plan_grace, max(seconds, budget.remaining() / 2)),
        params.proving_subsolvers,
    )
    status = solver.solve(sub, None if start is not None or budget.options.deterministic else StopWhenDue(seconds))
    budget.charge(solver)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (start is None or solver.objective_value >= start.objective):
        snap = snapshot_of(sub, solver)
    elif start is not None:
        snap, status = start, cp_model.FEASIBLE
    else:
        return None
    return _reported(dm, snap, STATUS_NAMES[status], solver.wall_time, stages)


def _reported(dm: DayModel, snap: Snapshot, status: Status, seconds: float, stages: list[StageReport]) -> Snapshot:
    """`snap`, with its weighted served reported as the seated stage."""
    served = scaled_served(dm.index, chosen_slots(dm, snap))
    stages.append(StageReport("seated", status, served / dm.index.weight_scale, 0.0, seconds))
    return snap


def _filled(
    dm: DayModel, sub: cp_model.CpModel, chosen: set[int], seating: Seating, seconds: float, budget: Budget
) -> Snapshot | None:
    """`sub` (the seated model, maximising) with its appointments fixed to the seating's fill `chosen` and the rest
    completed. When the fill breaks a rule it does not know, once more with the appointments of the
    people whose fill breaks it left free (`_misfits`); None when that fails too. (80 staff, Thursday:
    the demand of a person's types ran out before the end of their sitting, which then could not end
    with an appointment, in 2 of 8 seatings; the whole fill was lost and the search from nothing served
    213 of a 2,552 seating. 200 staff, booked: a booking at 08:15 held in a sitting that ends at 08:30
    with 10-minute slots.)"""
    options = dm.index.slot_options
    # Time as the budget counts it, so that a deterministic run does not depend on the wall clock here either.
    before = budget.remaining()
    for attempt in range(2):
        free = _misfits(dm, seating, chosen) if attempt else set()
        left = seconds - (before - budget.remaining())
        if left <= 0 or (attempt and not free):  # nobody to free: the same solve again would fail again
            break
        solver = budget.solver(left, budget.options.parameters.seating_subsolvers)
        fixed = [(lit.index, int(i in chosen)) for i, lit in enumerate(dm.slot) if options[i].person not in free]
        # The bookings the seating holds stay held: a completion that gives one up costs a bookings level
        # and most of the day's time (sample Monday: 633 against 743-752).
        fixed += [(lit.index, 1) for b, lit in dm.held.items() if b in seating.holders]
        snap = solve_fixed(sub, fixed, solver)
        budget.charge(solver)
        if snap is not None:
            return snap
    return None


BOOKING_REACH_MIN = 60
"""A re-plan's absent colleagues' bookings: the appointments this far either side of one are freed."""


def _reach_unheld(
    dm: DayModel, sub: cp_model.CpModel, start: Snapshot, chosen: set[int], seconds: float, budget: Budget
) -> Snapshot | None:
    """A re-plan's start holds the bookings of everyone present; an absent colleague's booking needs room
    made for it. Around each booking `start` leaves unheld, the appointments of the people who can serve
    its type are freed within `BOOKING_REACH_MIN` either side, everything else stays as `start` has it,
    and `sub` (most bookings first) is solved over that neighbourhood. None when it holds no more
    bookings. (Sample Monday, two absent, deterministic time: the search from the whole published day
    left 2 of 34 bookings unheld in 4.5 s, and the bookings level after it found nothing in its time.)"""
    ix = dm.index
    unheld = [b for b in ix.bookings if b.id in dm.held and not start.values[dm.held[b.id].index]]
    if not unheld or seconds <= 0:
        return None
    reach = BOOKING_REACH_MIN // ix.grid
    serving: dict[str, set[int]] = {}
    for o in ix.slot_options:
        serving.setdefault(o.service, set()).add(o.person)
    around: dict[int, list[int]] = {}  # person -> steps of the unheld bookings they could take
    for b in unheld:
        if b.start not in ix.step_of:
            continue
        for p in serving.get(b.service, set()):
            around.setdefault(p, []).append(ix.step_of[b.start])
    free = {
        i
        for i, o in enumerate(ix.slot_options)
        if any(abs(o.step - step) <= reach for step in around.get(o.person, ()))
    }
    fixed = [(lit.index, int(i in chosen)) for i, lit in enumerate(dm.slot) if i not in free]
    subsolvers = budget.options.parameters.seating_subsolvers
    solver = budget.solver(seconds / 4, subsolvers)
    found = solve_fixed(sub, fixed, solver, start, _StopWhenHeld([lit.index for lit in dm.held.values()]))
    budget.charge(solver)
    if found is None or held_bookings(dm, found) <= held_bookings(dm, start):
        return None
    # The first plan that holds them may drop most of the freed appointments: the same neighbourhood,
    # with those bookings held, serves again what it can (sample Monday, S008 and S030 absent: the first
    # plan served 616 where the published day of everyone present served 672).
    held = [(lit.index, 1) for lit in dm.held.values() if found.values[lit.index]]
    solver = budget.solver(seconds / 4, subsolvers)
    better = solve_fixed(sub, fixed + held, solver, found)
    budget.charge(solver)
    return better if better is not None and better.objective >= found.objective else found


class _StopWhenHeld(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution that holds every booking (literals by proto index)."""

    def __init__(self, held: list[int]):
        super().__init__()
        self.held = held

    def on_solution_callback(self) -> None:
        values = self.response_proto.solution
        if all(values[i] for i in self.held):
            self.stop_search()


def _misfits(dm: DayModel, seating: Seating, chosen: set[int]) -> set[int]:
    """People whose fill may break a sitting rule: a sitting that does not begin or end with one of
    their appointments, or a booking they hold in the first or last block of a sitting."""
    assert dm.sittings is not None
    ix, grid = dm.index, dm.sittings.grid
    mine: dict[int, list[SlotOption]] = {}
    for i in chosen:
        mine.setdefault(ix.slot_options[i].person, []).append(ix.slot_options[i])
    out = set()
    for p in {p for (p, _b), on in seating.sits.items() if on}:
        starts = {o.step for o in mine.get(p, [])}
        ends = {o.step + o.length for o in mine.get(p, [])}
        if any(first not in starts or end not in ends for first, end in sitting_runs(seating, grid, p)):
            out.add(p)
    block_of = grid.block_of_step
    sits = {(p, b) for (p, b), on in seating.sits.items() if on}
    for booking in ix.bookings:
        holder, step = seating.holders.get(booking.id), ix.step_of.get(booking.start)
        if holder is None or step is None:
            continue
        b = block_of[step]
        if (holder, b) in sits and ((holder, b - 1) not in sits or (holder, b + 1) not in sits):
            out.add(holder)
    return out
