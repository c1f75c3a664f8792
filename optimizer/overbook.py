"""Overbooking against no-shows: a slot stage `Plan -> Plan` (contract rule 6, `slots[].overbook_of`).

With `policy.no_show: overbook`, some calendar slots are sold twice: an extra slot with the same
staff, counter, service and time, `overbook_of` naming the regular one (at most one per regular
slot). Per counter and clock hour, the regular slots are the counter's capacity; the citizens who
come are independent Bernoulli trials (a calendar booking comes with 1 − its type's no-show rate on
that weekday, `no_show_rates` of the scenario; a same-day booking is assumed to come). Extras are
added, those most likely not to come and earliest in the hour first, while the chance that more
citizens come than the hour's slots (the Poisson-binomial tail, exact) stays within
`policy.overflow_risk`. Late cancellations are ignored, which errs on the safe side.

`without_overbooked` and `carry_overbooked` let a re-plan keep every overbooked booking: the day model
plans the regular slots, then each booked extra rides again on a regular slot of its type and time,
or goes to `rebook` with its reason.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .clock import WEEKDAYS, hhmm
from .plan import Plan, Rebook, Slot
from .scenario import Scenario

SUFFIX = "-ob"
"""An extra slot's id is its regular slot's id with this suffix."""


def no_show_rate(scenario: Scenario, service: str, weekday: int) -> float:
    """The scenario's no-show rate of `service` on `weekday` (a weekday row beats a general one; else 0)."""
    general = 0.0
    for r in scenario.no_show_rates:
        if r.service != service:
            continue
        if r.weekday == WEEKDAYS[weekday]:
            return r.rate
        if r.weekday is None:
            general = r.rate
    return general


def overflow_probability(come: list[float], capacity: int) -> float:
    """P(more than `capacity` of independent citizens come), citizen i coming with probability come[i]."""
    dist = np.zeros(len(come) + 1)
    dist[0] = 1.0
    for n, p in enumerate(come, start=1):
        dist[1 : n + 1] = dist[1 : n + 1] * (1 - p) + dist[:n] * p
        dist[0] *= 1 - p
    return float(dist[capacity + 1 :].sum())


def overbook(scenario: Scenario, plan: Plan) -> Plan:
    """The plan with extra slots sold on top of calendar slots, within `policy.overflow_risk`.

    Unchanged when `policy.no_show` is `off` or no type has a no-show rate.
    """
    if scenario.policy.no_show != "overbook":
        return plan
    risk = scenario.policy.overflow_risk
    weekday = plan.date.weekday()
    rate = {t.id: no_show_rate(scenario, t.id, weekday) for t in scenario.service_types}
    if not any(rate.values()):
        return plan
    hours: dict[tuple[str, int], list[Slot]] = defaultdict(list)
    for s in plan.slots:
        hours[(s.counter, s.start // 60)].append(s)
    extra: list[Slot] = []
    for slots in hours.values():
        regular = [s for s in slots if s.overbook_of is None]
        taken = {s.overbook_of for s in slots if s.overbook_of}
        come = [1 - rate[s.service] if s.channel == "calendar" else 1.0 for s in slots]
        candidates = sorted(
            (s for s in regular if s.channel == "calendar" and s.id not in taken and rate[s.service] > 0),
            key=lambda s: (-rate[s.service], s.start, s.id),
        )
        for s in candidates:
            trial = [*come, 1 - rate[s.service]]
            if overflow_probability(trial, len(regular)) > risk:
                break
            come = trial
            extra.append(s.model_copy(update={"id": s.id + SUFFIX, "booking": None, "overbook_of": s.id}))
    if not extra:
        return plan
    return _with_slots(plan, plan.slots + extra)


def without_overbooked(plan: Plan) -> Plan:
    """The plan's regular slots only (what the day model re-plans)."""
    return plan.model_copy(update={"slots": [s for s in plan.slots if s.overbook_of is None]})


def carry_overbooked(published: Plan, plan: Plan) -> Plan:
    """The re-planned `plan` with the published extras again on top of a regular slot of their type and
    time (their ids, channels and bookings kept). A booked extra that finds none goes to `rebook` with
    the nearest free slot of its type as proposal; unbooked ones are simply withdrawn."""
    slots = list(plan.slots)
    taken = {s.overbook_of for s in slots if s.overbook_of}
    rebook = list(plan.rebook)
    proposed = {r.proposal for r in rebook if r.proposal}
    for old in (s for s in published.slots if s.overbook_of):
        if any(s.id == old.id for s in slots):
            continue
        base = [
            s
            for s in slots
            if s.overbook_of is None and s.service == old.service and s.start == old.start and s.id not in taken
        ]
        if base:
            on = min(
                base, key=lambda s: (s.id != old.overbook_of, s.staff != old.staff, s.counter != old.counter, s.id)
            )
            taken.add(on.id)
            slots.append(
                on.model_copy(
                    update={
                        "id": old.id,
                        "booking": old.booking,
                        "overbook_of": on.id,
                        "channel": old.channel,
                        "release_at": old.release_at,
                    }
                )
            )
        elif old.booking:
            free = [s for s in slots if s.service == old.service and s.booking is None and s.id not in proposed]
            proposal = min(free, key=lambda s: (abs(s.start - old.start), s.start), default=None)
            if proposal:
                proposed.add(proposal.id)
            rebook.append(
                Rebook(
                    booking=old.booking,
                    proposal=proposal.id if proposal else None,
                    reason=f"overbooked at {hhmm(old.start)}: no {old.service} slot at that time "
                    "is left to sell it on top of",
                )
            )
    return _with_slots(plan, slots).model_copy(update={"rebook": rebook})


def _with_slots(plan: Plan, slots: list[Slot]) -> Plan:
    slots = sorted(slots, key=lambda s: (s.start, s.counter, s.service, s.overbook_of is not None, s.id))
    kpis = dict(plan.kpis, overbooked_slots=sum(1 for s in slots if s.overbook_of))
    return plan.model_copy(update={"slots": slots, "kpis": kpis})
