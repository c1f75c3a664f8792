"""The rebook list: bookings a plan cannot hold, each with the reason in words and the nearest free slot
of its type that day (or the advice to offer the next open day's calendar)."""

from __future__ import annotations

import datetime as dt

from ..clock import hhmm
from ..office_days import next_open_day, opening_intervals
from ..plan import Rebook, Slot
from ..scenario import Booking, Scenario


def rebook_list(scenario: Scenario, date: dt.date, lost: list[Booking], slots: list[Slot]) -> list[Rebook]:
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
    counters = f"the counters with {', '.join(service.equipment)}" if service.equipment else "the counters"
    return f"At {when} the people with skill '{service.skill}' or {counters} are taken by other bookings or duties"
