"""The hand-style template plan: a day planned the way offices plan it today, without search.

It is the baseline the optimizer is measured against (`slotplan plan --strategy template`, the
benchmark's "gain over template") and an instant plan when there is no time to solve.

The rules of the template, in order:
1. **Breaks** take the lawful placement (ArbZG §4, `PersonDay.break_plans`) with the fewest minutes
   inside opening hours, staggered so that few people pause at once, near the middle of the presence.
   Back office falls outside opening hours as far as presence allows: it is what remains of each
   person's presence after break and counter time, so it lands in the gaps and at the end of the day.
2. **Guides first.** `policy.guides_min` people stand at the entrance at every opening minute. People
   who can do nothing but guide go first, then those who can stay longest; a guide hands over only
   when they must (break, end of presence, their counter-time limit).
3. **One counter and one request type per person for the whole opening.** People are taken in the
   fixed order of the scenario's staff list. Each gets their most valuable request type (largest
   weight; ties by weight per minute) whose demand is not yet covered by the people already given it,
   and a counter that fits that type and is free over the person's whole opening presence (counters
   with the fewest extra equipment tags first: an eAT reader is kept for eAT work). Whoever finds no
   such type or counter does back office.
4. **Bookings** are held by a person of their type whose counter time is free at the booked time
   (the named person first); the others go to rebook.
5. **Free counter time** is filled with back-to-back slots of the person's type, up to its demand
   (or bookings, if more) and up to the person's counter-time limit (presence minus break and
   `policy.back_office_min`).
6. **Workable sittings** (rule 11): a stretch of service shorter than `min_sitting_min`, or beyond
   `max_sittings`, becomes back office; a booking it held goes to rebook.

The result obeys every hard rule of the day model, so `schedule.build_schedule` and `plan_build.build_plan`
turn it into a plan that passes the checker; `pin_counters` then gives each person their one counter.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ..clock import hhmm
from ..errors import InfeasibleError
from ..fluid_bounds import equipment_bound
from .index import DayIndex, PersonDay
from .occupancy import Occupancy
from .schedule import Schedule
from .solution import DaySolution, SolveOptions

STRATEGY = "template"


@dataclass
class TemplateSolution(DaySolution):
    """A `DaySolution` that also records each person's one counter and one request type."""

    counter_of: dict[int, str] = field(default_factory=dict)
    """Person index -> the counter id they keep for the whole opening."""
    service_of: dict[int, str] = field(default_factory=dict)
    """Person index -> the one request type they serve."""


def _value(ix: DayIndex, service: str) -> tuple[float, float, str]:
    """Sort key, most valuable first: weight, then weight per minute, then id."""
    t = ix.services[service]
    return -t.weight, -t.weight / t.duration_min, service


