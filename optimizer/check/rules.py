"""Hard rules 1–10 of the contract, one function each, and `check_plan`, which runs all eleven.

Each rule function takes the `Day` and returns its `Violation`s. Rule texts: shared/spec/SCENARIO.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import pairwise
from zoneinfo import ZoneInfo

from ..clock import hhmm, merge_intervals, span
from ..office_days import release_moments
from ..plan import Assignment, Plan, Slot
from ..scenario import GUIDE_SKILL, Scenario
from .day import Day, describe, describe_slot, duration, inside, spans, subtract, total
from .sittings import rule_11_sittings
from .violation import Violation

MIN_BREAK = 15
"""ArbZG §4: a break counts only from 15 minutes on."""
LONGEST_STRETCH = 6 * 60
BREAKS_NEEDED = ((9 * 60, 45), (6 * 60, 30))
"""(working time over, minutes of breaks needed), the stricter first."""


def rule_0_format(day: Day) -> list[Violation]:
    """The plan belongs to the scenario's office."""
    if day.plan.office != day.scenario.office.id:
        return [
            Violation(0, f"the plan is for office '{day.plan.office}', the scenario for '{day.scenario.office.id}'")
        ]
    return []


def rule_1_tiling(day: Day) -> list[Violation]:
    """Assignments lie inside availability and tile it exactly; no overlaps."""
    out = []
    for a in day.plan.assignments:
        if a.end <= a.start:
            out.append(Violation(1, f"{describe(a)}: ends before it starts"))
    for staff in sorted(set(day.by_staff) | set(day.presence)):
        presence = day.presence.get(staff, [])
        items = day.by_staff.get(staff, [])
        for a in items:
            if not inside(a.start, a.end, presence):
                where = f"present {spans(presence)}" if presence else "not present on this day"
                out.append(Violation(1, f"{describe(a)}: outside availability ({where})"))
        latest = None
        for a in items:
            if latest is not None and a.start < latest.end:
                out.append(Violation(1, f"{describe(a)} overlaps {describe(latest)}"))
            if latest is None or a.end > latest.end:
                latest = a
        for s, e in subtract(presence, [(a.start, a.end) for a in items]):
            out.append(Violation(1, f"{staff} {span(s, e)}: present, but no assignment covers this time"))
    return out


def rule_2_opening_hours(day: Day) -> list[Violation]:
    """`service` and `guide` assignments lie inside opening hours; closed days have none."""
    out = []
    why = f"the office is closed: {day.closed}" if day.closed else f"outside opening hours {spans(day.opening)}"
    for items in day.by_staff.values():
        for a in items:
            if a.activity in ("service", "guide") and not inside(a.start, a.end, day.opening):
                out.append(Violation(2, f"{describe(a)}: {why}"))
    return out


def rule_3_skills(day: Day) -> list[Violation]:
    """A `service` assignment's staff has the service's skill; a `guide` has skill "guide"."""
    out = []
    for staff, items in day.by_staff.items():
        person = day.people.get(staff)
        skills = set(person.skills) if person else set()
        for a in items:
            if a.activity == "guide" and GUIDE_SKILL not in skills:
                out.append(Violation(3, f"{describe(a)}: {staff} lacks skill '{GUIDE_SKILL}'"))
            if a.activity != "service":
                continue
            service = day.services.get(a.service or "")
            if service is None:
                out.append(
                    Violation(
                        3,
                        f"{describe(a)}: " + (f"unknown service '{a.service}'" if a.service else "names no service"),
                    )
                )
            elif service.skill not in skills:
                out.append(Violation(3, f"{describe(a)}: {staff} lacks skill '{service.skill}'"))
    return out


def rule_4_counters(day: Day) -> list[Violation]:
    """A counter serves one person at a time, and has the equipment of the service served at it."""
    out = []
    at_counter: dict[str, list[Assignment]] = defaultdict(list)
    for items in day.by_staff.values():
        for a in items:
            if a.activity != "service":
                continue
            counter = day.counters.get(a.counter or "")
            if counter is None:
                out.append(
                    Violation(
                        4,
                        f"{describe(a)}: " + (f"unknown counter '{a.counter}'" if a.counter else "names no counter"),
                    )
                )
                continue
            at_counter[counter.id].append(a)
            service = day.services.get(a.service or "")
            missing = sorted(set(service.equipment) - set(counter.equipment)) if service else []
            if service and missing:
                out.append(
                    Violation(
                        4,
                        f"{describe(a)}: counter {counter.id} lacks {', '.join(missing)}, which {service.id} needs",
                    )
                )
    for counter_id, items in sorted(at_counter.items()):
        items.sort(key=lambda a: a.start)
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b.start >= a.end:
                    break
                if b.staff != a.staff:
                    out.append(
                        Violation(
                            4,
                            f"counter {counter_id} {span(b.start, min(a.end, b.end))}: "
                            f"{a.staff} and {b.staff} serve at once",
                        )
                    )
    return out


