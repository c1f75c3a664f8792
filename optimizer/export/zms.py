"""ZMS (eappointment) availability records from plans: `zms_records`, `zms_export` and the per-slot
release report `zms_release_rows` / `zms_release_csv`.

ZMS describes bookable time as *availability* records: one scope, a date range, a daily window
`[startTime, endTime)`, a number of workstations, a slot length `slotTimeInMinutes` and a booking
window in days. It cuts a record into slots of `slotTimeInMinutes` from `startTime`; an
appointment takes consecutive slots of *one* record. The mapping (docs/export.md has it with the ZMS
source lines it rests on):

- **One appointment per slot.** A record's slot length is its service's duration, so each grid slot
  of a record is one appointment (a scope needs `multipleSlotsEnabled` off, or 1 slot per request).
  A record's grid therefore has to meet the plan's slot starts exactly: records are built per phase
  (start modulo duration) and channel, with the number of plan slots as `workstationCount`.
- **Layers of scopes.** Records of one scope must not overlap, and slots of one service run in several
  phases at once (counters start at different times), so a service gets a *pool* of scopes; the
  records of a day are coloured into the fewest scopes of its pool (interval partitioning).
- **Release.** ZMS releases a record on its last bookable day (`bookable.endInDays` before the date)
  at the record's `startTime`, and online never less than 30 minutes before a slot. Calendar records
  start at their first slot and release `endInDays = calendar_horizon_days` before. A same-day record
  of a release moment `r` starts `ceil(30/d)·d` minutes before its first slot (a lead-in ZMS never
  offers online), at `r` at the earliest, and carries `endDate` = the next day so that ZMS delays its
  release to `startTime`. Where that moment is not the plan's `release_at`, the release report says so
  per slot; never earlier than `release_at`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
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
ONLINE_LEAD_MIN = 30  # ZMS offers a slot online only 30 minutes (1800 s) before it starts
_NUMERIC = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Scope:
    """A ZMS scope: a numeric id and a short name."""

    id: int
    short_name: str = ""


@dataclass(frozen=True)
class ScopeMap:
    """Service id -> its pool of scopes for calendar slots, and optionally another pool for same-day slots.

    `numbered` (the default map) gives service `i` (1-based) the scopes `100·i + 1`, `100·i + 2`, …,
    as many as a day needs.
    """

    calendar: Mapping[str, tuple[Scope, ...]]
    same_day: Mapping[str, tuple[Scope, ...]] = field(default_factory=dict)
    provider: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_PROVIDER))
    numbered: Mapping[str, int] = field(default_factory=dict)
    providers: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # scope id -> its own provider

    def pool_of(self, service: str, channel: str) -> tuple[Scope, ...]:
        """The scopes of a service's slots of a channel (for a numbered map: up to 99)."""
        if service in self.numbered:
            base = 100 * self.numbered[service]
            return tuple(Scope(base + k, service) for k in range(1, 100))
        if channel == "same_day" and service in self.same_day:
            return self.same_day[service]
        try:
            return self.calendar[service]
        except KeyError:
            raise InputError(f"scope map: no scope for service '{service}'") from None


def default_scope_map(services: Iterable[str]) -> ScopeMap:
    """Service `i` (1-based, in the given order) gets scopes 100·i + 1, 100·i + 2, …; short name = id."""
    return ScopeMap(calendar={}, numbered={s: i for i, s in enumerate(services, start=1)})