class _Template(Occupancy):
    def __init__(self, ix: DayIndex):
        super().__init__(ix)
        self.n_steps = len(ix.step_start)
        self.class_of_counter = ix.class_of_counter
        self.reserved: dict[str, list[tuple[int, int]]] = defaultdict(list)
        """Counter id -> (first, last) opening steps of the people who keep it."""
        self.sol_slots: list[int] = []
        self.guide_steps: dict[int, list[int]] = {}
        self.break_plan: dict[int, int] = {}
        self.unheld: list[str] = []
        self.counter_of: dict[int, str] = {}
        self.service_of: dict[int, str] = {}

    # ------------------------------------------------------------ breaks

    def choose_breaks(self) -> None:
        ix = self.ix
        on_break: dict[int, int] = defaultdict(int)
        for pd in ix.people:
            if not (pd.break_min and pd.break_plans):
                continue
            middle = sum(s + e for s, e in pd.windows) / (2 * len(pd.windows))

            def cost(j: int, pd: PersonDay = pd, middle: float = middle) -> tuple[int, int, float]:
                steps = ix.break_steps(pd.index, j)
                return (len(steps), max((on_break[s] for s in steps), default=0), abs(pd.break_plans[j][0][0] - middle))

            best = min(range(len(pd.break_plans)), key=cost)
            self.break_plan[pd.index] = best
            for s in ix.break_steps(pd.index, best):
                self.busy[pd.index].add(s)
                on_break[s] += 1

    # ------------------------------------------------------------ guides

    def _guide_reach(self, pd: PersonDay, t: int, on_duty: dict[int, int], need: int) -> int:
        """How many steps from `t` on the person could stay on guide duty without a handover."""
        ix, p = self.ix, pd.index
        left = self.capacity[p] - self.used[p]
        step = t
        while (
            step < self.n_steps
            and step - t < left
            and step in self.present[p]
            and step not in self.busy[p]
            and on_duty[step] < need
            and (step == t or not ix.step_first_of_interval[step])
        ):
            step += 1
        return step - t

    def assign_guides(self) -> None:
        ix = self.ix
        need = ix.scenario.policy.guides_min
        if not need:
            return
        on_duty: dict[int, int] = defaultdict(int)
        for t in range(self.n_steps):
            while on_duty[t] < need:
                reach = {pd.index: self._guide_reach(pd, t, on_duty, need) for pd in ix.people if pd.can_guide}
                free = [pd for pd in ix.people if reach.get(pd.index, 0) > 0]
                if not free:
                    raise InfeasibleError(
                        f"{ix.date}: the template finds nobody free for guide duty at "
                        f"{hhmm(ix.step_start[t])} (guides_min={need}); plan with --strategy cp-sat"
                    )
                pd = min(free, key=lambda q: (len(q.services) > 0, -reach[q.index], q.index))
                for step in range(t, t + reach[pd.index]):
                    self.busy[pd.index].add(step)
                    self.used[pd.index] += 1
                    on_duty[step] += 1
                    self.guide_steps.setdefault(pd.index, []).append(step)

    # ------------------------------------------------------------ counters and request types

    def _free_steps(self, p: int) -> list[int]:
        return sorted(self.present[p] - self.busy[p])

    def _free_counter(self, service: str, first: int, last: int) -> str | None:
        ix = self.ix
        classes = sorted(ix.service_classes[service], key=lambda c: (len(ix.classes[c].equipment), c))
        for cls in classes:
            for counter in ix.classes[cls].counters:
                if all(last < a or b < first for a, b in self.reserved[counter]):
                    return counter
        return None

    def assign_counters(self) -> None:
        ix = self.ix
        uncovered = dict(self.remaining)
        booked: dict[str, int] = defaultdict(int)
        for b in ix.bookings:
            booked[b.service] += 1
        for pd in ix.people:
            p = pd.index
            free = self._free_steps(p)
            room = min(len(free), self.capacity[p] - self.used[p])
            if not pd.services or not free or room <= 0:
                continue
            for k in sorted(pd.services, key=lambda k: (booked[k] <= 0, _value(ix, k))):
                if uncovered[k] <= 0:
                    continue
                counter = self._free_counter(k, free[0], free[-1])
                if counter is None:
                    continue
                self.reserved[counter].append((free[0], free[-1]))
                self.counter_of[p] = counter
                self.service_of[p] = k
                covers = room * ix.grid // ix.services[k].duration_min
                uncovered[k] -= covers
                booked[k] -= covers
                break

    # ------------------------------------------------------------ slots

    def _option(self, p: int, t: int) -> int | None:
        """The slot option of person p's type at p's counter from step t, if it fits right now."""
        k = self.service_of[p]
        cls = self.class_of_counter[self.counter_of[p]]
        i = self.option_at.get((p, k, cls, t))
        return i if i is not None and self.fits(i) else None

    def take(self, i: int) -> None:
        super().take(i)
        self.sol_slots.append(i)

    def hold_bookings(self) -> None:
        ix = self.ix
        person_of = {pd.id: pd.index for pd in ix.people}
        ends: dict[int, set[int]] = defaultdict(set)
        held: dict[int, int] = defaultdict(int)
        for b in ix.bookings:
            step = ix.step_of.get(b.start)
            fitting = (
                []
                if step is None
                else [
                    (p, i)
                    for p, k in self.service_of.items()
                    if k == b.service
                    for i in [self._option(p, step)]
                    if i is not None
                ]
            )
            if step is None or not fitting:
                self.unheld.append(b.id)
                continue
            p, i = min(
                fitting,
                key=lambda pi: (pi[0] != person_of.get(b.staff or ""), step not in ends[pi[0]], held[pi[0]], pi[0]),
            )
            self.take(i)
            held[p] += 1
            ends[p].add(step + ix.slot_options[i].length)

    def fill(self) -> None:
        for p in sorted(self.service_of):
            k = self.service_of[p]
            for t in range(self.n_steps):
                if self.used[p] >= self.capacity[p] or self.remaining[k] <= 0:
                    break
                i = self._option(p, t)
                if i is not None:
                    self.take(i)

    def workable_sittings(self) -> None:
        """Rule 11 as hand planning keeps it: a person's stretch of service (slots joined across back
        office at their own counter, cut by breaks and guide duty) shorter than `min_sitting_min` (unless
        its opening interval is shorter), or beyond `max_sittings`, becomes back office; a booking it held
        goes to the rebook list (the optimizer's plan, which holds it, then wins in the pipeline)."""
        ix = self.ix
        _counters, max_sittings, min_sitting = ix.scenario.policy.sitting_rules()
        booked_steps = {(b.service, ix.step_of.get(b.start)) for b in ix.bookings}
        by_person: dict[int, list[int]] = defaultdict(list)
        for i in self.sol_slots:
            by_person[ix.slot_options[i].person].append(i)
        drop: set[int] = set()
        for p, slots in by_person.items():
            away = set(self.guide_steps.get(p, ()))
            j = self.break_plan.get(p)
            if j is not None:
                away |= ix.break_steps(p, j)
            groups: list[list[int]] = []
            for i in sorted(slots, key=lambda i: ix.slot_options[i].step):
                o = ix.slot_options[i]
                if groups:
                    last = ix.slot_options[groups[-1][-1]]
                    if not away & set(range(last.step + last.length, o.step)):
                        groups[-1].append(i)
                        continue
                groups.append([i])

            def span(group: list[int]) -> tuple[int, int]:
                first, last = ix.slot_options[group[0]], ix.slot_options[group[-1]]
                return ix.step_start[first.step], ix.step_start[last.step + last.length - 1] + ix.grid

            def held(group: list[int]) -> bool:
                return any((ix.slot_options[i].service, ix.slot_options[i].step) in booked_steps for i in group)

            def short(group: list[int]) -> bool:
                start, end = span(group)
                interval = max((e - s for s, e in ix.opening if s <= start and end <= e), default=end - start)
                return end - start < min(min_sitting, interval)

            kept = [g for g in groups if not short(g)]
            # Surplus sittings go shortest first, those without a booking before those with one.
            for g in sorted(kept, key=lambda g: (held(g), span(g)[1] - span(g)[0]))[: max(0, len(kept) - max_sittings)]:
                kept.remove(g)
            drop |= {i for g in groups if g not in kept for i in g}
        self.sol_slots = [i for i in self.sol_slots if i not in drop]


