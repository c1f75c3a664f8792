"""Run ZMS's own PHP classes (zmsentities of it-at-m/eappointment) on a ZMS export and count what ZMS
offers online, slot by slot. Used by tests/test_zms_php.py and benchmarks/zms_bookable.py.

The ZMS source is never part of this repository: `tests/zms/fetch_source.sh` (run by .ci/run) extracts
zmsentities at the commit in `tests/zms/COMMIT` from a local mirror into a cache directory, and
`zms_source()` finds it there or under $SLOTPLAN_ZMS_SOURCE. Debian 12's PHP is 8.2, and zmsentities
uses typed class constants (`public const string PRIMARY`, PHP 8.3); `adapted_copy()` removes those
types in a temporary copy, the only change made to ZMS's code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer.clock import hhmm
from optimizer.plan import Plan

HERE = Path(__file__).resolve().parent / "zms"
COMMIT = (HERE / "COMMIT").read_text(encoding="utf-8").strip()
CHECK_PHP = HERE / "check.php"
_TYPED_CONST = re.compile(r"\bconst\s+(?:string|int|float|bool|array)\s+(?=[A-Z_][A-Z0-9_]*\s*=)")
_DESCRIPTION = re.compile(r"^slotplan \S+ \S+: (.+?) (calendar|same_day)\b")


def zms_source() -> Path | None:
    """The directory holding `zmsentities/` at the pinned commit, or None."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = cache_home / "slotplan" / f"eappointment-{COMMIT}"
    for candidate in (os.environ.get("SLOTPLAN_ZMS_SOURCE"), cache):
        if candidate and (Path(candidate) / "zmsentities/src/Zmsentities/Availability.php").exists():
            return Path(candidate)
    return None


def missing_tools() -> str | None:
    """Why the ZMS check cannot run here, or None."""
    if shutil.which("php") is None:
        return "PHP is not installed (apt-get install php-cli php-mbstring; .ci/run does)"
    if shutil.which("faketime") is None:
        return "faketime is not installed (apt-get install faketime; .ci/run does)"
    if zms_source() is None:
        return (
            f"ZMS source (zmsentities at {COMMIT[:10]}) not found: set SLOTPLAN_ZMS_SOURCE or run "
            "tests/zms/fetch_source.sh"
        )
    return None


def adapted_copy(source: Path, target: Path) -> Path:
    """zmsentities/src in `target`, with PHP 8.3 typed class constants made untyped for PHP 8.2."""
    src = source / "zmsentities" / "src" / "Zmsentities"
    out = target / "Zmsentities"
    for path in src.rglob("*.php"):
        dest = out / path.relative_to(src)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(_TYPED_CONST.sub("const ", path.read_text(encoding="utf-8")), encoding="utf-8")
    return out


