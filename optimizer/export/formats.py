"""One entry point for the booking-system exports: `export_bytes(plans, fmt, …) -> bytes`.

Used by `slotplan export` and by `slotplan plan --export zms,ics,csv`. Pure: callers write the
bytes (atomically, through `optimizer.atomic.write_atomic`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from ..errors import InputError
from ..plan import Plan
from ..scenario import Scenario
from .csv_export import csv_export
from .ics import ics_export
from .zms import ScopeMap, zms_export, zms_release_csv

Format = Literal["zms", "zms-release", "ics", "csv"]
FORMATS: tuple[str, ...] = ("zms", "zms-release", "ics", "csv")
SUFFIXES = {"zms": ".zms.json", "zms-release": ".zms-release.csv", "ics": ".ics", "csv": ".csv"}


def parse_formats(text: str) -> list[str]:
    """`"zms,ics"` -> `["zms", "ics"]`; raises `InputError` for an unknown or empty format."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"--export: unknown format {', '.join(unknown) or repr(text)} (use {', '.join(FORMATS)})")
    return list(dict.fromkeys(formats))


def export_filename(plans: Sequence[Plan], fmt: str) -> str:
    """`<office>_<date>.zms.json`, or `<office>_<first>_<last>.ics` for several dates."""
    offices = sorted({p.office for p in plans}) or ["plan"]
    dates = sorted({p.date for p in plans})
    span = dates[0].isoformat() if len(dates) == 1 else f"{dates[0]}_{dates[-1]}" if dates else "empty"
    return f"{'+'.join(offices)}_{span}{SUFFIXES[fmt]}"


def export_bytes(
    plans: Sequence[Plan],
    fmt: str,
    *,
    scenario: Scenario | None = None,
    scope_map: ScopeMap | None = None,
    sep: str = ";",
    timezone: str | None = None,
    horizon_days: int | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The plans in format `fmt` ("zms", "zms-release", "ics" or "csv") as bytes.

    With a `scenario`, its office timezone, `policy.calendar_horizon_days`, service names (ICS
    summaries, CSV `service_name`), service order and durations are used; `timezone` and
    `horizon_days` override them. Without one, the timezone defaults to Europe/Berlin and the
    horizon is derived from the calendar slots' `release_at`. `scope_map` is for ZMS only (default:
    a pool of scopes per service) and "zms-release" (when ZMS puts each slot online), `sep` for the
    CSVs, `stamp` (ICS DTSTAMP) for ICS only.
    Raises `InputError` for a plan of another office than the scenario's, or bad options.
    """
    if fmt not in FORMATS:
        raise InputError(f"--format: unknown format {fmt!r} (use {', '.join(FORMATS)})")
    names = None
    if scenario is not None:
        others = sorted({p.office for p in plans} - {scenario.office.id})
        if others:
            raise InputError(f"plans: office {others[0]!r} is not the scenario's office {scenario.office.id!r}")
        names = {t.id: t.name for t in scenario.service_types}
        timezone = timezone or scenario.office.timezone
        if horizon_days is None:
            horizon_days = scenario.policy.calendar_horizon_days
    timezone = timezone or "Europe/Berlin"
    if fmt in ("zms", "zms-release"):
        options = {
            "timezone": timezone,
            "horizon_days": horizon_days,
            "scope_map": scope_map,
            "services": [t.id for t in scenario.service_types] if scenario else None,
            "durations": {t.id: t.duration_min for t in scenario.service_types} if scenario else None,
            "provider_name": scenario.office.name if scenario else None,
        }
        return zms_export(plans, **options) if fmt == "zms" else zms_release_csv(plans, sep=sep, **options)
    if fmt == "ics":
        return ics_export(plans, timezone=timezone, names=names, stamp=stamp)
    return csv_export(plans, names=names, sep=sep)
