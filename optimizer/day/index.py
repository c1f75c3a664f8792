"""Everything the day model needs, computed once from the scenario: who can do what, where and when.

Time inside the model is counted in grid steps over the opening hours. Counters with the same
equipment form a `CounterClass`: they are interchangeable, so the model only decides how many people
serve at each class, and `counters.assign_counters` later gives each sitting a concrete counter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from ..clock import merge_intervals
from ..fluid_bounds import day_demand, day_floors
from ..office_days import closed_reason, opening_intervals, release_moments
from ..scenario import GUIDE_SKILL, Booking, Person, RequestType, Scenario
from .baseline import Baseline
from .breaks import BreakPlan, break_plans


@dataclass(frozen=True)
class CounterClass:
    """Counters with identical equipment."""

    index: int
    equipment: frozenset[str]
    counters: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.counters)


@dataclass
class PersonDay:
    """One present person on the day."""

    index: int
    person: Person
    windows: list[tuple[int, int]]
    presence_min: int
    break_min: int
    break_plans: list[BreakPlan]
    back_office_need_min: int
    services: list[str]
    can_guide: bool
    steps: list[int] = field(default_factory=list)
    """Opening-hour steps during which the person is present."""

    @property
    def id(self) -> str:
        return self.person.id

    @property
    def counter_capacity_min(self) -> int:
        """Minutes the person can spend at a counter or as guide: presence minus breaks and back office."""
        return self.presence_min - self.break_min - self.back_office_need_min


@dataclass(frozen=True)
class SlotOption:
    """A possible appointment: person `p` serves `service` at counter class `cls` from step `step`."""

    person: int
    service: str
    cls: int
    step: int
    length: int


@dataclass
class DayIndex:
    scenario: Scenario
    date: dt.date
    grid: int
    closed: str | None
    opening: list[tuple[int, int]]
    step_start: list[int]
    """Minute at which each opening step starts."""
    step_first_of_interval: list[bool]
    step_of: dict[int, int]
    """Opening step index of a minute at which a step starts."""
    classes: list[CounterClass]
    services: dict[str, RequestType]
    service_classes: dict[str, list[int]]
    people: list[PersonDay]
    slot_options: list[SlotOption]
    demand: dict[str, int]
    floors: dict[str, int]
    """Per type, the slots the day offers first, before the rest goes by weight: the date's contingents
    if it has any, else `policy.min_share` of the demand (rounded up)."""
    bookings: list[Booking]
    release_moments: list[int]
    weight_scale: int
    baseline: Baseline | None = None
    """A published plan to stay close to (re-planning), with what is frozen before `now`."""
    counters_of: dict[int, list[str]] | None = None
    """person -> the only counters they may sit at (a fresh plan inside a seating,
    `seating.restrict_to_seating`); people not in it, or all when None: any counter of the classes of
    their slot options."""

    @cached_property
    def class_of_counter(self) -> dict[str, int]:
        """Counter id -> index of its class (built once: the classes never change; read-only)."""
        return {c: cls.index for cls in self.classes for c in cls.counters}

    def scaled_weight(self, service: str) -> int:
        return round(self.services[service].weight * self.weight_scale)

    def floor_request_weight(self) -> int:
        """The weight of a request toward its type's floor where floors come first: above any request's."""
        return max((self.scaled_weight(k) for k in self.services), default=0) + 1

    def service_steps(self, service: str) -> int:
        """The grid steps an appointment of the type takes (its duration rounded up)."""
        return -(-self.services[service].duration_min // self.grid)

    def break_steps(self, p: int, j: int) -> set[int]:
        """The opening steps of person p's break plan j."""
        return {
            self.step_of[m]
            for start, end in self.people[p].break_plans[j]
            for m in range(start, end, self.grid)
            if m in self.step_of
        }

    def booking_steps(self, booking: Booking) -> range:
        """The opening steps a booking occupies (empty when it does not start on one)."""
        step = self.step_of.get(booking.start)
        if step is None:
            return range(0)
        return range(step, min(step + self.service_steps(booking.service), len(self.step_start)))