def template_solution(index: DayIndex, options: SolveOptions | None = None) -> TemplateSolution:
    """The hand-style plan of the day, in index terms, with `equipment_bound` as its bound.

    Raises `InfeasibleError` when the template cannot staff the entrance (guides) as hand planning would.
    """
    began = time.monotonic()
    st = _Template(index)
    st.choose_breaks()
    st.assign_guides()
    st.assign_counters()
    st.hold_bookings()
    st.fill()
    st.workable_sittings()
    served: defaultdict[str, int] = defaultdict(int)
    for i in st.sol_slots:
        served[index.slot_options[i].service] += 1
    objective = sum(index.services[k].weight * min(n, index.demand.get(k, 0)) for k, n in served.items())
    bound = equipment_bound(index.scenario, index.date)
    bound = objective if bound is None else max(bound, objective)
    return TemplateSolution(
        index=index,
        status="FEASIBLE" if bound - objective > 1e-9 else "OPTIMAL",
        objective=objective,
        bound=bound,
        seconds=time.monotonic() - began,
        options=options or SolveOptions(time_limit_s=0.0, workers=1),
        chosen_slots=sorted(st.sol_slots),
        guide_steps={p: sorted(s) for p, s in st.guide_steps.items()},
        break_plan=st.break_plan,
        unheld_bookings=st.unheld,
        counter_of=st.counter_of,
        service_of=st.service_of,
    )


def pin_counters(schedule: Schedule, solution: TemplateSolution) -> Schedule:
    """Give every service block and slot of a person the one counter the template gave them.

    `build_schedule` colours sittings onto counters by start time, which may move a person to another
    counter of the same class after a break; the template's counters never overlap in time, so pinning
    them keeps the plan valid.
    """
    ix = solution.index
    counter = {ix.people[p].id: c for p, c in solution.counter_of.items()}
    for block in schedule.blocks:
        if block.activity == "service":
            block.counter = counter[block.staff]
    for slot in schedule.slots:
        slot.counter = counter[slot.staff]
    schedule.slots.sort(key=lambda s: (s.start, s.service, s.counter))
    return schedule
