"""The day model in CP-SAT: variables, and one named function per hard rule and objective term.

Decisions (all Booleans):
- `slot[o]` for each `SlotOption` o: person p serves one appointment of a request type at a counter
  class, starting at an opening step. Service time is exactly the union of a person's slots, so
  served requests are counted without rounding.
- `guide[p, step]`: person p is entrance guide (Lotse) during that step.
- `brk[p][j]`: person p takes the j-th lawful break plan (ArbZG §4, precomputed in `breaks`).
Everything else a present person does is back office.

Families are listed in `REGISTRY` in build order. Hard families that the explanation code may switch
off are built with an enforcement literal when `explain=True`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from ortools.sat.python import cp_model

from ..families import Family, FamilySpec, Penalty, select
from .index import DayIndex
from .sittings import add_counter_symmetry, add_keep_days, add_sittings, freeze_sittings
from .variables import DayModel, create_variables, total

PERCENT = 100


# ---------------------------------------------------------------- hard rules


def add_one_activity(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    fam = dm.hard(spec)
    for lits in dm.cover.values():
        if len(lits) > 1:
            if fam.switch is None:
                dm.model.add_at_most_one(lits)
            else:
                dm.enforce(dm.model.add(sum(lits) <= 1), fam)
    return fam


def add_breaks(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    fam = dm.hard(spec)
    for lits in dm.brk.values():
        if fam.switch is None:
            dm.model.add_exactly_one(lits)
        else:
            dm.enforce(dm.model.add(sum(lits) == 1), fam)
    return fam


def add_counters(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """At most `size` people at a counter class per step, plus the implied whole-day knapsack per class:
    redundant, but it lets CP-SAT's cuts see that slot lengths cannot fill a class to the last minute."""
    fam = dm.hard(spec)
    ix = dm.index
    sizes = {c.index: c.size for c in ix.classes}
    for (cls, _step), lits in dm.class_cover.items():
        if len(lits) > sizes[cls]:
            dm.enforce(dm.model.add(sum(lits) <= sizes[cls]), fam)
    per_class: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
    for o, lit in zip(ix.slot_options, dm.slot):
        per_class[o.cls].append(o.length * lit)
    for cls, terms in per_class.items():
        dm.enforce(dm.model.add(sum(terms) <= sizes[cls] * len(ix.step_start)), fam)
    return fam