def breaks_of(day: Day, staff: str) -> list[tuple[int, int]]:
    """A person's breaks: their `break` assignments, touching ones joined into one break."""
    return merge_intervals([(a.start, a.end) for a in day.of_activity(staff, "break")])


def working_minutes(day: Day, staff: str) -> int:
    """Presence minus breaks."""
    return total(day.presence[staff]) - total(breaks_of(day, staff))


def rule_5_breaks(day: Day) -> list[Violation]:
    """ArbZG §4: over 6 h of work 30 min of breaks, over 9 h 45 min; each break at least 15 min;
    no stretch of work over 6 h without a break."""
    out = []
    for staff, presence in sorted(day.presence.items()):
        breaks = breaks_of(day, staff)
        work = working_minutes(day, staff)
        needed = next((need for over, need in BREAKS_NEEDED if work > over), 0)
        if total(breaks) < needed:
            out.append(
                Violation(
                    5,
                    f"{staff} works {duration(work)} ({spans(presence)}) with "
                    f"{total(breaks)} min of breaks; needs at least {needed} min",
                )
            )
        for s, e in breaks:
            if e - s < MIN_BREAK:
                out.append(
                    Violation(5, f"{staff} break {span(s, e)}: {e - s} min; a break lasts at least {MIN_BREAK} min")
                )
        rests = [(s, e) for s, e in breaks if e - s >= MIN_BREAK]
        for s, e in subtract(presence, rests):
            if e - s > LONGEST_STRETCH:
                out.append(
                    Violation(
                        5,
                        f"{staff} works {span(s, e)} ({duration(e - s)}) without a break; "
                        f"at most {duration(LONGEST_STRETCH)} in a row",
                    )
                )
    return out


def rule_6_slots(day: Day) -> list[Violation]:
    """Slot ids are unique; slots lie in a matching `service` assignment (touching ones of the same
    service and counter count as one), last the service's duration, start on the grid, and a person's
    slots do not overlap, except an overbooked slot with its regular slot (one each)."""
    out = []
    grid = day.scenario.office.granularity_min
    by_id = {slot.id: slot for slot in day.plan.slots}
    for ident, n in Counter(slot.id for slot in day.plan.slots).items():
        if n > 1:
            out.append(Violation(6, f"slot id {ident} is used by {n} slots"))
    serving: dict[tuple[str, str | None, str | None], list[tuple[int, int]]] = defaultdict(list)
    for staff, items in day.by_staff.items():
        for a in items:
            if a.activity == "service":
                serving[(staff, a.service, a.counter)].append((a.start, a.end))
    serving = {key: merge_intervals(spans_) for key, spans_ in serving.items()}
    for slot in day.plan.slots:
        name = describe_slot(slot)
        if slot.date != day.date:
            out.append(Violation(6, f"{name}: dated {slot.date}, the plan is for {day.date}"))
        service = day.services.get(slot.service)
        if service is None:
            out.append(Violation(6, f"{name}: unknown service '{slot.service}'"))
        elif slot.end - slot.start != service.duration_min:
            out.append(
                Violation(
                    6,
                    f"{name}: lasts {slot.end - slot.start} min, {service.id} takes {service.duration_min} min",
                )
            )
        if slot.start % grid:
            out.append(Violation(6, f"{name}: starts off the {grid}-minute grid"))
        if not inside(slot.start, slot.end, serving.get((slot.staff, slot.service, slot.counter), [])):
            out.append(
                Violation(
                    6,
                    f"{name}: not inside a service assignment of {slot.staff} for {slot.service} at {slot.counter}",
                )
            )
    extra_per_regular: Counter[str] = Counter()
    for slot in day.plan.slots:
        regular_id = slot.overbook_of
        if regular_id is None:
            continue
        regular = by_id.get(regular_id)
        name = describe_slot(slot)
        if regular is None or regular.overbook_of is not None:
            out.append(Violation(6, f"{name}: overbook_of '{regular_id}' is not a regular slot of this plan"))
            continue
        extra_per_regular[regular_id] += 1
        if (slot.staff, slot.counter, slot.service, slot.start, slot.end) != (
            regular.staff,
            regular.counter,
            regular.service,
            regular.start,
            regular.end,
        ):
            out.append(
                Violation(
                    6,
                    f"{name}: overbooks {describe_slot(regular)} but does not share its staff, "
                    "counter, service and time",
                )
            )
    for regular_id, n in sorted(extra_per_regular.items()):
        if n > 1:
            out.append(Violation(6, f"{describe_slot(by_id[regular_id])}: {n} slots overbook it, at most one may"))
    per_staff: dict[str, list[Slot]] = defaultdict(list)
    for slot in day.plan.slots:
        per_staff[slot.staff].append(slot)
    for staff, slots in sorted(per_staff.items()):
        slots.sort(key=lambda s: (s.start, s.end))
        for i, first in enumerate(slots):
            for later in slots[i + 1 :]:
                if later.start >= first.end:
                    break
                if first.overbook_of == later.id or later.overbook_of == first.id:
                    continue
                when = span(later.start, min(first.end, later.end))
                out.append(Violation(6, f"{staff}: slots {first.id} and {later.id} overlap at {when}"))
    return out


