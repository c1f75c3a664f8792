"""A published plan seen through a day's index: the starting point of a re-plan."""

from __future__ import annotations

from collections import defaultdict

from ..plan import Assignment, Plan
from .index import Baseline, DayIndex


def build_baseline(ix: DayIndex, published: Plan, now: int | None = None) -> Baseline:
    """Map the published plan's slots, guide duty and breaks onto the index's decisions.

    Slots of people no longer present (or at times they no longer are) have no decision and are left
    out; `now` (minutes) freezes the opening steps that start before it.
    """
    person_of = {pd.id: pd.index for pd in ix.people}
    class_of = {counter: c.index for c in ix.classes for counter in c.counters}
    option_at = {(o.person, o.service, o.cls, o.step): i for i, o in enumerate(ix.slot_options)}
    options, unbooked = set(), defaultdict(int)
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
    sittings = {pd.index: published_sittings(published.assignments, pd.id) for pd in ix.people}
    presence = {pd.index: sum(a.end - a.start for a in published.assignments if a.staff == pd.id)
                for pd in ix.people}
    days = {pd.index for pd in ix.people if presence[pd.index] == pd.presence_min}
    return Baseline(options=options, guide=guide, breaks=breaks, unbooked=dict(unbooked), frozen_steps=frozen,
                    sittings={p: s for p, s in sittings.items() if s}, days=days)


def published_sittings(assignments: list[Assignment], staff: str) -> list[tuple[str, int, int]]:
    """One person's sittings as (counter, start, end), read as contract rule 11 does: service at one
    counter, joined across back office when nobody else served at that counter meanwhile."""
    others = [(a.counter, a.start, a.end) for a in assignments if a.activity == "service" and a.staff != staff]
    out: list[list] = []
    joinable = False
    for a in sorted((a for a in assignments if a.staff == staff), key=lambda a: a.start):
        if a.activity != "service":
            joinable = joinable and a.activity == "back_office"
            continue
        if out and joinable and out[-1][0] == a.counter and not any(
                c == a.counter and s < a.start and out[-1][2] < e for c, s, e in others):
            out[-1][2] = a.end
        else:
            out.append([a.counter, a.start, a.end])
        joinable = True
    return [(c, s, e) for c, s, e in out]
