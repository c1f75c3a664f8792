"""From a `Schedule` to the published `Plan`: slot ids, channels, release times, bookings, KPIs.

- Slot ids are `<office>-<yyyymmdd>-<service>-<hhmm>-<n>`, n counting slots of the same type and
  start in counter order: equal plans give equal ids, and a slot that survives a re-plan keeps its id.
- Each booking takes a slot of its type at its time, preferring the person and counter it names.
- Per type, `round(same_day_share × slots)` unbooked slots that start at or after the first release
  moment become `same_day`, spread evenly over the day; each is released at the latest release moment
  not after its start. The rest are `calendar`, released `calendar_horizon_days` before the day at the
  time of the first release moment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from .bounds import equipment_bound, fluid_bound
from .clock import hhmm
from .day.schedule import Schedule, ServedSlot
from .office_days import opening_intervals, release_moments
from .plan import Assignment, Channel, Plan, Rebook, Slot
from .scenario import Booking, Scenario


def slot_id(office: str, date: dt.date, service: str, start: int, n: int) -> str:
    return f"{office}-{date:%Y%m%d}-{service}-{hhmm(start).replace(':', '')}-{n}"


def build_plan(scenario: Scenario, schedule: Schedule, previous: Plan | None = None) -> Plan:
    """The plan of one office-day: assignments, slots with channels and bookings, rebook list, KPIs.

    With a `previous` (published) plan, a slot that survives keeps its id, channel and release time, a
    booking keeps its slot id, and new slots go online the same day.
    """
    date = schedule.date
    office = scenario.office.id
    ordered = sorted(schedule.slots, key=lambda s: (s.service, s.start, s.counter))
    bookings = [b for b in scenario.bookings if b.date == date]
    holder = _match_bookings(ordered, bookings, set(schedule.unheld_bookings))
    ids, kept = _slot_ids(office, date, ordered, holder, previous)
    channel, release = _channels(scenario, date, ordered, holder, kept, previous is not None)
    slots = [
        Slot(
            id=ids[i],
            date=date,
            start=s.start,
            end=s.end,
            service=s.service,
            staff=s.staff,
            counter=s.counter,
            channel=channel[i],
            release_at=release[i],
            booking=holder.get(i),
        )
        for i, s in enumerate(ordered)
    ]
    slots.sort(key=lambda s: (s.start, s.counter, s.service))
    held = {s.booking for s in slots if s.booking}
    rebook = _rebook(scenario, date, [b for b in bookings if b.id not in held], slots)
    assignments = sorted(schedule.blocks, key=lambda b: (b.staff, b.start))
    return Plan(
        office=office,
        date=date,
        status=schedule.status,
        solver=schedule.solver,
        kpis=kpis(scenario, date, slots, assignments),
        assignments=assignments,
        slots=slots,
        rebook=rebook,
    )


def _slot_ids(
    office: str, date: dt.date, slots: list[ServedSlot], holder: dict[int, str], previous: Plan | None
) -> tuple[list[str], dict[int, Slot]]:
    """An id per slot, and the published slot each surviving one continues (by index).

    Booked slots keep the id of the published slot that held their booking; other slots take the free
    published ids of their type and start, in counter order; the rest get fresh numbers.
    """
    published: dict[tuple[str, int], list[Slot]] = defaultdict(list)
    by_booking: dict[str, Slot] = {}
    for old in previous.slots if previous else []:
        published[(old.service, old.start)].append(old)
        if old.booking:
            by_booking[old.booking] = old
    kept: dict[int, Slot] = {}
    for i, booking in holder.items():
        held = by_booking.get(booking)
        if held is not None and held in published[(slots[i].service, slots[i].start)]:
            kept[i] = held
            published[(held.service, held.start)].remove(held)
    for i, s in enumerate(slots):
        if i not in kept and published[(s.service, s.start)]:
            kept[i] = published[(s.service, s.start)].pop(0)
    used = {old.id for old in (previous.slots if previous else [])}
    seen: dict[tuple[str, int], int] = defaultdict(int)
    ids = []
    for i, s in enumerate(slots):
        if i in kept:
            ids.append(kept[i].id)
            continue
        while True:
            seen[(s.service, s.start)] += 1
            fresh = slot_id(office, date, s.service, s.start, seen[(s.service, s.start)])
            if fresh not in used:
                break
        used.add(fresh)
        ids.append(fresh)
    return ids, kept


def _match_bookings(slots: list[ServedSlot], bookings: list[Booking], unheld: set[str]) -> dict[int, str]:
    """Slot index -> booking id, preferring the named person, then the named counter."""
    free: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, s in enumerate(slots):
        free[(s.service, s.start)].append(i)
    holder: dict[int, str] = {}
    ranked = sorted(
        (b for b in bookings if b.id not in unheld), key=lambda b: (b.staff is None, b.counter is None, b.id)
    )
    for b in ranked:
        candidates = free[(b.service, b.start)]
        if not candidates:
            continue
        best = min(candidates, key=lambda i: (slots[i].staff != b.staff, slots[i].counter != b.counter, i))
        candidates.remove(best)
        holder[best] = b.id
    return holder


def _channels(
    scenario: Scenario,
    date: dt.date,
    slots: list[ServedSlot],
    holder: dict[int, str],
    kept: dict[int, Slot],
    replanning: bool,
) -> tuple[list[Channel], list[str]]:
    """Channel and release time per slot. A re-plan keeps the published ones of surviving slots and
    releases new slots the same day (where a release moment lies before their start)."""
    moments = release_moments(scenario, date)
    calendar_day = date - dt.timedelta(days=scenario.policy.calendar_horizon_days)
    calendar_release = f"{calendar_day.isoformat()}T{hhmm(moments[0] if moments else 0)}:00"
    channel: list[Channel] = ["calendar"] * len(slots)
    release = [calendar_release] * len(slots)
    types = {t.id: t for t in scenario.service_types}
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(slots):
        by_type[s.service].append(i)
    if replanning:
        for i, s in enumerate(slots):
            if i in kept:
                channel[i], release[i] = kept[i].channel, kept[i].release_at
            elif any(m <= s.start for m in moments):
                channel[i] = "same_day"
                release[i] = f"{date.isoformat()}T{hhmm(max(m for m in moments if m <= s.start))}:00"
        return channel, release
    for service, members in by_type.items():
        want = round(types[service].same_day_share * len(members))
        candidates = sorted(
            (i for i in members if i not in holder and moments and slots[i].start >= moments[0]),
            key=lambda i: (slots[i].start, slots[i].counter),
        )
        for i in _spread(candidates, want):
            moment = max(m for m in moments if m <= slots[i].start)
            channel[i] = "same_day"
            release[i] = f"{date.isoformat()}T{hhmm(moment)}:00"
    return channel, release


def _spread(items: list[int], want: int) -> list[int]:
    """`want` items chosen evenly from `items` (all when there are fewer)."""
    if want >= len(items):
        return items
    if want <= 0:
        return []
    return [items[(2 * k + 1) * len(items) // (2 * want)] for k in range(want)]


def _rebook(scenario: Scenario, date: dt.date, lost: list[Booking], slots: list[Slot]) -> list[Rebook]:
    """Bookings without a slot, each with a reason and the nearest free slot of its type that day
    (or, when there is none, the advice to offer the next open day's calendar)."""
    out = []
    taken: set[str] = set()
    for b in sorted(lost, key=lambda b: (b.start, b.id)):
        options = [s for s in slots if s.service == b.service and s.booking is None and s.id not in taken]
        proposal = min(options, key=lambda s: (abs(s.start - b.start), s.start), default=None)
        reason = unheld_reason(scenario, date, b)
        if proposal:
            taken.add(proposal.id)
        else:
            following = next_open_day(scenario, date)
            reason += f"; no free slot of this type left that day: offer the calendar of {following}"
        out.append(Rebook(booking=b.id, reason=reason, proposal=proposal.id if proposal else None))
    return out


def next_open_day(scenario: Scenario, date: dt.date) -> dt.date:
    """The next date after `date` with opening hours (within a year; else the day after)."""
    for days in range(1, 366):
        candidate = date + dt.timedelta(days=days)
        if opening_intervals(scenario, candidate):
            return candidate
    return date + dt.timedelta(days=1)


def unheld_reason(scenario: Scenario, date: dt.date, booking: Booking) -> str:
    """Why a booking could not keep its time, in words, e.g. "At 08:00–08:15 3 Übertrag bookings need
    3 people with skill 'uebertrag' at counters with eat_reader; only 2 are present"."""
    service = next(t for t in scenario.service_types if t.id == booking.service)
    start, end = booking.start, booking.start + service.duration_min
    if not opening_intervals(scenario, date):
        return f"the office is closed on {date}"
    present = {a.staff for a in scenario.availability if a.date == date and a.start <= start and end <= a.end}
    skilled = [p.id for p in scenario.staff if p.id in present and service.skill in p.skills]
    fitting = [c.id for c in scenario.office.counters if set(service.equipment) <= set(c.equipment)]
    overlapping = sum(
        1
        for b in scenario.bookings
        if b.date == date
        and b.service == booking.service
        and b.start < end
        and booking.start < b.start + service.duration_min
    )
    when = f"{hhmm(start)}–{hhmm(end)}"
    where = f"counters with {', '.join(service.equipment)}" if service.equipment else "a counter"
    if not skilled:
        return f"nobody with skill '{service.skill}' is present {when}"
    if not fitting:
        return f"no counter has the equipment {', '.join(service.equipment)} for {service.name}"
    need = (
        f"At {when} {overlapping} {service.name} bookings need {overlapping} people with skill "
        f"'{service.skill}' at {where}"
    )
    if overlapping > len(skilled):
        return f"{need}; only {len(skilled)} are present"
    if overlapping > len(fitting):
        return f"{need}; only {len(fitting)} such counters exist"
    return f"At {when} the people with skill '{service.skill}' or the {where} are taken by other bookings or duties"


def kpis(scenario: Scenario, date: dt.date, slots: list[Slot], assignments: list[Assignment]) -> dict[str, Any]:
    """Served against demand per type, weighted served, channel counts and counter utilisation."""
    demand: dict[str, int] = defaultdict(int)
    for d in scenario.demand:
        if d.date == date:
            demand[d.service] += d.count
    contingents: dict[str, int] = defaultdict(int)
    for c in scenario.contingents:
        if c.date == date:
            contingents[c.service] += c.count
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
        "equipment_bound": None if equipment is None else round(equipment, 4),
        "equipment_share": round(weighted / equipment, 4) if equipment else None,
        "contingents": {k: contingents[k] for k in types if k in contingents},
    }
