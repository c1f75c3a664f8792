"""A fast constructive day plan: the CP-SAT search starts from it, and it stands in when the solver finds
nothing in time.

In order: breaks (outside opening hours where lawful, else staggered), guide duty (in blocks), every
booking (with the person it names, or one who continues a run of its type), then the counters are
filled step by step with the request types worth most per minute, types still short of their floor
first (floors come before weighted served). The result obeys every hard family, so it is a complete,
feasible hint.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..scenario import Booking
from .index import DayIndex, PersonDay
from .occupancy import Occupancy

ROUND_FROM = 0.5
"""With an LP guide, slots whose relaxed value is at least this are placed first, most certain first."""
GUIDE_BLOCK_STEPS = 24
"""Longest guide block in grid steps before someone else takes over (2 h on a 5-minute grid)."""


@dataclass
class GreedyPlan:
    chosen_slots: list[int] = field(default_factory=list)
    guide_steps: dict[int, list[int]] = field(default_factory=dict)
    break_plan: dict[int, int] = field(default_factory=dict)
    unheld_bookings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LpGuide:
    """Values of the day's LP relaxation that the plan rounds: per slot option, per person's break plans,
    and per (person, step) of guide duty."""

    slots: list[float]
    breaks: dict[int, list[float]]
    guide: dict[tuple[int, int], float]


class _State(Occupancy):
    def __init__(self, ix: DayIndex, lp: LpGuide | None = None):
        super().__init__(ix)
        self.lp = lp
        self.starting: dict[tuple[str, int], list[int]] = defaultdict(list)
        for i, o in enumerate(ix.slot_options):
            self.starting[(o.service, o.step)].append(i)
        self.last: dict[int, tuple[int, str, int]] = {}
        """person -> (end step, service, class) of their latest slot."""
        self.taken: dict[str, int] = defaultdict(int)
        self.plan = GreedyPlan()

    def take(self, i: int) -> None:
        super().take(i)
        o = self.ix.slot_options[i]
        self.last[o.person] = (o.step + o.length, o.service, o.cls)
        self.taken[o.service] += 1
        self.plan.chosen_slots.append(i)

    def floor_met(self, service: str) -> bool:
        """The request type has its floor (`DayIndex.floors`): no longer served before the others."""
        return self.taken[service] >= self.ix.floors.get(service, 0)


def _per_minute(ix: DayIndex, service: str) -> float:
    return ix.services[service].weight / ix.services[service].duration_min


def _choose_breaks(st: _State) -> None:
    ix = st.ix
    on_break: dict[int, int] = defaultdict(int)
    for pd in ix.people:
        if not (pd.break_min and pd.break_plans):
            continue
        middle = sum(s + e for s, e in pd.windows) / (2 * len(pd.windows))

        def cost(j: int, pd: PersonDay = pd, middle: float = middle) -> tuple[int, int, float]:
            steps = ix.break_steps(pd.index, j)
            return len(steps), max((on_break[s] for s in steps), default=0), abs(pd.break_plans[j][0][0] - middle)

        lp = st.lp.breaks.get(pd.index) if st.lp else None
        best = min(range(len(pd.break_plans)), key=lambda j: (-lp[j] if lp else 0.0, cost(j)))
        st.plan.break_plan[pd.index] = best
        for s in ix.break_steps(pd.index, best):
            st.busy[pd.index].add(s)
            on_break[s] += 1


def _assign_guides(st: _State) -> bool:
    ix = st.ix
    need = ix.scenario.policy.guides_min
    on_duty: dict[int, int] = defaultdict(int)
    for t in range(len(ix.step_start)):
        while on_duty[t] < need:
            free = [
                pd
                for pd in ix.people
                if pd.can_guide
                and t in st.present[pd.index]
                and t not in st.busy[pd.index]
                and st.used[pd.index] < st.capacity[pd.index]
            ]
            if not free:
                return False
            pd = min(
                free,
                key=lambda p: (
                    -st.lp.guide.get((p.index, t), 0.0) if st.lp else 0.0,
                    len(p.services),
                    st.used[p.index],
                    p.index,
                ),
            )
            step = t
            while (
                step < len(ix.step_start)
                and step - t < GUIDE_BLOCK_STEPS
                and step in st.present[pd.index]
                and step not in st.busy[pd.index]
                and st.used[pd.index] < st.capacity[pd.index]
                and on_duty[step] < need
                and (step == t or not ix.step_first_of_interval[step])
                and (step == t or not st.lp or st.lp.guide.get((pd.index, step), 0.0) >= ROUND_FROM)
            ):
                st.busy[pd.index].add(step)
                st.used[pd.index] += 1
                on_duty[step] += 1
                st.plan.guide_steps.setdefault(pd.index, []).append(step)
                step += 1
    return True


def _hold_bookings(st: _State) -> None:
    ix = st.ix
    person_of = {pd.id: pd.index for pd in ix.people}
    for b in ix.bookings:
        step = ix.step_of.get(b.start)
        fitting = [] if step is None else [i for i in st.starting.get((b.service, step), []) if st.fits(i)]
        if not fitting:
            st.plan.unheld_bookings.append(b.id)
            continue

        def preference(i: int, b: Booking = b) -> tuple[float, bool, bool, int]:
            o = ix.slot_options[i]
            continues = st.last.get(o.person, (None, None, None))[:2] == (o.step, o.service)
            return (
                -st.lp.slots[i] if st.lp else 0.0,
                o.person != person_of.get(b.staff or ""),
                not continues,
                len(ix.people[o.person].services),
            )

        st.take(min(fitting, key=preference))


def _round_lp(st: _State) -> None:
    """Take the slots the LP relaxation chose most firmly first, as long as they fit: those of types still
    short of their floor in a first pass, all in a second."""
    values = st.lp.slots if st.lp else []
    firm = sorted((i for i, v in enumerate(values) if v >= ROUND_FROM), key=lambda i: -values[i])
    for floors_first in (True, False):
        for i in firm:
            if (not floors_first or not st.floor_met(st.ix.slot_options[i].service)) and st.fits(i):
                st.take(i)


def _fill_counters(st: _State) -> None:
    """At each step, seat the most valuable (person, request type) pairs at every free counter; people
    already at a counter win ties, and keep their request type when it is worth as much. Types short of
    their floor come first, as in the day model's levels (no type starved before weighted served)."""
    ix = st.ix
    for t in range(len(ix.step_start)):
        movers = {p: k for p, (end, k, _c) in st.last.items() if end == t}
        for cls in ix.classes:
            if st.load[(cls.index, t)] >= cls.size:
                continue
            ranked = []
            for pd in ix.people:
                p = pd.index
                if t not in st.present[p] or t in st.busy[p] or st.used[p] >= st.capacity[p]:
                    continue
                for k in pd.services:
                    i = st.option_at.get((p, k, cls.index, t))
                    if i is not None:
                        ranked.append(
                            (
                                st.floor_met(k),
                                -_per_minute(ix, k),
                                not ix.services[k].equipment,
                                p not in movers,
                                movers.get(p) != k,
                                st.used[p] - st.capacity[p],
                                p,
                                i,
                            )
                        )
            ranked.sort()
            for *_, p, i in ranked:
                if st.load[(cls.index, t)] >= cls.size:
                    break
                if t not in st.busy[p] and st.fits(i):
                    st.take(i)


def greedy_plan(ix: DayIndex, lp: LpGuide | None = None) -> GreedyPlan | None:
    """A feasible plan built without search, or None when guide duty cannot be covered this way."""
    st = _State(ix, lp)
    _choose_breaks(st)
    if not _assign_guides(st):
        return None
    _hold_bookings(st)
    _round_lp(st)
    _fill_counters(st)
    st.plan.chosen_slots.sort()
    for steps in st.plan.guide_steps.values():
        steps.sort()
    return st.plan
