"""Sittings read off a plan: who sits at which counter from when to when, serving which request types.

A *sitting* is a stretch of service at one counter (contract rule 11, shared/spec/SCENARIO.md). Two
service assignments of one person at the same counter belong to one sitting when only back office
lies between them and nobody else serves at that counter meanwhile: the person stays at the desk
and does file work between appointments. A break, guide duty or service at another counter ends a
sitting. This is the reading of `sittings_of` in shared/tools/check_plan.py, so the counts here are
the ones the checker holds against `policy.max_sittings` and `policy.max_counters_per_person`.

`plan_sittings(plan)` is a pure function of the plan; it works on any valid plan, whether the day
model planned sittings or not. Exporters (the review workbook) and reports read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .plan import Assignment, Plan


@dataclass(frozen=True)
class Sitting:
    """One person's stretch of service at one counter, `[start, end)` in minutes since midnight.

    `services` are the request types served in it, in the order they first occur;
    `service_minutes` is the time spent serving (the rest of the span is back office at the desk).
    """

    staff: str
    counter: str | None
    start: int
    end: int
    services: tuple[str, ...]
    service_minutes: int


@dataclass(frozen=True)
class PersonFigures:
    """Per person and day: sittings, distinct counters served at, minutes serving."""

    sittings: int
    counters: int
    service_minutes: int


def plan_sittings(plan: Plan) -> list[Sitting]:
    """All sittings of the plan, ordered by person (first appearance in the plan) and start time."""
    return sittings_of(plan.assignments)


def sittings_of(assignments: Iterable[Assignment]) -> list[Sitting]:
    """The sittings of a list of assignments of one office-day (see the module docstring)."""
    items = [a for a in assignments if a.end > a.start]
    use: dict[str | None, list[tuple[int, int, str]]] = defaultdict(list)
    by_staff: dict[str, list[Assignment]] = {}
    for a in items:
        by_staff.setdefault(a.staff, []).append(a)
        if a.activity == "service":
            use[a.counter].append((a.start, a.end, a.staff))
    out: list[Sitting] = []
    for staff, own in by_staff.items():
        current: list[Assignment] = []  # service assignments of the open sitting
        desk_only = True  # nothing but back office since the open sitting's last service
        for a in sorted(own, key=lambda x: x.start):
            if a.activity != "service":
                desk_only = desk_only and a.activity == "back_office"
                continue
            if (
                current
                and current[-1].counter == a.counter
                and desk_only
                and not _others_between(use[a.counter], staff, current[-1].end, a.start)
            ):
                current.append(a)
            else:
                if current:
                    out.append(_sitting(current))
                current = [a]
            desk_only = True
        if current:
            out.append(_sitting(current))
    return out


def person_figures(sittings: Iterable[Sitting]) -> dict[str, PersonFigures]:
    """Sittings, counters and service minutes per person who serves at all."""
    grouped: dict[str, list[Sitting]] = defaultdict(list)
    for s in sittings:
        grouped[s.staff].append(s)
    return {
        staff: PersonFigures(
            sittings=len(own),
            counters=len({s.counter for s in own}),
            service_minutes=sum(s.service_minutes for s in own),
        )
        for staff, own in grouped.items()
    }


def workability(plan: Plan) -> dict[str, float]:
    """Counters and sittings per serving person (rule 11's reading): `counters_mean`, `counters_max`,
    `sittings_mean`, `sittings_max` (0 without anyone serving)."""
    figures = list(person_figures(plan_sittings(plan)).values())
    n = max(1, len(figures))
    return {
        "counters_mean": sum(f.counters for f in figures) / n,
        "counters_max": max((f.counters for f in figures), default=0),
        "sittings_mean": sum(f.sittings for f in figures) / n,
        "sittings_max": max((f.sittings for f in figures), default=0),
    }


def _others_between(uses: list[tuple[int, int, str]], staff: str, start: int, end: int) -> bool:
    """Whether someone other than `staff` serves at the counter at some time within `(start, end)`."""
    return any(who != staff and s < end and start < e for s, e, who in uses)


def _sitting(parts: list[Assignment]) -> Sitting:
    services = tuple(dict.fromkeys(a.service or "" for a in parts))
    return Sitting(
        staff=parts[0].staff,
        counter=parts[0].counter,
        start=parts[0].start,
        end=parts[-1].end,
        services=services,
        service_minutes=sum(a.end - a.start for a in parts),
    )


__all__ = ["PersonFigures", "Sitting", "person_figures", "plan_sittings", "sittings_of", "workability"]