def parse_scope_map(data: Any, where: str = "scope map") -> ScopeMap:
    """A scope map from JSON data; raises `InputError` naming the offending key.

    Either a flat object ``{"<service>": SCOPES, …}`` or ``{"provider": {…}, "scopes": {…}}``, where
    SCOPES is a scope, a list of scopes (the service's pool, one scope per layer of overlapping
    records), or ``{"calendar": SCOPES, "same_day": SCOPES, "provider": {…}}`` to give the service's
    same-day slots their own pool and its scopes a provider of their own (both optional); a scope is
    an id (number or digits) or ``{"id": …, "shortName": …}``.
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
            provider = _parse_provider(data["provider"], f"{where}.provider")
    else:
        scopes = data
    if not isinstance(scopes, dict) or not scopes:
        raise InputError(f"{where}.scopes: expected an object service id -> scope")
    calendar: dict[str, tuple[Scope, ...]] = {}
    same_day: dict[str, tuple[Scope, ...]] = {}
    own: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for service, entry in scopes.items():
        loc = f"{where}.{service}" if "scopes" not in data else f"{where}.scopes.{service}"
        if isinstance(entry, dict) and ("calendar" in entry or "same_day" in entry):
            extra = set(entry) - {"calendar", "same_day", "provider"}
            if extra or "calendar" not in entry:
                problems.append(f"{loc}: expected 'calendar' and optionally 'same_day' and 'provider'")
                continue
            if "provider" in entry:
                own[service] = _parse_provider(entry["provider"], f"{loc}.provider")
            for channel, target in (("calendar", calendar), ("same_day", same_day)):
                if channel in entry:
                    pool = _parse_pool(entry[channel], service, f"{loc}.{channel}", problems)
                    if pool:
                        target[service] = pool
        else:
            pool = _parse_pool(entry, service, loc, problems)
            if pool:
                calendar[service] = pool
    names: dict[int, str] = {}
    pools: dict[int, tuple[int, ...]] = {}
    providers: dict[int, dict[str, Any]] = {}
    for service, pool in [*calendar.items(), *same_day.items()]:
        ids = tuple(s.id for s in pool)
        for scope in pool:  # the first problem of a service's list is enough to say
            if providers.setdefault(scope.id, own.get(service, provider)) != own.get(service, provider):
                problems.append(f"{where}: scope {scope.id} has two providers (at '{service}')")
                break
            if names.setdefault(scope.id, scope.short_name) != scope.short_name:
                problems.append(
                    f"{where}: scope {scope.id} has two short names, "
                    f"'{names[scope.id]}' and '{scope.short_name}' (at '{service}')"
                )
                break
            if pools.setdefault(scope.id, ids) != ids:
                problems.append(
                    f"{where}: scope {scope.id} is in two different lists of scopes "
                    f"{list(pools[scope.id])} and {list(ids)} (at '{service}'); services that "
                    "share scopes must share the whole list"
                )
                break
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    return ScopeMap(
        calendar=calendar,
        same_day=same_day,
        provider=provider,
        providers={i: p for i, p in providers.items() if p is not provider},
    )


def _parse_provider(given: Any, loc: str) -> dict[str, Any]:
    if not isinstance(given, dict) or not {"id", "source", "name"} <= set(given):
        raise InputError(f"{loc}: expected an object with id, source and name")
    if not _is_zms_id(given["id"]):
        raise InputError(f"{loc}.id: {given['id']!r} is not a number")
    return dict(given) | {"id": int(given["id"])}


def load_scope_map(path: str | Path) -> ScopeMap:
    """Read a scope map JSON file (see `parse_scope_map`)."""
    return parse_scope_map(read_json(path), str(path))


def _parse_pool(entry: Any, service: str, loc: str, problems: list[str]) -> tuple[Scope, ...]:
    items = entry if isinstance(entry, list) else [entry]
    if not items:
        problems.append(f"{loc}: expected at least one scope")
        return ()
    pool = [
        _parse_scope(item, service, f"{loc}[{i}]" if isinstance(entry, list) else loc, problems)
        for i, item in enumerate(items)
    ]
    found = tuple(s for s in pool if s is not None)
    if len({s.id for s in found}) < len(found):
        problems.append(f"{loc}: a scope is listed twice")
    return found


def _is_zms_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return (isinstance(value, int) and value >= 0) or (isinstance(value, str) and bool(_NUMERIC.match(value)))


def _parse_scope(entry: Any, service: str, loc: str, problems: list[str]) -> Scope | None:
    if isinstance(entry, dict):
        if "id" not in entry or set(entry) - {"id", "shortName"}:
            problems.append(f'{loc}: expected a scope id or {{"id": …, "shortName": …}}')
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
class Record:
    """One availability record before it is written: `count` appointments at every grid step
    `start, start + slot_time, …` of `[start, end)` on `date`, released on `release_day` at `start`."""

    date: dt.date
    pool: tuple[Scope, ...]
    channel: str  # "calendar" or "same_day"
    start: int
    first: int  # the first planned slot; `start < first` is a same-day lead-in
    end: int
    slot_time: int
    count: int
    release_day: dt.date
    slots: tuple[str, ...]  # the plan's slot ids, in start order
    services: tuple[str, ...]


@dataclass(frozen=True)
class Placed:
    """A record with its scope (the layer of the pool it was coloured into)."""

    record: Record
    scope: Scope


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


def same_day_lead(duration: int) -> int:
    """Minutes a same-day record starts before its first slot: the shortest whole number of slots that
    reaches ZMS's 30-minute online lead, so that ZMS never offers the lead-in online."""
    return duration * math.ceil(ONLINE_LEAD_MIN / duration)


