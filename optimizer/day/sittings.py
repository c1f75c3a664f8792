"""Sittings in the day model: each person serves at one concrete counter, in a few long sittings.

A *sitting* (contract rule 11) is a stretch of service at one counter. The model decides them directly,
on a grid of `BLOCK_MIN`-minute blocks of the opening hours:

- `seat[p, c]`: person p serves at concrete counter c today; at most one seat per person. One counter
  per person is what offices expect, and it satisfies any `max_counters_per_person` >= 1;
- `sits[p, b]`: p sits at their counter during block b; `starts` / `ends` mark exactly the first and last
  block of each sitting. A sitting lies within one opening interval, is at least `min_sitting_min`
  long (or its whole interval, if that is shorter), and a person has at most `max_sittings` of them;
- a counter seats one person per block: `seated[p, c, b]` >= seat + sits - 1, and Σ_p seated <= 1;
- appointments lie inside sittings, at a counter of the seat's class, and never run past a sitting's
  end; a sitting begins and ends with an appointment, so its service span is exactly its blocks. Steps
  of a sitting without an appointment are file work at the desk (back office), which rule 11 allows
  because nobody else serves at that counter meanwhile. Breaks and guide duty fall between sittings.

Counters with identical equipment stay interchangeable: `add_counter_symmetry` uses them in order (a
counter seats someone only if the one before it seats a person of lower index), which keeps every plan
up to a renaming of counters, and each person's own counter.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from ..families import Family, FamilySpec, Penalty
from .index import SlotOption
from .sitting_grid import Seating
from .variables import DayModel


def add_sittings(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Rule 11 and the counter rule at concrete counters, decided as sittings (module docstring)."""
    fam = dm.hard(spec)
    sv = dm.sittings
    if sv is None:
        return fam
    add_sitting_structure(dm, fam)
    options_of: dict[int, list[tuple[SlotOption, cp_model.IntVar]]] = defaultdict(list)
    for o, lit in zip(dm.index.slot_options, dm.slot):
        options_of[o.person].append((o, lit))
    class_of = dm.index.class_of_counter
    for p in sv.person_blocks:
        _appointments_in_sittings(dm, fam, p, options_of[p], class_of)
    return fam


def add_sitting_structure(dm: DayModel, fam: Family) -> None:
    """One seat per person, each person's sittings (`add_person_sittings`), one person per counter and block."""
    sv = dm.sittings
    assert sv is not None
    ix, model = dm.index, dm.model
    serving = {lit.index for lit in dm.slot}
    for p in sv.person_blocks:
        seats = [sv.seat[(p, c)] for c in sv.person_counters[p]]
        dm.enforce(model.add(sum(seats) <= 1), fam)
        add_person_sittings(dm, fam, p, sum(seats), serving)
    seated: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (p, c), seat in sv.seat.items():
        for b in sv.person_blocks[p]:
            both = model.new_bool_var(f"seated[{ix.people[p].id},{c},{b}]")
            dm.enforce(model.add(both >= seat + sv.sits[(p, b)] - 1), fam)
            seated[(c, b)].append(both)
    for lits in seated.values():
        if len(lits) > 1:
            dm.enforce(model.add(sum(lits) <= 1), fam)


def add_person_sittings(dm: DayModel, fam: Family, p: int, seated: cp_model.LinearExprT, serving: set[int]) -> None:
    """Person p's sittings: long-enough runs of blocks, at most `max_sittings`, only when `seated` (p has a
    counter), and no guide duty or break inside a sitting. `serving`: proto indices of the slot literals
    (everything else that occupies p is away from the desk)."""
    sv = dm.sittings
    assert sv is not None
    ix, model, grid = dm.index, dm.model, sv.grid
    _runs(dm, fam, p)
    blocks = sv.person_blocks[p]
    dm.enforce(model.add(sum(sv.starts[(p, b)] for b in blocks) <= grid.max_sittings), fam)
    for b in blocks:
        dm.enforce(model.add(sv.sits[(p, b)] <= seated), fam)
    for step in range(len(ix.step_start)):
        sits = sv.sits.get((p, grid.block_of_step[step]))
        away = [lit for lit in dm.cover.get((p, step), []) if lit.index not in serving]
        if sits is not None and away:
            dm.enforce(model.add(sits + sum(away) <= 1), fam)


