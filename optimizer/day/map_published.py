"""Map a published plan onto a day's index: the `Baseline` a re-plan starts from."""

from __future__ import annotations

from collections import defaultdict

from ..plan import Plan
from ..sittings_view import plan_sittings
from .baseline import Baseline
from .index import DayIndex


def build_baseline(ix: DayIndex, published: Plan, now: int | None = None) -> Baseline:
    """Map the published plan's slots, guide duty and breaks onto the index's decisions.

    Slots of people no longer present (or at times they no longer are) have no decision and are left
    out; `now` (minutes) freezes the opening steps that start before it.
    """
    person_of = {pd.id: pd.index for pd in ix.people}
    class_of = {counter: c.index for c in ix.classes for counter in c.counters}
    option_at = {(o.person, o.service, o.cls, o.step): i for i, o in enumerate(ix.slot_options)}
    options: set[int] = set()
    unbooked: defaultdict[tuple[str, int], int] = defaultdict(int)
    for s in published.slots:
        step = ix.step_of.get(s.start)
        if step is None:
            continue
        if s.booking is None:
            unbooked[(s.service, step)] += 1
        key = (person_of.get(s.staff), s.service, class_of.get(s.counter), step)
        if key in option_at:
            options.add(option_at[key])
    guide, blocks = set(), defaultdict(list)
    for a in published.assignments:
        p = person_of.get(a.staff)
        if p is None:
            continue
        if a.activity == "guide":
            guide |= {(p, ix.step_of[m]) for m in range(a.start, a.end, ix.grid) if m in ix.step_of}
        elif a.activity == "break":
            blocks[p].append((a.start, a.end))
    breaks = {}
    for p, taken in blocks.items():
        wanted = tuple(sorted(taken))
        for j, plan in enumerate(ix.people[p].break_plans):
            if tuple(sorted(plan)) == wanted:
                breaks[p] = j
    frozen = sum(1 for m in ix.step_start if now is not None and m < now)
    person_of = {pd.id: pd.index for pd in ix.people}
    sittings: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for sit in plan_sittings(published):
        if sit.staff in person_of and sit.counter is not None:
            sittings[person_of[sit.staff]].append((sit.counter, sit.start, sit.end))
    presence = {pd.index: sum(a.end - a.start for a in published.assignments if a.staff == pd.id) for pd in ix.people}
    days = {pd.index for pd in ix.people if presence[pd.index] == pd.presence_min}
    return Baseline(
        options=options,
        guide=guide,
        breaks=breaks,
        unbooked=dict(unbooked),
        frozen_steps=frozen,
        sittings={p: s for p, s in sittings.items() if s},
        days=days,
    )
