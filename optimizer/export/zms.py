"""ZMS (eappointment) availability records from plans: `zms_records` and `zms_export` (bytes).

ZMS describes bookable time as *availability* records: one scope, one date range, a daily window
`[startTime, endTime)`, a number of workstations, a slot length and a booking window in days. It
cuts every record into slots of `slotTimeInMinutes` from `startTime`, each with `public`
(online) and `intern` (staff) capacity. The mapping (docs/export.md explains it at length):

- **Scopes.** A `ScopeMap` gives each service a scope; a service may give its `same_day` slots a
  scope of their own. Several services may share one scope. Without a map every service gets its
  own scope (ids 1, 2, … in the scenario's service order, or in sorted order without a scenario).
- **Windows.** Per scope and day, at every minute the plan's slots give `cal` calendar and `sd`
  same-day counters of that scope. A record is a maximal window in which what ZMS has to say about
  the minute stays the same:
  - only calendar: `bookable {1, horizon}`, `public = intern = cal`;
  - only same-day: `bookable {0, 0}`, `public = intern = sd`;
  - both in one scope: ZMS holds one booking window per record and rejects overlapping records of
    a scope, so the minute becomes one calendar record with `public = cal` and
    `intern = cal + sd`: the same-day counters are bookable by staff (ZMS's `intern` capacity,
    e.g. the entrance guide on the day) but not online. Give same-day slots their own scope to
    publish them online on the day.
- **Slot length.** A scope's `slotTimeInMinutes` is the service duration when every record's
  length is a multiple of it; otherwise the greatest common divisor of the durations of its
  services and all its record lengths, and a request then takes `duration / slotTimeInMinutes`
  slots in ZMS (`multipleSlotsAllowed`). Either way ZMS never offers more counter-minutes at any
  moment than the plan has counters for the scope.

Booked slots count like free ones: their bookings already hold ZMS capacity.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..clock import hhmm
from ..errors import InputError
from ..io.json_file import read_json
from ..plan import Plan, Slot

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_PROVIDER: dict[str, Any] = {"id": 0, "source": "slotplan", "name": ""}
_NUMERIC = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Scope:
    """A ZMS scope: a numeric id and a short name."""

    id: int
    short_name: str = ""


@dataclass(frozen=True)
class ScopeMap:
    """Service id -> scope for calendar slots, and optionally another scope for same-day slots."""

    calendar: Mapping[str, Scope]
    same_day: Mapping[str, Scope] = field(default_factory=dict)
    provider: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_PROVIDER))

    def scope_of(self, service: str, channel: str) -> Scope:
        if channel == "same_day" and service in self.same_day:
            return self.same_day[service]
        try:
            return self.calendar[service]
        except KeyError:
            raise InputError(f"scope map: no scope for service '{service}'") from None


def default_scope_map(services: Iterable[str]) -> ScopeMap:
    """One scope per service, numbered 1, 2, … in the given order, short name = service id."""
    return ScopeMap(calendar={s: Scope(i, s) for i, s in enumerate(services, start=1)})


def parse_scope_map(data: Any, where: str = "scope map") -> ScopeMap:
    """A scope map from JSON data; raises `InputError` naming the offending key.

    Either a flat object ``{"<service>": SCOPE, …}`` or ``{"provider": {…}, "scopes": {…}}``, where
    SCOPE is a scope id (number or digits), ``{"id": …, "shortName": …}``, or
    ``{"calendar": SCOPE, "same_day": SCOPE}`` to give the service's same-day slots their own scope.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object")
    provider = dict(DEFAULT_PROVIDER)
    if "scopes" in data:
        scopes = data["scopes"]
        extra = set(data) - {"scopes", "provider"}
        if extra:
            raise InputError(f"{where}.{sorted(extra)[0]}: unknown field (expected 'scopes' and 'provider')")
        if "provider" in data:
            given = data["provider"]
            if not isinstance(given, dict) or not {"id", "source", "name"} <= set(given):
                raise InputError(f"{where}.provider: expected an object with id, source and name")
            if not _is_zms_id(given["id"]):
                raise InputError(f"{where}.provider.id: {given['id']!r} is not a number")
            provider = dict(given) | {"id": int(given["id"])}
    else:
        scopes = data
    if not isinstance(scopes, dict) or not scopes:
        raise InputError(f"{where}.scopes: expected an object service id -> scope")
    calendar: dict[str, Scope] = {}
    same_day: dict[str, Scope] = {}
    problems: list[str] = []
    for service, entry in scopes.items():
        loc = f"{where}.{service}" if "scopes" not in data else f"{where}.scopes.{service}"
        if isinstance(entry, dict) and ("calendar" in entry or "same_day" in entry):
            extra = set(entry) - {"calendar", "same_day"}
            if extra or "calendar" not in entry:
                problems.append(f"{loc}: expected 'calendar' and optionally 'same_day'")
                continue
            for channel, target in (("calendar", calendar), ("same_day", same_day)):
                if channel in entry:
                    scope = _parse_scope(entry[channel], service, f"{loc}.{channel}", problems)
                    if scope is not None:
                        target[service] = scope
        else:
            scope = _parse_scope(entry, service, loc, problems)
            if scope is not None:
                calendar[service] = scope
    names: dict[int, str] = {}
    for service, scope in [*calendar.items(), *same_day.items()]:
        if names.setdefault(scope.id, scope.short_name) != scope.short_name:
            problems.append(f"{where}: scope {scope.id} has two short names, "
                            f"'{names[scope.id]}' and '{scope.short_name}' (at '{service}')")
    if problems:
        raise InputError(problems)
    return ScopeMap(calendar=calendar, same_day=same_day, provider=provider)