def _release(s: Slot) -> tuple[dt.date, int]:
    day, clock = s.release_at[:10], s.release_at[11:16]
    return dt.date.fromisoformat(day), int(clock[:2]) * 60 + int(clock[3:5])


def day_records(plan: Plan, scopes: ScopeMap, horizon: int, length: Mapping[str, int]) -> list[Record]:
    """The records of one plan, before they get scopes (see the module docstring)."""
    groups: dict[tuple[tuple[Scope, ...], str, str], list[Slot]] = defaultdict(list)
    for s in plan.slots:
        pool = scopes.pool_of(s.service, s.channel)
        key = (pool, s.channel, s.release_at)
        groups[key].append(s)
    out: list[Record] = []
    for (pool, channel, _), slots in sorted(groups.items(), key=lambda kv: (kv[0][0][0].id, *kv[0][1:])):
        durations = {length[s.service] for s in slots}
        if len(durations) > 1:
            services = sorted({s.service for s in slots})
            raise InputError(
                f"scope map: services {', '.join(services)} share scope {pool[0].id} but last "
                f"{sorted(durations)} minutes; ZMS checks every record of a scope against the "
                "slot length of the others: give them scopes of their own"
            )
        (d,) = durations
        if any(s.end - s.start != d for s in slots):
            raise InputError(f"plan {plan.date}: a slot of {slots[0].service} is not {d} minutes long")
        if channel == "calendar":
            out += _calendar_records(plan.date, pool, slots, d, horizon)
        else:
            out += _same_day_records(plan.date, pool, slots, d)
    return out


def _calendar_records(date: dt.date, pool: tuple[Scope, ...], slots: list[Slot], d: int, horizon: int) -> list[Record]:
    """Per phase (start modulo d): maximal runs of consecutive grid steps with the same slot count."""
    release_day, release_clock = _release(slots[0])
    by_start: dict[int, list[Slot]] = defaultdict(list)
    for s in slots:
        by_start[s.start].append(s)
    out = []
    for phase in sorted({t % d for t in by_start}):
        steps = sorted(t for t in by_start if t % d == phase)
        run: list[int] = []
        for t in [*steps, None]:
            if run and (t is None or t != run[-1] + d or len(by_start[t]) != len(by_start[run[0]])):
                start = run[0]
                # ZMS releases at the record's start on the horizon day: never before release_at
                day = max(date - dt.timedelta(days=horizon), release_day)
                if day == release_day and start < release_clock:
                    day += dt.timedelta(days=1)
                ids = tuple(s.id for u in run for s in sorted(by_start[u], key=lambda s: s.id))
                out.append(
                    Record(
                        date,
                        pool,
                        "calendar",
                        start,
                        start,
                        run[-1] + d,
                        d,
                        len(by_start[start]),
                        day,
                        ids,
                        tuple(sorted({s.service for u in run for s in by_start[u]})),
                    )
                )
                run = []
            if t is not None:
                run.append(t)
    return out


