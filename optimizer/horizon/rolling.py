"""Planning a range of days with the horizon: contingents first, then each day, rolling forward.

Before each office-day the horizon LP is solved again for the rest of the range, with the queue as
the days already planned left it; that day is planned with its contingents; its free slots then serve
the queue. A day with a published plan (`previous`) is re-planned from it, so every slot that
survives keeps its id, and its bookings keep their slots (`optimizer.replan`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ..day.solution import ProgressFn, SolveOptions
from ..office_days import opening_intervals
from ..plan import Plan
from ..replan import Changes, apply_changes, replan_day
from ..scenario import Contingent, Demand, Scenario
from ..strategies import plan_with_strategy
from .model import HorizonOptions, HorizonPlan, plan_horizon
from .queue import free_slots

MIN_CAPACITY_FACTOR = 0.6
"""The learned capacity factor never drops below this: a day that went badly does not empty the plan."""

PlanOne = Callable[[Scenario, dt.date, Plan | None], Plan | None]
"""Plans one day of the prepared scenario, from its published plan if any; None when it failed."""


def day_scenario(
    scenario: Scenario, day: dt.date, contingents: Mapping[str, int], published: Plan | None = None
) -> Scenario:
    """The scenario the day model plans `day` with.

    The day model serves each type's contingent first (its `floors` level, where capacity allows),
    then goes by weight up to demand. Both count every slot of the type, booked ones included, so
    the day's bookings are added: contingent = demand = bookings + the horizon's free slots. The
    demand caps each type at its contingent so that, should the floors level run out of time, the
    weighted level still cannot pour the day into the types worth most per minute (measured:
    docs/horizon.md); the horizon's own last level has already filled the capacity with waiting
    requests by weight. A day already published
    keeps its offer: contingent = demand = its published slots per type (or its bookings, if more),
    so the re-plan from it has no reason to move or withdraw a published slot; what the horizon
    wanted beyond that moves to the next days' contingents."""
    booked: dict[str, int] = defaultdict(int)
    for b in scenario.bookings:
        if b.date == day:
            booked[b.service] += 1
    demand = [d for d in scenario.demand if d.date != day]
    kept = [c for c in scenario.contingents if c.date != day]
    offered: dict[str, int] = defaultdict(int)
    for s in published.slots if published else []:
        offered[s.service] += 1
    for t in scenario.service_types:
        floor = cap = booked[t.id] + contingents.get(t.id, 0)
        if published is not None:
            floor = cap = max(booked[t.id], offered[t.id])
        demand.append(Demand(date=day, service=t.id, count=cap))
        kept.append(Contingent(date=day, service=t.id, count=floor))
    return scenario.model_copy(update={"demand": demand, "contingents": kept})


def plan_or_replan(
    scenario: Scenario,
    day: dt.date,
    previous: Plan | None,
    options: SolveOptions,
    on_progress: ProgressFn | None = None,
) -> Plan:
    """Plan `day`; with a published plan, re-plan from it so surviving slots keep their ids."""
    if previous is None:
        plan = plan_with_strategy(scenario, day, options=options, on_progress=on_progress)
    else:
        current = apply_changes(scenario, day, previous, Changes())
        plan, _ = replan_day(current, previous, day, Changes(), options, on_progress)
    return plan


def _booked(scenario: Scenario, day: dt.date, service: str) -> int:
    return sum(1 for b in scenario.bookings if b.date == day and b.service == service)


@dataclass
class HorizonRun:
    """What planning a range with the horizon produced."""

    plans: list[Plan] = field(default_factory=list)
    horizons: list[HorizonPlan] = field(default_factory=list)
    """The horizon LP solved before each office-day."""

    @property
    def horizon_seconds(self) -> float:
        return sum(h.seconds for h in self.horizons)


def plan_across_days(
    scenario: Scenario,
    days: list[dt.date],
    plan_one: PlanOne,
    *,
    previous: Mapping[dt.date, Plan] | None = None,
    options: HorizonOptions = HorizonOptions(),
    on_horizon: Callable[[HorizonPlan], None] | None = None,
) -> HorizonRun:
    """Plan `days` (sorted) with contingents from the horizon LP, re-solved before each office-day.

    The capacity factor learns from the days planned: it is `options.capacity_factor` times the share
    of the contingents' minutes the day plans delivered so far (never below `MIN_CAPACITY_FACTOR`), so
    the contingents come down to what the day model really reaches, and the horizon, not the day
    model's weights, decides who gets the shortfall."""
    previous = previous or {}
    office = [d for d in days if opening_intervals(scenario, d)]
    duration = {t.id: t.duration_min for t in scenario.service_types}
    run = HorizonRun()
    free: dict[tuple[dt.date, str], int] = {}
    wanted = delivered = 0
    for day in days:
        rest = [d for d in office if d >= day]
        contingents: dict[str, int] = {}
        if rest and rest[0] == day:
            factor = options.capacity_factor * (delivered / wanted if wanted else 1.0)
            learned = replace(options, capacity_factor=max(MIN_CAPACITY_FACTOR, factor))
            horizon = plan_horizon(scenario, rest, first=days[0], free_before=free, options=learned)
            run.horizons.append(horizon)
            if on_horizon:
                on_horizon(horizon)
            contingents = horizon.for_day(day)
        published = previous.get(day)
        plan = plan_one(day_scenario(scenario, day, contingents, published), day, published)
        if plan is not None and published is None:
            wanted += sum(duration[k] * n for k, n in contingents.items())
            delivered += sum(
                duration[k] * min(n, plan.kpis["slots"].get(k, 0) - _booked(scenario, day, k))
                for k, n in contingents.items()
            )
        if plan is not None:
            run.plans.append(plan)
            free.update(free_slots([plan]))
    return run
