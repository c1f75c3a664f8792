"""Which request type misses its target wait, and what limits it (skills, equipped counters, staff).

For every type with requests that missed their target, the planned days on which some of its
requests were already late at the end of the day are read like `optimizer.explain` reads a day: were
all counters fitting the type taken, or all present people with its skill busy, for at least half of
the opening minutes? If neither, the office's staff as a whole was the limit: the capacity went to
other types' contingents, as the horizon shared the shortfall.
"""

from __future__ import annotations

from collections import Counter

from ..explain import Usage, limiting_resource
from ..plan import Plan
from ..scenario import Scenario
from .queue import DAY, free_slots, run_queues, wait_report


def explain_waits(scenario: Scenario, plans: list[Plan]) -> list[str]:
    """One sentence per request type with a target, e.g. "Verlustanzeige: 45 of 598 counted requests
    missed the target of 3 days (share 92.5 %); late on 6 days, limited by people with skill
    'verlust' on 4 (2024-03-14, …), by the staff as a whole on 2"."""
    plans = sorted(plans, key=lambda p: p.date)
    report = wait_report(scenario, plans)
    free = free_slots(plans)
    queues = run_queues(scenario, free, report.first, report.last, until=report.first - DAY)
    late_days: dict[str, list] = {t.id: [] for t in scenario.service_types}
    by_date = {p.date: p for p in plans}
    day = report.first
    while day <= report.last:
        for k, q in queues.items():
            q.step(day, free.get((day, k), 0))
            if day in by_date and any(e.late and e.count for e in q.queue):
                late_days[k].append(day)
        day += DAY
    out = []
    usage: dict = {}
    for t in scenario.service_types:
        w = report.types[t.id]
        if w.target_wait_days is None or w.share_within_target is None:
            continue
        counted = w.within_target + w.missed_target
        head = (
            f"{t.name}: {w.missed_target} of {counted} counted requests missed the target of "
            f"{w.target_wait_days} days (share within target {w.share_within_target:.1%})"
        )
        if not w.missed_target:
            out.append(f"{t.name}: all {counted} counted requests within the target of {w.target_wait_days} days")
            continue
        causes: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        for d in late_days[t.id]:
            if d not in usage:
                usage[d] = Usage(scenario, by_date[d])
            limit = limiting_resource(usage[d], t)
            if limit is None:
                cause = "by the staff as a whole (its capacity went to other types' contingents)"
            elif limit[0] in ("counters", "no counter"):
                cause = f"by counters with {', '.join(t.equipment)}" if t.equipment else "by the counters"
            else:
                cause = f"by people with skill '{t.skill}'"
            causes[cause] += 1
            examples.setdefault(cause, []).append(d.isoformat())
        if not causes:
            out.append(
                f"{head}; none were late at the end of a planned day: they were made on days the "
                "office is closed or outside the planned days"
            )
            continue
        parts = [
            f"{cause} on {n} ({', '.join(examples[cause][:3])}{', …' if n > 3 else ''})"
            for cause, n in causes.most_common()
        ]
        out.append(f"{head}; late on {sum(causes.values())} planned days, limited {'; '.join(parts)}")
    return out