def _same_day_records(date: dt.date, pool: tuple[Scope, ...], slots: list[Slot], d: int) -> list[Record]:
    """Chains of back-to-back slots (a chain goes on with the oldest one that ends at a slot's start,
    so that late chains end first); chains with equal span share a record, which starts with its lead-in
    at the release moment at the earliest."""
    release_day, release = _release(slots[0])
    chains: list[list[Slot]] = []
    for s in sorted(slots, key=lambda s: (s.start, s.id)):
        open_ = [c for c in chains if c[-1].end == s.start]
        if open_:
            min(open_, key=lambda c: (c[0].start, c[0].id)).append(s)
        else:
            chains.append([s])
    spans: dict[tuple[int, int], list[list[Slot]]] = defaultdict(list)
    for c in chains:
        spans[(c[0].start, c[-1].end)].append(c)
    out = []
    for (first, end), members in sorted(spans.items()):
        lead = min(same_day_lead(d), (first - release) // d * d) if first >= release else 0
        start = first - max(lead, 0)
        ids = tuple(s.id for step in zip(*members) for s in sorted(step, key=lambda s: s.id))
        out.append(
            Record(
                date,
                pool,
                "same_day",
                start,
                first,
                end,
                d,
                len(members),
                release_day,
                ids,
                tuple(sorted({s.service for c in members for s in c})),
            )
        )
    return out


def place(records: Sequence[Record]) -> list[Placed]:
    """Colour each day's records of a pool into its scopes: a record goes to the first scope whose
    last record ends by its start (interval partitioning, the fewest scopes). Raises `InputError`
    when a pool has fewer scopes than a day needs."""
    out: list[Placed] = []
    by_pool: dict[tuple[dt.date, tuple[Scope, ...]], list[Record]] = defaultdict(list)
    for r in records:
        by_pool[(r.date, r.pool)].append(r)
    for (date, pool), group in by_pool.items():
        ends: list[int] = []
        for r in sorted(group, key=lambda r: (r.start, r.end, r.channel, r.first)):
            layer = next((i for i, e in enumerate(ends) if e <= r.start), len(ends))
            if layer == len(ends):
                ends.append(r.end)
            ends[layer] = r.end
            if layer >= len(pool):
                need = len(_layers(group))
                services = sorted({s for r in group for s in r.services})
                raise InputError(
                    f"scope map: {', '.join(services)} needs {need} scopes on {date} "
                    f"(records that overlap in time), the map gives {len(pool)} "
                    f"({', '.join(str(s.id) for s in pool)})"
                )
            out.append(Placed(r, pool[layer]))
    return out


def _layers(group: Sequence[Record]) -> list[int]:
    ends: list[int] = []
    for r in sorted(group, key=lambda r: (r.start, r.end)):
        layer = next((i for i, e in enumerate(ends) if e <= r.start), len(ends))
        if layer == len(ends):
            ends.append(r.end)
        ends[layer] = r.end
    return ends


def _prepare(
    plans: Sequence[Plan],
    timezone: str,
    horizon_days: int | None,
    scope_map: ScopeMap | None,
    services: Sequence[str] | None,
    durations: Mapping[str, int] | None,
) -> tuple[list[Plan], list[Placed], ScopeMap, int]:
    plans = sorted(plans, key=lambda p: p.date)
    offices = {p.office for p in plans}
    if len(offices) > 1:
        raise InputError(
            f"plans: {len(offices)} offices ({', '.join(sorted(offices))}); a ZMS export "
            "holds one office's scopes, export them one at a time"
        )
    dates = [p.date for p in plans]
    if len(set(dates)) < len(dates):
        raise InputError("plans: two plans of the same date")
    _zone(timezone)
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
    records = [r for p in plans for r in day_records(p, scope_map, horizon, length)]
    return plans, place(records), scope_map, horizon


def zms_records(
    plans: Sequence[Plan],
    *,
    timezone: str = "Europe/Berlin",
    horizon_days: int | None = None,
    scope_map: ScopeMap | None = None,
    services: Sequence[str] | None = None,
    durations: Mapping[str, int] | None = None,
    provider_name: str | None = None,
) -> list[dict[str, Any]]:
    """ZMS availability records (JSON-ready dicts) for the plans of one office.

    `timezone` is the office's zone (startDate/endDate are local midnights); `horizon_days` the
    calendar booking horizon (default: derived from the calendar slots' `release_at`);
    `scope_map` the scopes (default: `default_scope_map` in the order of `services`, else sorted);
    `durations` the service durations (default: from the slots).
    """
    plans, placed, scope_map, _ = _prepare(plans, timezone, horizon_days, scope_map, services, durations)
    default = dict(scope_map.provider)
    if not default.get("name"):
        default["name"] = provider_name or (plans[0].office if plans else "")
    records = []
    for item in sorted(placed, key=lambda x: (x.record.date, x.scope.id, x.record.start)):
        r = item.record
        end_in = (r.date - r.release_day).days
        # on the last bookable day ZMS releases at startTime only when the record ends later (see docs)
        end_date = r.date + dt.timedelta(days=1) if end_in == 0 else r.date
        lead = f", lead-in from {hhmm(r.start)}" if r.start < r.first else ""
        records.append(
            {
                "type": "appointment",
                "scope": {
                    "id": item.scope.id,
                    "shortName": item.scope.short_name,
                    "provider": dict(scope_map.providers.get(item.scope.id, default)),
                },
                "description": f"slotplan {plans[0].office} {r.date}: {', '.join(r.services)} {r.channel}, "
                f"online from {r.release_day} {hhmm(r.start)}{lead}",
                "startDate": day_timestamp(r.date, timezone),
                "endDate": day_timestamp(end_date, timezone),
                "startTime": hhmm(r.start),
                "endTime": "23:59" if r.end >= 24 * 60 else hhmm(r.end),
                "weekday": {name: i == r.date.weekday() for i, name in enumerate(WEEKDAY_NAMES)},
                "repeat": {"afterWeeks": 0, "weekOfMonth": 0},
                "bookable": {"startInDays": 0, "endInDays": end_in},
                "workstationCount": {"public": r.count, "intern": r.count},
                "slotTimeInMinutes": r.slot_time,
                "multipleSlotsAllowed": False,
            }
        )
    return records


def zms_export(plans: Sequence[Plan], **options: Any) -> bytes:
    """`zms_records` as UTF-8 JSON (a list), one record per line block, ending in a newline."""
    return (json.dumps(zms_records(plans, **options), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


RELEASE_COLUMNS = [
    "id",
    "date",
    "start",
    "service",
    "channel",
    "release_at",
    "zms_scope",
    "zms_online_from",
    "zms_online_until",
    "exact",
    "note",
]


def zms_release_rows(
    plans: Sequence[Plan],
    *,
    timezone: str = "Europe/Berlin",
    horizon_days: int | None = None,
    scope_map: ScopeMap | None = None,
    services: Sequence[str] | None = None,
    durations: Mapping[str, int] | None = None,
    provider_name: str | None = None,
) -> list[dict[str, str]]:
    """Per slot: the scope ZMS books it in and when ZMS offers it online, against the plan's `release_at`.

    `exact` is "true" when ZMS puts the slot online exactly at `release_at`; otherwise `note` says
    why: ZMS releases a record at its start time, and never offers a slot online less than 30 minutes
    ahead (such a slot is bookable by staff only). ZMS never offers a slot before `release_at`.
    Options as for `zms_records` (`provider_name` is not used).
    """
    plans, placed, _, _ = _prepare(plans, timezone, horizon_days, scope_map, services, durations)
    where = {slot_id: item for item in placed for slot_id in item.record.slots}
    rows = []
    for p in plans:
        for s in sorted(p.slots, key=lambda s: (s.start, s.counter, s.id)):
            item = where[s.id]
            r = item.record
            online_from = dt.datetime.combine(r.release_day, dt.time(r.start // 60, r.start % 60))
            online_until = dt.datetime.combine(s.date, dt.time(0)) + dt.timedelta(minutes=s.start - ONLINE_LEAD_MIN)
            planned = dt.datetime.fromisoformat(s.release_at)
            shown = (online_from.isoformat(timespec="minutes"), online_until.isoformat(timespec="minutes"))
            if online_from > online_until:
                shown = ("", "")
                note = (
                    f"never online: ZMS offers slots online only {ONLINE_LEAD_MIN} minutes ahead, the "
                    f"plan releases this one {s.start - _release(s)[1]} minutes ahead; bookable by staff"
                )
            elif online_from == planned:
                note = ""
            elif s.channel == "calendar":
                note = f"ZMS releases the record at its start time {hhmm(r.start)} on {r.release_day}"
            else:
                note = (
                    f"ZMS releases the record at its start time {hhmm(r.start)}, "
                    f"{r.first - r.start} minutes before its first slot at {hhmm(r.first)}"
                )
            rows.append(
                {
                    "id": s.id,
                    "date": s.date.isoformat(),
                    "start": hhmm(s.start),
                    "service": s.service,
                    "channel": s.channel,
                    "release_at": s.release_at,
                    "zms_scope": str(item.scope.id),
                    "zms_online_from": shown[0],
                    "zms_online_until": shown[1],
                    "exact": "true" if online_from == planned and shown[0] else "false",
                    "note": note,
                }
            )
    return rows


def zms_release_csv(plans: Sequence[Plan], sep: str = ";", **options: Any) -> bytes:
    """`zms_release_rows` as CSV bytes (UTF-8 with BOM, CRLF), like the slot CSV."""
    from .csv_export import write_csv  # late: csv_export does not need ZMS

    return write_csv(
        RELEASE_COLUMNS, [[row[c] for c in RELEASE_COLUMNS] for row in zms_release_rows(plans, **options)], sep=sep
    )


def release_summary(rows: Sequence[Mapping[str, str]]) -> Counter[str]:
    """Counts of a release report: slots, exact, late, staff-only."""
    out: Counter[str] = Counter(slots=len(rows))
    for row in rows:
        kind = "exact" if row["exact"] == "true" else "late" if row["zms_online_from"] else "staff_only"
        out[kind] += 1
    return out