def load_scope_map(path: str | Path) -> ScopeMap:
    """Read a scope map JSON file (see `parse_scope_map`)."""
    return parse_scope_map(read_json(path), str(path))


def _is_zms_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) and value >= 0 or isinstance(value, str) and bool(_NUMERIC.match(value))


def _parse_scope(entry: Any, service: str, loc: str, problems: list[str]) -> Scope | None:
    if isinstance(entry, dict):
        if "id" not in entry or set(entry) - {"id", "shortName"}:
            problems.append(f"{loc}: expected a scope id or {{\"id\": …, \"shortName\": …}}")
            return None
        ident, short = entry["id"], entry.get("shortName", service)
        if not isinstance(short, str):
            problems.append(f"{loc}.shortName: expected text")
            return None
    else:
        ident, short = entry, service
    if not _is_zms_id(ident):
        problems.append(f"{loc}: scope id {ident!r} is not a number (ZMS scope ids are numeric)")
        return None
    return Scope(int(ident), short)


@dataclass(frozen=True)
class Window:
    """One availability record before it is written: a scope's window on one date."""

    date: dt.date
    scope: Scope
    start: int
    end: int
    channel: str  # "calendar" or "same_day"
    public: int
    intern: int
    services: tuple[str, ...]


def day_timestamp(date: dt.date, timezone: str) -> int:
    """Unix timestamp of local midnight of `date` in `timezone` (what ZMS stores as a day)."""
    return int(dt.datetime.combine(date, dt.time(0), tzinfo=_zone(timezone)).timestamp())


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone: unknown time zone {timezone!r}") from None


def derive_horizon_days(plans: Sequence[Plan]) -> int | None:
    """`calendar_horizon_days` as the plans' calendar slots show it (date minus release date)."""
    seen = set()
    for plan in plans:
        for s in plan.slots:
            if s.channel == "calendar":
                seen.add((s.date - dt.date.fromisoformat(s.release_at[:10])).days)
    if len(seen) > 1:
        raise InputError(f"plans: calendar slots are released {sorted(seen)} days ahead; give the horizon")
    return seen.pop() if seen else None


def windows(plan: Plan, scopes: ScopeMap) -> list[Window]:
    """The maximal windows of one plan, per scope, in which the record's content stays the same."""
    by_scope: dict[Scope, list[Slot]] = defaultdict(list)
    for s in plan.slots:
        by_scope[scopes.scope_of(s.service, s.channel)].append(s)
    out: list[Window] = []
    for scope, slots in by_scope.items():
        cuts = sorted({s.start for s in slots} | {s.end for s in slots})
        current: Window | None = None
        for a, b in zip(cuts, cuts[1:]):
            live = [s for s in slots if s.start < b and a < s.end]
            cal = sum(1 for s in live if s.channel == "calendar")
            same = len(live) - cal
            if not live:
                shape = None
            elif cal:
                shape = ("calendar", cal, cal + same)
            else:
                shape = ("same_day", same, same)
            services = tuple(sorted({s.service for s in live}))
            if current is not None and shape == (current.channel, current.public, current.intern) \
                    and current.end == a:
                current = Window(plan.date, scope, current.start, b, current.channel, current.public,
                                 current.intern, tuple(sorted(set(current.services) | set(services))))
                out[-1] = current
                continue
            if shape is None:
                current = None
                continue
            current = Window(plan.date, scope, a, b, *shape, services)
            out.append(current)
    return out