def rule_7_bookings(day: Day) -> list[Violation]:
    """Every booking of the date holds a slot of its service at its time, or is listed in `rebook`."""
    out = []
    held: dict[str, list[Slot]] = defaultdict(list)
    for slot in day.plan.slots:
        if slot.booking is not None:
            held[slot.booking].append(slot)
    rebooked = {r.booking for r in day.plan.rebook}
    for booking in day.scenario.bookings:
        if booking.date != day.date or booking.id in rebooked:
            continue
        slots = held.get(booking.id, [])
        if any(s.service == booking.service and s.start == booking.start for s in slots):
            continue
        what = f"booking {booking.id} ({booking.service} at {hhmm(booking.start)})"
        if slots:
            out.append(
                Violation(
                    7,
                    f"{what}: held by {', '.join(describe_slot(s) for s in slots)}, which has "
                    "another service or time, and not in rebook",
                )
            )
        else:
            out.append(Violation(7, f"{what}: holds no slot and is not in rebook"))
    return out


def rule_8_back_office(day: Day) -> list[Violation]:
    """Each present person has `policy.back_office_min` minutes of back office, or all their working
    time when that is shorter."""
    out: list[Violation] = []
    wanted = day.scenario.policy.back_office_min
    if not wanted:
        return out
    for staff in sorted(day.presence):
        needed = min(wanted, working_minutes(day, staff))
        done = total([(a.start, a.end) for a in day.of_activity(staff, "back_office")])
        if done < needed:
            out.append(Violation(8, f"{staff}: {done} min of back office, needs {needed} min"))
    return out


def rule_9_guides(day: Day) -> list[Violation]:
    """At every minute of opening hours at least `policy.guides_min` people are on guide duty."""
    wanted = day.scenario.policy.guides_min
    if not wanted:
        return []
    duties = [(a.start, a.end) for items in day.by_staff.values() for a in items if a.activity == "guide"]
    short: list[tuple[int, int, int]] = []
    for s, e in day.opening:
        cuts = sorted({s, e} | {t for d in duties for t in d if s < t < e})
        for lo, hi in pairwise(cuts):
            n = sum(1 for ds, de in duties if ds <= lo and hi <= de)
            if n < wanted:
                if short and short[-1][1] == lo and short[-1][2] == n:
                    short[-1] = (short[-1][0], hi, n)
                else:
                    short.append((lo, hi, n))
    return [Violation(9, f"entrance {span(lo, hi)}: {n} on guide duty, needs {wanted}") for lo, hi, n in short]


def _local(text: str, timezone: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return moment


def rule_10_release(day: Day) -> list[Violation]:
    """`same_day` slots go online on the day at one of the release moments (`policy.same_day_release`,
    else the opening times), not after they start; `calendar` slots `calendar_horizon_days` before."""
    out = []
    moments = release_moments(day.scenario, day.date)
    horizon = day.scenario.policy.calendar_horizon_days
    calendar_day = day.date - dt.timedelta(days=horizon)
    for slot in day.plan.slots:
        name = describe_slot(slot)
        moment = _local(slot.release_at, day.scenario.office.timezone)
        if moment is None:
            out.append(Violation(10, f"{name}: release_at {slot.release_at!r} is not a date and time"))
        elif slot.channel == "same_day":
            start = dt.datetime.combine(day.date, dt.time()) + dt.timedelta(minutes=slot.start)
            if moment.date() != day.date or moment > start:
                out.append(
                    Violation(
                        10,
                        f"{name}: same-day slot released {slot.release_at}, not on {day.date} by {hhmm(slot.start)}",
                    )
                )
            elif moments and (moment.hour * 60 + moment.minute not in moments or moment.second):
                out.append(
                    Violation(
                        10,
                        f"{name}: same-day slot released at {moment:%H:%M:%S}, not one of the "
                        f"release moments {', '.join(map(hhmm, moments))}",
                    )
                )
        elif moment.date() != calendar_day:
            out.append(
                Violation(
                    10,
                    f"{name}: calendar slot released {slot.release_at}, not on {calendar_day} ({horizon} days before)",
                )
            )
    return out


RULES: tuple[Callable[[Day], list[Violation]], ...] = (
    rule_0_format,
    rule_1_tiling,
    rule_2_opening_hours,
    rule_3_skills,
    rule_4_counters,
    rule_5_breaks,
    rule_6_slots,
    rule_7_bookings,
    rule_8_back_office,
    rule_9_guides,
    rule_10_release,
    rule_11_sittings,
)


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every hard rule the plan breaks, in rule order; empty when the plan is valid."""
    day = Day.of(scenario, plan)
    return [v for rule in RULES for v in rule(day)]
