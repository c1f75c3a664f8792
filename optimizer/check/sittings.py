"""Rule 11, workable days: sittings at a counter, counters per person, shortest sitting.

A sitting is a stretch of `service` at one counter. Two service assignments of one person at the same
counter are one sitting when only `back_office` lies between them and nobody else serves at that
counter meanwhile (the person stays at the desk).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..clock import merge_intervals, span
from .day import Day, duration, subtract
from .violation import Violation


@dataclass(frozen=True)
class Sitting:
    staff: str
    counter: str
    start: int
    end: int


def sittings(day: Day) -> dict[str, list[Sitting]]:
    """Each person's sittings, in time order (only service assignments that name a counter)."""
    serving: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for staff, items in day.by_staff.items():
        for a in items:
            if a.activity == "service" and a.counter:
                serving[a.counter].append((a.start, a.end, staff))

    def desk_kept(staff: str, counter: str, gap_start: int, gap_end: int, back_office: list[tuple[int, int]]) -> bool:
        if subtract([(gap_start, gap_end)], back_office):
            return False  # something other than back office (or absence) lies between
        return not any(other != staff and s < gap_end and gap_start < e for s, e, other in serving[counter])

    out: dict[str, list[Sitting]] = {}
    for staff, items in day.by_staff.items():
        back_office = merge_intervals([(a.start, a.end) for a in items if a.activity == "back_office"])
        found: list[Sitting] = []
        for a in items:
            if a.activity != "service" or not a.counter:
                continue
            last = found[-1] if found else None
            if (
                last
                and last.counter == a.counter
                and (a.start <= last.end or desk_kept(staff, a.counter, last.end, a.start, back_office))
            ):
                found[-1] = Sitting(staff, a.counter, last.start, max(last.end, a.end))
            else:
                found.append(Sitting(staff, a.counter, a.start, a.end))
        if found:
            out[staff] = found
    return out


def rule_11_sittings(day: Day) -> list[Violation]:
    """Where the policy sets them: at most `max_counters_per_person` counters and `max_sittings` sittings
    per person, each sitting at least `min_sitting_min` long unless its opening interval is shorter."""
    policy = day.scenario.policy
    if policy.max_counters_per_person is None and policy.max_sittings is None and policy.min_sitting_min is None:
        return []
    out = []
    for staff, found in sorted(sittings(day).items()):
        counters = sorted({s.counter for s in found})
        if policy.max_counters_per_person is not None and len(counters) > policy.max_counters_per_person:
            out.append(
                Violation(
                    11,
                    f"{staff} serves at {len(counters)} counters ({', '.join(counters)}); "
                    f"at most {policy.max_counters_per_person}",
                )
            )
        if policy.max_sittings is not None and len(found) > policy.max_sittings:
            listed = ", ".join(f"{s.counter} {span(s.start, s.end)}" for s in found)
            out.append(Violation(11, f"{staff} has {len(found)} sittings ({listed}); at most {policy.max_sittings}"))
        if policy.min_sitting_min is None:
            continue
        for s in found:
            if s.end - s.start >= policy.min_sitting_min:
                continue
            holder = next(((lo, hi) for lo, hi in day.opening if lo <= s.start < hi), None)
            if holder is not None and holder[1] - holder[0] < policy.min_sitting_min:
                continue  # the opening interval itself is shorter
            out.append(
                Violation(
                    11,
                    f"{staff} sitting at {s.counter} {span(s.start, s.end)}: "
                    f"{duration(s.end - s.start)}, at least {duration(policy.min_sitting_min)}",
                )
            )
    return out
