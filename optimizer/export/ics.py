"""iCalendar export of plans: one VEVENT per slot (`ics_export`, bytes).

- `UID` is the slot id, so a calendar that imports a re-planned day updates the slots it knows.
- `DTSTART`/`DTEND` carry `TZID` of the office's zone (Europe/Berlin), defined by a VTIMEZONE
  that covers the plans' years.
- `SUMMARY` is the request type (its name when names are given, else its id), `LOCATION` the
  counter, `TRANSP:TRANSPARENT` (a slot does not make anybody busy).
- Booked slots have `STATUS:CONFIRMED` and the category "Gebucht"; free ones `STATUS:TENTATIVE`
  and "Frei"; the channel is the category "Kalendertermin" or "Tagestermin".
- Machine-readable extras: `X-SLOTPLAN-OFFICE`, `-SERVICE`, `-CHANNEL`, `-RELEASE-AT`,
  `-BOOKING` (the booking id a slot holds). Staff never appear.
- `DTSTAMP` is `stamp` when given (the CLI passes the current time), else derived from the plans
  (local midnight of the first date), so that equal plans give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from ..errors import InputError
from ..plan import Plan

PRODID = "-//slotplan//slot export//DE"
CHANNEL_LABEL = {"calendar": "Kalendertermin", "same_day": "Tagestermin"}


def ics_export(
    plans: Sequence[Plan],
    *,
    timezone: str = "Europe/Berlin",
    names: Mapping[str, str] | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """An iCalendar file (bytes) with one VEVENT per slot of `plans`, ordered by date, start, counter."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone: unknown time zone {timezone!r}") from None
    plans = sorted(plans, key=lambda p: (p.date, p.office))
    names = names or {}
    if stamp is None:
        first = plans[0].date if plans else dt.date(2000, 1, 1)
        stamp = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    elif stamp.tzinfo is None:
        raise InputError("stamp: needs a time zone")
    stamp = stamp.astimezone(dt.UTC).replace(microsecond=0)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    offices = sorted({p.office for p in plans})
    if offices:
        cal.add("x-wr-calname", "Termine " + ", ".join(offices))
    cal.add("x-wr-timezone", timezone)
    for plan in plans:
        for s in sorted(plan.slots, key=lambda s: (s.start, s.counter, s.id)):
            event = icalendar.Event()
            event.add("uid", s.id)
            event.add("dtstamp", stamp)
            event.add("dtstart", _local(s.date, s.start, zone))
            event.add("dtend", _local(s.date, s.end, zone))
            event.add("summary", names.get(s.service, s.service))
            event.add("location", s.counter)
            event.add("transp", "TRANSPARENT")
            booked = s.booking is not None
            event.add("status", "CONFIRMED" if booked else "TENTATIVE")
            event.add("categories", ["Gebucht" if booked else "Frei", CHANNEL_LABEL[s.channel]])
            release = s.release_at[:16].replace("T", " ")
            extra = f" · überbucht (zusätzlich zu {s.overbook_of})" if s.overbook_of else ""
            event.add(
                "description",
                f"{'Gebucht' if booked else 'Frei'} · {CHANNEL_LABEL[s.channel]}, "
                f"online ab {release} · Schalter {s.counter}{extra}",
            )
            event.add("x-slotplan-office", plan.office)
            event.add("x-slotplan-service", s.service)
            event.add("x-slotplan-channel", s.channel)
            event.add("x-slotplan-release-at", s.release_at)
            if booked:
                event.add("x-slotplan-booking", s.booking)
            if s.overbook_of:
                event.add("x-slotplan-overbook-of", s.overbook_of)
            cal.add_component(event)
    if plans:
        cal.add_missing_timezones(
            first_date=dt.date(plans[0].date.year, 1, 1), last_date=dt.date(plans[-1].date.year + 1, 1, 1)
        )
    else:
        cal.add_component(icalendar.Timezone.from_tzid(timezone))
    ical: bytes = cal.to_ical()
    return ical


def _local(date: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """Local wall-clock time `minutes` after midnight of `date` (aware arithmetic is wall-clock)."""
    return dt.datetime.combine(date, dt.time(0), tzinfo=zone) + dt.timedelta(minutes=minutes)