def run_php(src: Path, work: Path, payload: dict, today: dt.datetime) -> dict:
    """check.php on `payload`, with PHP's clock set to `today` (ZMS's validators compare with 'now')."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "input.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run(
        [
            "faketime",
            today.strftime("%Y-%m-%d %H:%M:%S"),
            "php",
            "-d",
            "memory_limit=1G",
            str(CHECK_PHP),
            str(src),
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TZ": "UTC"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"check.php failed ({done.returncode}): {done.stderr[-3000:]}")
    return json.loads(done.stdout)


def pools(records: Sequence[Mapping]) -> dict[str, tuple[int, ...]]:
    """Service -> the scope ids whose records carry it (read from the records' descriptions); services
    whose scopes meet are merged into one pool, since ZMS cannot tell their slots apart."""
    scopes_of: dict[str, set[int]] = defaultdict(set)
    for r in records:
        m = _DESCRIPTION.match(r["description"])
        assert m, r["description"]
        for service in m.group(1).split(", "):
            scopes_of[service].add(int(r["scope"]["id"]))
    groups: list[tuple[set[str], set[int]]] = []
    for service, ids in scopes_of.items():
        meeting = [g for g in groups if g[1] & ids]
        groups = [g for g in groups if not g[1] & ids]
        groups.append(({service}.union(*(g[0] for g in meeting)), set(ids).union(*(g[1] for g in meeting))))
    return {s: tuple(sorted(ids)) for services, ids in groups for s in services}


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(second=0, tzinfo=None)


@dataclass
class DayResult:
    date: dt.date
    records: int
    slots: int
    booked: int = 0  # slots ZMS offers online at their time (see `evaluate`)
    early: int = 0  # appointments ZMS offers online one minute before the plan releases them
    extra: int = 0  # appointments ZMS offers beyond the plan's at a checked moment
    report_mismatch: int = 0  # (time, moment) where ZMS's offer differs from the release report


def evaluate(
    plans: Sequence[Plan],
    records: Sequence[Mapping],
    durations: Mapping[str, int],
    work: Path,
    src: Path,
    report: Iterable[Mapping[str, str]] | None = None,
    timezone: str = "Europe/Berlin",
) -> tuple[list[DayResult], dict]:
    """ZMS's view of `records`, per day of `plans`.

    ZMS is asked, for every start time of a service's slots, how many appointments it offers online
    at that time at a few moments: noon of the day before (when calendar slots are online), each
    `release_at` and the minute before it, and with a `report` each reported release and the minute
    before it. *booked*: slots at that time up to the most appointments ZMS offers at one of these
    moments (ZMS offers them at their time). *extra*: appointments beyond the plan's slots at that time.
    *early*: at one minute before a `release_at`, appointments beyond those the plan has released.
    *report_mismatch*: with a release `report` (zms_release_rows), moments at which ZMS's offer differs
    from the report's (`zms_online_from` <= moment <= `zms_online_until`). Also returns the errors of
    the `POST /availability/` validators and of ZMS's overlap check.
    """
    pool_of = pools(records)
    slots_at: dict[tuple, list] = defaultdict(list)
    for p in plans:
        for s in p.slots:
            slots_at[(s.date, pool_of[s.service], s.start)].append(s)
    rep = {row["id"]: row for row in report} if report is not None else None
    moments: dict[tuple, set[dt.datetime]] = defaultdict(set)
    for (date, pool, start), group in slots_at.items():
        for s in group:
            release = _moment(s.release_at)
            noon = dt.datetime.combine(date - dt.timedelta(days=1), dt.time(12))
            moments[(date, pool, start)] |= {noon, release, release - dt.timedelta(minutes=1)}
            if rep is not None and rep[s.id]["zms_online_from"]:
                online = _moment(rep[s.id]["zms_online_from"])
                moments[(date, pool, start)] |= {online, online - dt.timedelta(minutes=1)}
    queries, keys = [], []
    for (date, pool, start), ms in sorted(moments.items()):
        duration = durations[slots_at[(date, pool, start)][0].service]
        for m in sorted(ms):
            keys.append((date, pool, start, m))
            queries.append(
                {
                    "scopes": list(pool),
                    "date": date.isoformat(),
                    "time": hhmm(start),
                    "now": m.strftime("%Y-%m-%d %H:%M:%S"),
                    "duration": duration,
                }
            )
    dates = sorted({p.date for p in plans})
    scopes = sorted({int(r["scope"]["id"]) for r in records})
    posts = [{"scope": scope, "selectedDate": d.isoformat()} for scope in scopes for d in dates]
    earliest = min((_moment(s.release_at) for p in plans for s in p.slots), default=dt.datetime(2000, 1, 1))
    payload = {
        "timezone": timezone,
        "records": list(records),
        "queries": queries,
        "posts": posts,
        "conflicts": {"from": dates[0].isoformat(), "to": (dates[-1] + dt.timedelta(days=1)).isoformat()},
    }
    # upload the day before the first release, as an office would
    answer = run_php(src, work, payload, today=earliest - dt.timedelta(hours=20))
    capacity = dict(zip(keys, answer["capacity"]))

    results = {
        d: DayResult(
            d,
            sum(1 for r in records if _record_date(r, timezone) == d),
            sum(len(p.slots) for p in plans if p.date == d),
        )
        for d in dates
    }
    for (date, pool, start), group in slots_at.items():
        day = results[date]
        offered = {m: capacity[(date, pool, start, m)] for m in moments[(date, pool, start)]}
        day.booked += min(len(group), max(offered.values()))
        day.extra += max(0, max(offered.values()) - len(group))
        for m in {_moment(s.release_at) - dt.timedelta(minutes=1) for s in group}:
            day.early += max(0, offered[m] - sum(1 for s in group if _moment(s.release_at) <= m))
        if rep is not None:
            for m, count in offered.items():
                reported = sum(
                    1
                    for s in group
                    if rep[s.id]["zms_online_from"]
                    and _moment(rep[s.id]["zms_online_from"]) <= m <= _moment(rep[s.id]["zms_online_until"])
                )
                day.report_mismatch += count != reported
    errors = {"posts": [e for errs in answer["posts"] for e in errs], "conflicts": answer["conflicts"]}
    return [results[d] for d in dates], errors


def _record_date(record: Mapping, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(record["startDate"], ZoneInfo(timezone)).date()