def _runs(dm: DayModel, fam: Family, p: int) -> None:
    """`starts`/`ends` mark exactly the first and last block of each run of `sits`, within one opening
    interval; a run that starts is long enough."""
    sv, ix, model = dm.sittings, dm.index, dm.model
    assert sv is not None
    blocks = sv.grid.blocks
    for b in sv.person_blocks[p]:
        sits, start, end = sv.sits[(p, b)], sv.starts[(p, b)], sv.ends[(p, b)]
        here = blocks[b].interval
        before = sv.sits.get((p, b - 1)) if b > 0 and blocks[b - 1].interval == here else None
        after = sv.sits.get((p, b + 1)) if b + 1 < len(blocks) and blocks[b + 1].interval == here else None
        for mark, other in ((start, before), (end, after)):
            dm.enforce(model.add_implication(mark, sits), fam)
            if other is None:
                dm.enforce(model.add(mark == sits), fam)
            else:
                dm.enforce(model.add(mark >= sits - other), fam)
                dm.enforce(model.add(mark + other <= 1), fam)
        length = sv.grid.min_blocks(ix, b)
        span = [sv.sits.get((p, b + i)) for i in range(length or 0)]
        held = [v for v in span if v is not None]
        if length is None or len(held) < len(span):
            dm.enforce(model.add(start == 0), fam)
        else:
            for v in held[1:]:
                dm.enforce(model.add_implication(start, v), fam)


def _appointments_in_sittings(
    dm: DayModel,
    fam: Family,
    p: int,
    options: list[tuple[SlotOption, cp_model.IntVar]],
    class_of: dict[str, int],
) -> None:
    """p's appointments lie inside p's sittings, at a counter of p's seat's class; sittings are bounded
    by appointments; no appointment runs on past the end of a sitting."""
    sv, ix, model = dm.sittings, dm.index, dm.model
    assert sv is not None
    grid = sv.grid
    class_seat: dict[int, cp_model.IntVar] = {}
    seats_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for c in sv.person_counters[p]:
        seats_of[class_of[c]].append(sv.seat[(p, c)])
    for cls, seats in seats_of.items():
        if len(seats) == 1:
            class_seat[cls] = seats[0]
        else:
            class_seat[cls] = model.new_bool_var(f"seat_class[{ix.people[p].id},{cls}]")
            dm.enforce(model.add(class_seat[cls] == sum(seats)), fam)
    covering: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    first_at: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    last_at: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    crossing: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for o, lit in options:
        dm.enforce(model.add_implication(lit, class_seat[o.cls]), fam)
        for step in range(o.step, o.step + o.length):
            covering[step].append(lit)
        first_at[o.step].append(lit)
        last_at[o.step + o.length - 1].append(lit)
        for b in range(grid.block_of_step[o.step], grid.block_of_step[o.step + o.length - 1]):
            crossing[b].append(lit)
    for step, lits in covering.items():
        sits = sv.sits.get((p, grid.block_of_step[step]))
        dm.enforce(model.add(sum(lits) <= (sits if sits is not None else 0)), fam)
    for b in sv.person_blocks[p]:
        blk = grid.blocks[b]
        dm.enforce(model.add(sv.starts[(p, b)] <= sum(first_at.get(blk.first_step, []))), fam)
        exact = sum(last_at.get(blk.last_step, []))
        earlier = [lit for t in range(blk.first_step, blk.last_step) for lit in last_at.get(t, [])]
        before = _long_before(dm, p, b)
        if earlier and before is not None:
            # A sitting may end with desk work in its last block (a booking ending at 12:25 when the office
            # closes at 12:30) if it is long enough without that block.
            early = model.new_bool_var(f"ends_early[{ix.people[p].id},{b}]")
            dm.enforce(model.add(sv.ends[(p, b)] <= exact + early), fam)
            dm.enforce(model.add(early <= sum(earlier)), fam)
            for q in before:
                dm.enforce(model.add_implication(early, sv.sits[(p, q)]), fam)
        else:
            dm.enforce(model.add(sv.ends[(p, b)] <= exact), fam)
        if crossing.get(b):
            dm.enforce(model.add(sv.ends[(p, b)] + sum(crossing[b]) <= 1), fam)


def _long_before(dm: DayModel, p: int, b: int) -> list[int] | None:
    """The blocks right before b in which p must sit for a sitting that ends within b to be long enough:
    together at least `min_sitting_min` (none when the opening interval is shorter); None when they do not
    fit in the interval or p's presence."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    blocks, here = sv.grid.blocks, sv.grid.blocks[b].interval
    start, end = ix.opening[here]
    if end - start < sv.grid.min_sitting_min:
        return []
    before: list[int] = []
    minutes, q = 0, b - 1
    while minutes < sv.grid.min_sitting_min:
        if q < 0 or blocks[q].interval != here or (p, q) not in sv.sits:
            return None
        before.append(q)
        minutes += blocks[q].steps * ix.grid
        q -= 1
    return before


def add_counter_symmetry(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Identical counters: counter j of a class seats someone only if counter j-1 seats a person of
    lower index. Left out in re-plans, whose published counters need not follow this order, and inside a
    seating, whose people each keep their own counter (`DayIndex.counters_of`)."""
    fam = dm.hard(spec)
    sv = dm.sittings
    if sv is None or dm.index.baseline is not None or dm.index.counters_of is not None:
        return fam
    for cls in dm.index.classes:
        eligible = sorted({p for (p, c) in sv.seat if c in cls.counters})
        for prev, counter in zip(cls.counters, cls.counters[1:]):
            for i, p in enumerate(eligible):
                earlier = [sv.seat[(q, prev)] for q in eligible[:i]]
                dm.enforce(dm.model.add(sv.seat[(p, counter)] <= sum(earlier)), fam)
    return fam