def _weight_scale(types: list[RequestType]) -> int:
    """The smallest factor that makes every weight an integer (capped at 1000)."""
    denominators = [Fraction(str(t.weight)).limit_denominator(1000).denominator for t in types]
    return min(math.lcm(*denominators) if denominators else 1, 1000)


def build_index(scenario: Scenario, date: dt.date, relaxed: frozenset[str] = frozenset()) -> DayIndex:
    """Compute the day's index. `relaxed` names structural families to ignore ("skills", "equipment")."""
    grid = scenario.office.granularity_min
    closed = closed_reason(scenario, date)
    opening = opening_intervals(scenario, date)
    step_start: list[int] = []
    first_flags: list[bool] = []
    for start, end in opening:
        for i, minute in enumerate(range(start, end, grid)):
            step_start.append(minute)
            first_flags.append(i == 0)
    step_of = {m: i for i, m in enumerate(step_start)}

    by_equipment: dict[frozenset[str], list[str]] = defaultdict(list)
    for c in scenario.office.counters:
        by_equipment[frozenset(c.equipment)].append(c.id)
    classes = [
        CounterClass(i, eq, tuple(ids))
        for i, (eq, ids) in enumerate(sorted(by_equipment.items(), key=lambda kv: (-len(kv[0]), sorted(kv[0]))))
    ]

    services = {t.id: t for t in scenario.service_types}
    service_classes = {
        t.id: [c.index for c in classes if "equipment" in relaxed or set(t.equipment) <= c.equipment]
        for t in scenario.service_types
    }
    demand = day_demand(scenario, date)
    bookings = sorted((b for b in scenario.bookings if b.date == date), key=lambda b: (b.start, b.service, b.id))
    booked_services = {b.service for b in bookings}
    offered = [
        t.id
        for t in scenario.service_types
        if (demand.get(t.id, 0) > 0 or t.id in booked_services) and service_classes[t.id]
    ]

    windows_of: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a in scenario.availability:
        if a.date == date:
            windows_of[a.staff].append((a.start, a.end))
    people: list[PersonDay] = []
    back_office = scenario.policy.back_office_min
    for person in scenario.staff:
        if person.id not in windows_of:
            continue
        windows = merge_intervals(windows_of[person.id])
        presence = sum(e - s for s, e in windows)
        break_min, plans = break_plans(windows, grid)
        skills = set(person.skills)
        can_serve = [k for k in offered if "skills" in relaxed or services[k].skill in skills]
        pd = PersonDay(
            index=len(people),
            person=person,
            windows=windows,
            presence_min=presence,
            break_min=break_min,
            break_plans=plans,
            back_office_need_min=min(back_office, presence - break_min),
            services=can_serve if opening else [],
            can_guide=bool(opening) and ("skills" in relaxed or GUIDE_SKILL in skills),
        )
        pd.steps = [i for i, m in enumerate(step_start) if any(s <= m and m + grid <= e for s, e in windows)]
        people.append(pd)

    options: list[SlotOption] = []
    for pd in people:
        present = set(pd.steps)
        for k in pd.services:
            length = services[k].duration_min // grid
            for i in pd.steps:
                last = i + length - 1
                if last >= len(step_start) or not all(j in present for j in range(i, last + 1)):
                    continue
                if step_start[last] - step_start[i] != (length - 1) * grid:
                    continue  # would straddle a gap in the opening hours
                for cls in service_classes[k]:
                    options.append(SlotOption(pd.index, k, cls, i, length))
    return DayIndex(
        scenario=scenario,
        date=date,
        grid=grid,
        closed=closed,
        opening=opening,
        step_start=step_start,
        step_first_of_interval=first_flags,
        step_of=step_of,
        classes=classes,
        services=services,
        service_classes=service_classes,
        people=people,
        slot_options=options,
        demand=dict(demand),
        floors={k: n for k, n in day_floors(scenario, date).items() if k in offered},
        bookings=bookings,
        release_moments=release_moments(scenario, date),
        weight_scale=_weight_scale(scenario.service_types),
    )
