"""The booking system's current bookings as scenario bookings (`--bookings-from URL`).

The booking system is the one source of truth for bookings: `slotplan plan` and `slotplan replan`
read the booked slots of each office-day (`GET …/slots?date=`, the publish contract) and plan them
as scenario bookings, which the day model holds as hard constraints. A booking made online is known
by the id of the slot it holds (the contract shows no booking id for it); a booking the plan sent
keeps its own id. `slotplan publish` matches both back to their slots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ..clock import hhmm
from ..errors import InputError
from ..plan import Plan
from ..scenario import Scenario, parse_scenario
from .client import DEFAULT_TOKEN_ENV, PublishError, SlotClient, token_from_env


def booking_id(slot: dict[str, Any]) -> str:
    """The id a booked slot's booking has in the scenario: the plan's `booking`, else the slot id."""
    return str(slot.get("booking") or slot["id"])


def fetch_booked(
    url: str,
    office: str,
    dates: Iterable[dt.date],
    token_env: str = DEFAULT_TOKEN_ENV,
    *,
    client: SlotClient | None = None,
) -> list[dict[str, Any]]:
    """The booked slots of `office` on `dates`, as the booking system shows them. The token comes from
    environment variable `token_env`; trouble is an `InputError` naming `--bookings-from`."""
    own = client is None
    client = client or SlotClient(url, token_from_env(token_env), timeout_s=10.0, attempts=3)
    try:
        booked = []
        for day in dates:
            booked += [s for s in client.published(office, day) if s.get("booked")]
        return booked
    except PublishError as err:
        raise InputError(f"--bookings-from: {err}") from None
    finally:
        if own:
            client.close()


def as_bookings(booked: Iterable[dict[str, Any]], staff: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Scenario bookings (JSON) of booked slots: id, date, start, service, counter, and the staff member
    the published plan had on the slot when `staff` (slot id -> staff id) knows it."""
    out = []
    for s in booked:
        entry = {
            "id": booking_id(s),
            "date": s["date"],
            "start": s["start"],
            "service": s["service"],
            "counter": s["counter"],
        }
        if staff and staff.get(s["id"]):
            entry["staff"] = staff[s["id"]]
        out.append(entry)
    return out


def with_bookings(
    scenario: Scenario, booked: Iterable[dict[str, Any]], staff: dict[str, str] | None = None
) -> Scenario:
    """The scenario with the booking system's bookings: those of the same id are replaced (the booking
    system knows best where they are now), the others added."""
    fresh = as_bookings(booked, staff)
    ids = {b["id"] for b in fresh}
    data = scenario.to_json_dict()
    data["bookings"] = [b for b in data.get("bookings", []) if b.get("id") not in ids] + fresh
    return parse_scenario(data)


def mark_online(published: Plan, booked: Iterable[dict[str, Any]]) -> Plan:
    """The published plan with each slot that is booked on the server holding its booking (by
    `booking_id`), so that a re-plan keeps those slots, their ids and their times."""
    by_id = {s["id"]: s for s in booked}
    slots = []
    for s in published.slots:
        server = by_id.get(s.id)
        if server is not None and not s.booking and (server["start"], server["service"]) == (hhmm(s.start), s.service):
            s = s.model_copy(update={"booking": booking_id(server)})
        slots.append(s)
    return published.model_copy(update={"slots": slots})


def for_replan(published: Plan, booked: Iterable[dict[str, Any]]) -> tuple[Plan, list[dict[str, Any]]]:
    """What a re-plan needs from the booking system: the published plan with its booked slots marked
    (`mark_online`), and the booked slots that are not on a slot of that plan file (for `with_bookings`)."""
    booked = list(booked)
    marked = mark_online(published, booked)
    held = {s.booking for s in marked.slots if s.booking}
    return marked, [b for b in booked if booking_id(b) not in held]