def published_blocks(dm: DayModel, p: int) -> tuple[str | None, set[int]] | None:
    """Person p's published counter and the blocks its sittings cover; None when the published day has
    no such form (sittings that start off the block grid, or at more than one counter)."""
    sv, base = dm.sittings, dm.index.baseline
    assert sv is not None and base is not None
    sittings = base.sittings.get(p, [])
    counters = {c for c, _s, _e in sittings}
    if len(counters) > 1 or (counters and next(iter(counters)) not in sv.person_counters.get(p, [])):
        return None
    ix, blocks = dm.index, sv.grid.blocks
    bounds = {ix.step_start[blk.first_step] for blk in blocks} | {
        ix.step_start[blk.last_step] + ix.grid for blk in blocks
    }
    # A sitting may end with desk work in its last block (`_appointments_in_sittings`): its end need not
    # lie on the grid, its start must.
    if any(s not in bounds for _c, s, _e in sittings):
        return None
    covered = {
        b for b in sv.person_blocks.get(p, []) for _c, s, e in sittings if s <= ix.step_start[blocks[b].first_step] < e
    }
    return (next(iter(counters)) if counters else None), covered


def add_keep_days(dm: DayModel, spec: FamilySpec[DayModel]) -> Family:
    """Re-planning: count the present people whose day stays as published (same sittings at the same
    counter, same guide duty, same break); their appointments' request types may change."""
    fam = Family(spec.name, "objective", spec.why)
    ix, model, base, sv = dm.index, dm.model, dm.index.baseline, dm.sittings
    if base is None:
        return fam
    changed = []
    for p in sorted(base.days):
        same = dm.day_kept[p] = model.new_bool_var(f"day_kept[{ix.people[p].id}]")
        changed.append(1 - same)
        for (q, step), lit in dm.guide.items():
            if q == p:
                model.add_implication(same, lit if (p, step) in base.guide else ~lit)
        if p in dm.brk:
            j = base.breaks.get(p)
            if j is None:
                model.add(same == 0)
            else:
                model.add_implication(same, dm.brk[p][j])
        if sv is not None and p in sv.person_blocks:
            published = published_blocks(dm, p)
            if published is None:
                model.add(same == 0)
                continue
            counter, covered = published
            for b in sv.person_blocks[p]:
                model.add_implication(same, sv.sits[(p, b)] if b in covered else ~sv.sits[(p, b)])
            if counter is not None:
                model.add_implication(same, sv.seat[(p, counter)])
        elif base.sittings.get(p):
            model.add(same == 0)
    fam.penalties.append(Penalty(sum(changed), spec.weight, "people whose day changes"))
    return fam


def seat_from_baseline(dm: DayModel) -> Seating | None:
    """The published day of everyone still present, as a seating (re-plans start from it)."""
    sv, base = dm.sittings, dm.index.baseline
    if sv is None or base is None:
        return None
    seat: dict[tuple[int, str], int] = {}
    sits: dict[tuple[int, int], int] = {}
    for p in sv.person_blocks:
        published = published_blocks(dm, p)
        if published and published[0] is not None:
            seat[(p, published[0])] = 1
            sits |= {(p, b): 1 for b in published[1]}
    return Seating({key: 1 for key in base.guide}, dict(base.breaks), seat, sits)


def freeze_sittings(dm: DayModel, fam: Family, frozen_steps: int) -> None:
    """Re-planning after `now`: blocks that began before it keep their published sittings and seats."""
    sv = dm.sittings
    if sv is None or dm.index.baseline is None:
        return
    for p, blocks in sv.person_blocks.items():
        past = [b for b in blocks if sv.grid.blocks[b].first_step < frozen_steps]
        if not past:
            continue
        published = published_blocks(dm, p)
        counter, covered = published if published else (None, set())
        for b in past:
            dm.enforce(dm.model.add(sv.sits[(p, b)] == int(b in covered)), fam)
        if counter is not None and covered & set(past):
            dm.enforce(dm.model.add(sv.seat[(p, counter)] == 1), fam)
