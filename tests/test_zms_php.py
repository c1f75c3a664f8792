"""ZMS's own code on our ZMS export of the sample week: every slot is one appointment ZMS offers online at
its time (or, where ZMS's rules forbid it, the release report says so), never before `release_at`, and
ZMS's schema, the validators of `POST /availability/` and its overlap check find nothing.

Runs ZMS's zmsentities (it-at-m/eappointment at tests/zms/COMMIT) with Debian's PHP through
tests/zms/check.php; see tests/zms_support.py for the setup (typed class constants removed for PHP 8.2)
and why ZMS's schema is checked with Python's jsonschema (opis/json-schema is not packaged by Debian).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from test_export import sample_week, split_map, week_cache
from zms_support import adapted_copy, evaluate, missing_tools, zms_source

from optimizer.export.formats import export_bytes
from optimizer.export.zms import same_day_lead

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))


@pytest.fixture(scope="module")
def zms_src(tmp_path_factory) -> Path:
    return adapted_copy(zms_source(), tmp_path_factory.mktemp("zmsentities"))


@pytest.fixture(scope="module")
def week(request):
    return sample_week(week_cache(request.config))


def report_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("mapping", ["default", "split"])
def test_zms_books_every_slot_at_its_time_and_release(week, zms_src, tmp_path, mapping):
    scenario, plans = week
    scope_map = split_map(scenario) if mapping == "split" else None
    plans = plans if mapping == "default" else plans[:2]  # the split map on two days: enough, and faster
    records = json.loads(export_bytes(plans, "zms", scenario=scenario, scope_map=scope_map))
    rows = report_rows(export_bytes(plans, "zms-release", scenario=scenario, scope_map=scope_map))
    durations = {t.id: t.duration_min for t in scenario.service_types}
    days, errors = evaluate(plans, records, durations, tmp_path, zms_src, rows, scenario.office.timezone)

    assert errors == {"posts": [], "conflicts": []}
    never = {}
    for row in rows:
        release, start = dt.datetime.fromisoformat(row["release_at"]), dt.time.fromisoformat(row["start"])
        if row["zms_online_from"]:
            online = dt.datetime.fromisoformat(row["zms_online_from"])
            assert online >= release, row  # never a minute earlier than the plan
            assert (row["exact"] == "true") == (online == release)
            if row["channel"] == "calendar":
                assert online.date() == release.date(), row  # online from the horizon day
        else:  # ZMS's 30-minute rule: only a same-day slot released too close to its start
            gap = dt.datetime.combine(release.date(), start) - release
            assert row["channel"] == "same_day" and gap < dt.timedelta(
                minutes=same_day_lead(durations[row["service"]])
            ), row
            never[row["date"]] = never.get(row["date"], 0) + 1
    for day in days:
        assert (day.early, day.extra, day.report_mismatch) == (0, 0, 0), day
        assert day.booked == day.slots - never.get(day.date.isoformat(), 0), day
    assert sum(d.booked for d in days) > 0.8 * sum(d.slots for d in days)


def test_the_check_sees_a_wrong_record(week, zms_src, tmp_path):
    """One workstation too many, and a same-day record without the later end date (ZMS then releases
    it at midnight): the ZMS check must notice both."""
    scenario, plans = week
    plan = plans[0]
    records = json.loads(export_bytes([plan], "zms", scenario=scenario))
    rows = report_rows(export_bytes([plan], "zms-release", scenario=scenario))
    durations = {t.id: t.duration_min for t in scenario.service_types}
    records[0]["workstationCount"] = {k: v + 1 for k, v in records[0]["workstationCount"].items()}
    for r in records:
        if r["bookable"]["endInDays"] == 0:
            r["endDate"] = r["startDate"]
    (day,), _ = evaluate([plan], records, durations, tmp_path, zms_src, rows, scenario.office.timezone)
    assert day.extra > 0 and day.early > 0 and day.report_mismatch > 0


def test_the_export_passes_zms_schema(week):
    """ZMS's own availability schema at the pinned commit (opis/json-schema's default draft 2020-12)."""
    scenario, plans = week
    schema_dir = zms_source() / "zmsentities" / "schema"
    registry = Registry().with_resources(
        (
            path.name,
            Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012),
        )
        for path in schema_dir.glob("*.json")
    )
    schema = json.loads((schema_dir / "availability.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, registry=registry)
    for mapping, days in ((None, plans), (split_map(scenario), plans[:2])):
        records = json.loads(export_bytes(days, "zms", scenario=scenario, scope_map=mapping))
        for i, record in enumerate(records):
            errors = sorted(validator.iter_errors(record), key=str)
            assert not errors, f"record {i}: {errors[0].message} at {list(errors[0].absolute_path)}"
