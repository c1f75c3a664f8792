"""`build_plan`: the plan of one office-day from its `Schedule` (see the package's docstring)."""

from __future__ import annotations

from ..day.schedule import Schedule
from ..plan import Plan, Slot
from ..scenario import Scenario
from .bookings import match_bookings
from .channels import assign_channels
from .kpis import kpis
from .rebook import rebook_list
from .slot_ids import assign_slot_ids


def build_plan(scenario: Scenario, schedule: Schedule, previous: Plan | None = None) -> Plan:
    """The plan of one office-day: assignments, slots with channels and bookings, rebook list, KPIs.

    With a `previous` (published) plan, a slot that survives keeps its id, channel and release time, a
    booking keeps its slot id, and new slots go online the same day.
    """
    date = schedule.date
    office = scenario.office.id
    ordered = sorted(schedule.slots, key=lambda s: (s.service, s.start, s.counter))
    bookings = [b for b in scenario.bookings if b.date == date]
    holder = match_bookings(ordered, bookings, set(schedule.unheld_bookings))
    ids, kept = assign_slot_ids(office, date, ordered, holder, previous)
    channel, release = assign_channels(scenario, date, ordered, holder, kept, previous is not None)
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
    rebook = rebook_list(scenario, date, [b for b in bookings if b.id not in held], slots)
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
