"""A plan's KPIs: served against demand per type, weighted served, channel counts, counter utilisation,
and the plan's share of the fluid and equipment bounds. `fluid_bound_floors` is the fluid bound over the
plans that meet the day's floors (contingents, else `policy.min_share`) as well as this one: the floors
cost served weight, so this is the bound the day model's objective can reach."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from ..fluid_bounds import day_contingents, day_demand, day_floors, equipment_bound, floors_shortfall, fluid_bound
from ..office_days import opening_intervals
from ..plan import Assignment, Slot
from ..scenario import Scenario


def kpis(scenario: Scenario, date: dt.date, slots: list[Slot], assignments: list[Assignment]) -> dict[str, Any]:
    """Served against demand per type, weighted served, channel counts and counter utilisation."""
    demand = day_demand(scenario, date)
    contingents = day_contingents(scenario, date)
    count: dict[str, int] = defaultdict(int)
    same_day: dict[str, int] = defaultdict(int)
    for s in slots:
        count[s.service] += 1
        same_day[s.service] += s.channel == "same_day"
    types = [t.id for t in scenario.service_types]
    served = {k: min(count[k], demand[k]) for k in types}
    weights = {t.id: t.weight for t in scenario.service_types}
    open_min = sum(e - s for s, e in opening_intervals(scenario, date))
    service_min = sum(a.end - a.start for a in assignments if a.activity == "service")
    counters = len(scenario.office.counters)
    weighted = sum(weights[k] * served[k] for k in types)
    fluid, equipment = fluid_bound(scenario, date), equipment_bound(scenario, date)
    floors = day_floors(scenario, date)
    short = floors_shortfall(floors, served)
    owed = fluid_bound(scenario, date, floors, short) if floors else fluid
    return {
        "served": served,
        "demand": {k: demand[k] for k in types},
        "slots": {k: count[k] for k in types},
        "same_day_slots": {k: same_day[k] for k in types},
        "weighted_served": round(weighted, 4),
        "weighted_demand": round(sum(weights[k] * demand[k] for k in types), 4),
        "bookings_held": sum(1 for s in slots if s.booking),
        "counters_used": len({s.counter for s in slots}),
        "counter_utilisation": round(service_min / (counters * open_min), 4) if counters and open_min else 0.0,
        "guide_minutes": sum(a.end - a.start for a in assignments if a.activity == "guide"),
        "staff_present": len({a.staff for a in assignments}),
        "fluid_bound": None if fluid is None else round(fluid, 4),
        "fluid_share": round(weighted / fluid, 4) if fluid else None,
        "floors_shortfall": short,
        "fluid_bound_floors": None if owed is None else round(owed, 4),
        "fluid_share_floors": round(weighted / owed, 4) if owed else None,
        "equipment_bound": None if equipment is None else round(equipment, 4),
        "equipment_share": round(weighted / equipment, 4) if equipment else None,
        "contingents": {k: contingents[k] for k in types if k in contingents},
    }