def add_guides(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    fam = dm.hard(spec)
    need = dm.index.scenario.policy.guides_min
    if need:
        on_duty: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (_p, step), lit in dm.guide.items():
            on_duty[step].append(lit)
        for step in range(len(dm.index.step_start)):
            dm.enforce(dm.model.add(total(on_duty[step]) >= need), fam)
    return fam


def add_back_office(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    fam = dm.hard(spec)
    busy = defaultdict(list, {p: list(terms) for p, terms in dm.service_steps.items()})
    for (p, _step), lit in dm.guide.items():
        busy[p].append(lit)
    for pd in dm.index.people:
        limit = max(0, pd.counter_capacity_min) // dm.index.grid
        if busy[pd.index] and limit < len(pd.steps):
            dm.enforce(dm.model.add(sum(busy[pd.index]) <= limit), fam)
    return fam


def add_bookings(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Each booking holds a slot of its type at its time; with `held` literals it may be given up."""
    fam = dm.hard(spec)
    ix = dm.index
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for b in ix.bookings:
        groups[(b.service, b.start)].append(b.id)
    for (service, start), ids in groups.items():
        step = ix.step_of.get(start)
        lits = dm.slots_starting.get((service, step), []) if step is not None else []
        need = sum(dm.held[i] for i in ids) if dm.held else len(ids)
        dm.enforce(dm.model.add(total(lits) >= need), fam)
    return fam


def add_offer_within_demand(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Slots of a type never exceed its demand (or its bookings, if more): the rest is back office."""
    fam = dm.hard(spec)
    booked: dict[str, int] = defaultdict(int)
    for b in dm.index.bookings:
        booked[b.service] += 1
    for k, lits in dm.slots_of_service.items():
        cap = max(dm.index.demand.get(k, 0), booked[k])
        if cap < len(lits):
            dm.enforce(dm.model.add(sum(lits) <= cap), fam)
    return fam


def add_frozen_past(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Re-planning: what lies before `now` happened as published; no break can start in the past."""
    fam = dm.hard(spec)
    base = dm.index.baseline
    if base is None or not base.frozen_steps:
        return fam
    now = dm.index.step_start[base.frozen_steps] if base.frozen_steps < len(dm.index.step_start) else 24 * 60
    for i, (o, lit) in enumerate(zip(dm.index.slot_options, dm.slot)):
        if o.step < base.frozen_steps:
            dm.enforce(dm.model.add(lit == int(i in base.options)), fam)
    for (p, step), lit in dm.guide.items():
        if step < base.frozen_steps:
            dm.enforce(dm.model.add(lit == int((p, step) in base.guide)), fam)
    for p, lits in dm.brk.items():
        for j, lit in enumerate(lits):
            started = min(s for s, _ in dm.index.people[p].break_plans[j]) < now
            if started and base.breaks.get(p) != j:
                dm.enforce(dm.model.add(lit == 0), fam)
    freeze_sittings(dm, fam, base.frozen_steps)
    return fam


# ---------------------------------------------------------------- objective terms


def add_weighted_served(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    return Family(
        spec.name,
        "objective",
        spec.why,
        penalties=[Penalty(-dm.weighted_served(), spec.weight, "weighted served demand")],
    )


def add_floors(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Each type's floor (its contingent, or its `min_share` of demand) is served before anything goes by
    weight: minimise the requests short of the floors, summed over the types."""
    fam = Family(spec.name, "objective", spec.why)
    short = []
    for k, floor in dm.index.floors.items():
        gap = dm.model.new_int_var(0, floor, f"short_of_floor[{k}]")
        dm.model.add(gap >= floor - dm.served(k))
        short.append(gap)
        dm.floor_short[k] = gap
    fam.penalties.append(Penalty(total(short), spec.weight, "requests short of the floors"))
    return fam


def add_keep_published(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Re-planning: keep the published unbooked slots online (same request type and start)."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    if ix.baseline is None:
        return fam
    # The bookings at a type and time take that many of its slots: those held, when bookings are soft
    # (a booking given up takes none, and the published slots beside it may all stay).
    booked: dict[tuple[str, int], list[cp_model.LinearExprT]] = defaultdict(list)
    for b in ix.bookings:
        if b.start in ix.step_of:
            booked[(b.service, ix.step_of[b.start])].append(dm.held.get(b.id, 1))
    withdrawn = []
    for (service, step), count in ix.baseline.unbooked.items():
        lost = dm.withdrawn[(service, step)] = dm.model.new_int_var(0, count, f"withdrawn[{service},{step}]")
        taken = total(booked[(service, step)])
        dm.model.add(lost >= count + taken - total(dm.slots_starting.get((service, step), [])))
        withdrawn.append(lost)
    fam.penalties.append(Penalty(total(withdrawn), spec.weight, "published slots withdrawn"))
    return fam


def add_type_switches(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Count the runs each person starts (a new request type, or guide duty): fewer runs, fewer switches."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    starts = []
    for (p, step, activity), lits in dm.activity_cover.items():
        prev = dm.activity_cover.get((p, step - 1, activity)) if not ix.step_first_of_interval[step] else None
        run_start = dm.model.new_bool_var(f"run_start[{p},{step},{activity}]")
        if prev:
            dm.model.add(run_start >= sum(lits) - sum(prev))
        else:
            dm.model.add(run_start >= sum(lits))
        starts.append(run_start)
    fam.penalties.append(Penalty(total(starts), spec.weight, "runs started"))
    return fam


def add_short_runs(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """A service run should last `policy.min_block_min`: penalise each step a run falls short of it."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    want = ix.scenario.policy.min_block_min // ix.grid
    shortfalls = []
    if want > 1:
        for (p, step, activity), lits in dm.activity_cover.items():
            if activity == "guide":
                continue
            prev = dm.activity_cover.get((p, step - 1, activity)) if not ix.step_first_of_interval[step] else None
            later = []
            for j in range(1, want):
                nxt = dm.activity_cover.get((p, step + j, activity))
                if nxt is None or ix.step_first_of_interval[step + j]:
                    break
                later.append(nxt)
            # A run starting here (lits on, prev off) misses every later step that is off.
            miss = dm.model.new_int_var(0, want - 1, f"short[{p},{step},{activity}]")
            start = sum(lits) - (sum(prev) if prev else 0)
            dm.model.add(miss >= (want - 1) * start - sum(sum(n) for n in later))
            shortfalls.append(miss)
    fam.penalties.append(Penalty(total(shortfalls), spec.weight, "steps short of min_block_min"))
    return fam


def add_same_day_share(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Enough unbooked slots after the first release moment to give each type its same-day share."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    if not ix.release_moments:
        return fam
    first_release = ix.release_moments[0]
    for k, lits in dm.slots_of_service.items():
        share = round(ix.services[k].same_day_share * PERCENT)
        if not share:
            continue
        releasable = [
            lit for o, lit in zip(ix.slot_options, dm.slot) if o.service == k and ix.step_start[o.step] >= first_release
        ]
        booked_late = sum(1 for b in ix.bookings if b.service == k and b.start >= first_release)
        short = dm.model.new_int_var(0, len(lits), f"same_day_short[{k}]")
        dm.model.add(PERCENT * (total(releasable) - booked_late + short) >= share * sum(lits))
        fam.penalties.append(Penalty(short, spec.weight, f"same-day slots missing for {k}"))
    return fam


def add_fair_counter_time(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Spread counter time: minimise the largest share of a person's capacity spent at a counter."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    if not dm.service_steps:
        return fam
    top = dm.model.new_int_var(0, PERCENT, "max_counter_share")
    for p, terms in dm.service_steps.items():
        capacity = max(1, ix.people[p].counter_capacity_min // ix.grid)
        dm.model.add(top * capacity >= PERCENT * sum(terms))
    fam.penalties.append(Penalty(top, spec.weight, "largest counter share (%)"))
    return fam


def add_booking_staff(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """A booking that names its staff member is best served by that person."""
    ix = dm.index
    fam = Family(spec.name, "objective", spec.why)
    person_of = {pd.id: pd.index for pd in ix.people}
    misses = []
    for b in ix.bookings:
        step = ix.step_of.get(b.start)
        if b.staff is None or b.staff not in person_of or step is None:
            continue
        lits = [
            lit
            for o, lit in zip(ix.slot_options, dm.slot)
            if o.person == person_of[b.staff] and o.service == b.service and o.step == step
        ]
        miss = dm.model.new_bool_var(f"booking_moved[{b.id}]")
        dm.model.add(total(lits) + miss >= 1)
        misses.append(miss)
    fam.penalties.append(Penalty(total(misses), spec.weight, "bookings moved to another person"))
    return fam


HARD: Final = "hard"
OBJ: Final = "objective"
FLOORS_LEVEL = 0
"""Solved after the bookings and before weighted served (`solve.py`)."""
REGISTRY: list[FamilySpec[DayModel]] = [
    FamilySpec(
        "one_activity", HARD, "A person does one thing at a time: serve, guide, break or back office.", add_one_activity
    ),
    FamilySpec(
        "breaks",
        HARD,
        "ArbZG §4: 30 min over 6 h, 45 min over 9 h, blocks of 15 min, never 6 h "
        "in a row; chosen among precomputed lawful placements.",
        add_breaks,
    ),
    FamilySpec("counters", HARD, "A counter seats one person; counters are pooled by equipment.", add_counters),
    FamilySpec(
        "sittings",
        HARD,
        "Rule 11: each person serves in at most max_sittings sittings at no more than "
        "max_counters_per_person counters, each sitting at least min_sitting_min long; a counter "
        "holds one sitting at a time; breaks, guide duty and back office fall between sittings.",
        add_sittings,
    ),
    FamilySpec(
        "counter_symmetry",
        HARD,
        "Counters with the same equipment are used in order (symmetry "
        "breaking; no plan is lost up to renaming counters).",
        add_counter_symmetry,
    ),
    FamilySpec("guides", HARD, "policy.guides_min entrance guides at every minute of opening hours.", add_guides),
    FamilySpec(
        "back_office",
        HARD,
        "Everyone keeps policy.back_office_min minutes for files, and the "
        "break minutes, away from counter and guide duty.",
        add_back_office,
    ),
    FamilySpec("bookings", HARD, "A booked appointment keeps a slot of its type at its time.", add_bookings),
    FamilySpec(
        "offer_within_demand",
        HARD,
        "No more slots of a type than its demand (or bookings); spare time is back office.",
        add_offer_within_demand,
    ),
    FamilySpec("frozen_past", HARD, "Re-planning: before `now` everything stays as published.", add_frozen_past),
    FamilySpec(
        "floors",
        OBJ,
        "No type is starved: each type's contingent (horizon planner) or "
        "policy.min_share of its demand is served first, where capacity allows.",
        add_floors,
        weight=1,
        level=FLOORS_LEVEL,
    ),
    FamilySpec(
        "weighted_served",
        OBJ,
        "Serve the most valuable requests: Σ weight × served.",
        add_weighted_served,
        weight=1,
        level=1,
    ),
    FamilySpec(
        "keep_days",
        OBJ,
        "Re-planning: as many present people as possible keep their published day "
        "(sittings, counter, guide duty, break).",
        add_keep_days,
        weight=1,
        level=2,
    ),
    FamilySpec(
        "keep_published", OBJ, "Re-planning: published slots stay online.", add_keep_published, weight=1, level=3
    ),
    FamilySpec("type_switches", OBJ, "Few changes of request type per person.", add_type_switches, weight=10, level=4),
    FamilySpec(
        "short_runs", OBJ, "Runs of one type last at least policy.min_block_min.", add_short_runs, weight=2, level=4
    ),
    FamilySpec(
        "same_day_share",
        OBJ,
        "Each type can release its same_day_share after the first release moment.",
        add_same_day_share,
        weight=30,
        level=4,
    ),
    FamilySpec(
        "fair_counter_time", OBJ, "Counter time is spread over the people.", add_fair_counter_time, weight=3, level=4
    ),
    FamilySpec(
        "booking_staff", OBJ, "A booking stays with the person it names.", add_booking_staff, weight=20, level=4
    ),
]
STRUCTURAL = {
    "skills": "Only people with a request type's skill serve it; only skill 'guide' guides.",
    "equipment": "A request type is served only at counters with its equipment.",
}


def build_day_model(
    index: DayIndex,
    disabled: Sequence[str] = (),
    explain: bool = False,
    soft_bookings: bool = False,
    sittings: bool = True,
) -> DayModel:
    """Create the variables and build every enabled hard family, in registry order.

    Objective families are added per lexicographic level by `add_objective_level`, so a level's
    auxiliary variables do not weigh on the solves before it.
    """
    dm = create_variables(index, explain=explain, sittings=sittings)
    dm.disabled = tuple(disabled)
    if soft_bookings:
        dm.held = {b.id: dm.model.new_bool_var(f"held[{b.id}]") for b in index.bookings}
    for spec in select(REGISTRY, [d for d in disabled if d not in STRUCTURAL]):
        if spec.kind == HARD:
            dm.families.append(spec.build(dm, spec))
    return dm


def add_objective_level(dm: DayModel, level: int) -> cp_model.LinearExpr:
    """Build the enabled objective families of one level; return their minimised sum Σ weight × penalty.
    A level is built once: asked again, the same sum is returned."""
    if level in dm.objective_levels:
        return dm.objective_levels[level]
    terms = []
    for spec in select(REGISTRY, [d for d in dm.disabled if d not in STRUCTURAL]):
        if spec.kind == OBJ and spec.level == level:
            fam = spec.build(dm, spec)
            dm.families.append(fam)
            terms += [p.weight * p.expr for p in fam.penalties]
    dm.objective_levels[level] = total(terms)
    return dm.objective_levels[level]