def zms_records(plans: Sequence[Plan], *, timezone: str = "Europe/Berlin", horizon_days: int | None = None,
                scope_map: ScopeMap | None = None, services: Sequence[str] | None = None,
                durations: Mapping[str, int] | None = None, provider_name: str | None = None) -> list[dict]:
    """ZMS availability records (JSON-ready dicts) for the plans of one office.

    `timezone` is the office's zone (startDate/endDate are local midnights); `horizon_days` the
    calendar booking horizon (default: derived from the calendar slots' `release_at`);
    `scope_map` the scopes (default: one per service, numbered in the order of `services`, else in
    sorted order); `durations` the service durations (default: from the slots).
    """
    plans = sorted(plans, key=lambda p: p.date)
    offices = {p.office for p in plans}
    if len(offices) > 1:
        raise InputError(f"plans: {len(offices)} offices ({', '.join(sorted(offices))}); a ZMS export "
                         "holds one office's scopes, export them one at a time")
    dates = [p.date for p in plans]
    if len(set(dates)) < len(dates):
        raise InputError("plans: two plans of the same date")
    zone_name = timezone
    _zone(zone_name)
    horizon = horizon_days if horizon_days is not None else derive_horizon_days(plans)
    if horizon is None:
        horizon = 14  # no calendar slot: the value never appears in a record
    if horizon < 0:
        raise InputError(f"horizon: {horizon} days is negative")
    used = sorted({s.service for p in plans for s in p.slots})
    if scope_map is None:
        order = [s for s in services if s in set(used)] if services is not None else []
        order += [s for s in used if s not in order]
        scope_map = default_scope_map(order)
    length: dict[str, int] = dict(durations or {})
    for p in plans:
        for s in p.slots:
            length.setdefault(s.service, s.end - s.start)
    all_windows = [w for p in plans for w in windows(p, scope_map)]
    slot_time = _slot_times(all_windows, length)
    provider = dict(scope_map.provider)
    if not provider.get("name"):
        provider["name"] = provider_name or (plans[0].office if plans else "")
    records = []
    for w in sorted(all_windows, key=lambda w: (w.date, w.scope.id, w.start)):
        stamp = day_timestamp(w.date, zone_name)
        if w.channel == "calendar":
            bookable = {"startInDays": 1 if horizon >= 1 else 0, "endInDays": horizon}
        else:
            bookable = {"startInDays": 0, "endInDays": 0}
        mixed = " (same-day counters intern only)" if w.intern > w.public else ""
        records.append({
            "type": "appointment",
            "scope": {"id": w.scope.id, "shortName": w.scope.short_name, "provider": provider},
            "description": f"slotplan {plans[0].office} {w.date}: {', '.join(w.services)} {w.channel}{mixed}",
            "startDate": stamp,
            "endDate": stamp,
            "startTime": hhmm(w.start),
            "endTime": "23:59" if w.end >= 24 * 60 else hhmm(w.end),
            "weekday": {name: i == w.date.weekday() for i, name in enumerate(WEEKDAY_NAMES)},
            "repeat": {"afterWeeks": 0, "weekOfMonth": 0},
            "bookable": bookable,
            "workstationCount": {"public": w.public, "intern": w.intern},
            "slotTimeInMinutes": slot_time[w.scope],
            "multipleSlotsAllowed": True,
        })
    return records


def _slot_times(all_windows: Sequence[Window], length: Mapping[str, int]) -> dict[Scope, int]:
    """Per scope: the common duration if every window is a multiple of it, else the gcd of all."""
    services: dict[Scope, set[str]] = defaultdict(set)
    spans: dict[Scope, set[int]] = defaultdict(set)
    for w in all_windows:
        services[w.scope].update(w.services)
        spans[w.scope].add(w.end - w.start)
    out = {}
    for scope in services:
        out[scope] = math.gcd(*(length[s] for s in services[scope]), *spans[scope])
    return out


def zms_export(plans: Sequence[Plan], **options: Any) -> bytes:
    """`zms_records` as UTF-8 JSON (a list), one record per line block, ending in a newline."""
    return (json.dumps(zms_records(plans, **options), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
