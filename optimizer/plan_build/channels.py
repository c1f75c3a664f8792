"""Release channels and times: per type, `round(same_day_share × slots)` unbooked slots that start at
or after the first release moment become `same_day`, spread evenly over the day; each is released at
the latest release moment not after its start. The rest are `calendar`, released
`calendar_horizon_days` before the day at the time of the first release moment. A re-plan keeps the
published channel and release time of surviving slots and releases new slots the same day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..clock import hhmm
from ..day.schedule import ServedSlot
from ..office_days import release_moments
from ..plan import Channel, Slot
from ..scenario import Scenario


def assign_channels(
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
