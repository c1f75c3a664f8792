"""Exports of the sample week: ZMS availability (schema, no overlaps, capacity), ICS round trip, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from typer.testing import CliRunner

from optimizer.atomic import write_atomic
from optimizer.cli.main import app
from optimizer.clock import hhmm, parse_hhmm
from optimizer.day.solution import SolveOptions
from optimizer.errors import InfeasibleError, InputError
from optimizer.export.cells import is_risky, safe_text
from optimizer.export.csv_export import csv_export, write_csv
from optimizer.export.formats import export_bytes, export_filename, parse_formats
from optimizer.export.ics import ics_export
from optimizer.export.zms import (
    ScopeMap,
    day_records,
    default_scope_map,
    parse_scope_map,
    same_day_lead,
    zms_records,
)
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
ZMS_SPEC = Path(os.environ.get("SLOTPLAN_SHARED", ROOT.parent / "shared")) / "spec" / "zms"
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def midnight(date: dt.date) -> int:
    return int(dt.datetime.combine(date, dt.time(0), tzinfo=BERLIN).timestamp())


def _code_key() -> str:
    """Changes whenever the sample scenario or the planner's code changes."""
    digest = hashlib.sha256(SAMPLE.read_bytes())
    for path in sorted((ROOT / "optimizer").rglob("*.py")):
        if path.parent.name in ("cli", "export", "publish", "service"):
            continue  # not the planner
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def sample_week(cache_dir: Path | None = None) -> tuple[Scenario, tuple[Plan, ...]]:
    """The sample scenario and a plan of each of its days, shared by the test modules.

    Short solves (export and publish tests need real plans, not good ones); kept in `cache_dir`
    (pytest's cache) under a key of the scenario and the planner's code, so reruns skip the solver.
    """
    scenario = load_scenario(SAMPLE)
    folder = cache_dir / _code_key() if cache_dir is not None else None
    plans = []
    for day in scenario.dates():
        cached = folder / f"{day}.json" if folder is not None else None
        if cached is not None and cached.exists():
            plans.append(Plan.model_validate_json(cached.read_bytes()))
            continue
        try:
            plan = plan_day(scenario, day, SolveOptions(time_limit_s=3, workers=2))
        except InfeasibleError:  # a loaded machine found nothing in time: once more, longer
            plan = plan_day(scenario, day, SolveOptions(time_limit_s=15, workers=2))
        if cached is not None:
            write_atomic(cached, plan.to_json())
        plans.append(plan)
    return scenario, tuple(plans)


def week_cache(config: pytest.Config) -> Path | None:
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    return cache.mkdir("slotplan-sample-week") if cache is not None else None


@pytest.fixture(scope="session")
def week(request) -> tuple[Scenario, tuple[Plan, ...]]:
    return sample_week(week_cache(request.config))


@pytest.fixture(scope="session")
def availability_validator() -> Draft4Validator:
    if not (ZMS_SPEC / "availability.json").exists():
        pytest.skip(f"validates against the ZMS schemas in ../shared/spec/zms, not found under {ZMS_SPEC}")
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4))
        for path in ZMS_SPEC.glob("*.json")
    )
    schema = json.loads((ZMS_SPEC / "availability.json").read_text(encoding="utf-8"))
    return Draft4Validator(schema, registry=registry)


def split_map(scenario: Scenario) -> ScopeMap:
    """Service i gets calendar scopes 10000 + 100·i + k and same-day scopes 20000 + 100·i + k (k < 30)."""
    return parse_scope_map(
        {
            "provider": {"id": 122280, "source": "dldb", "name": "Ausländerbehörde"},
            "scopes": {
                t.id: {
                    "calendar": [10000 + 100 * i + k for k in range(30)],
                    "same_day": [{"id": str(20000 + 100 * i + k), "shortName": f"{t.id} heute"} for k in range(30)],
                }
                for i, t in enumerate(scenario.service_types)
            },
        }
    )


def staff_pattern(scenario: Scenario) -> re.Pattern[str]:
    words = [p.id for p in scenario.staff] + [p.name for p in scenario.staff if p.name]
    return re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words))


# ---------------------------------------------------------------------------------------- ZMS


def zms_of(plans, scenario, scope_map=None) -> list[dict]:
    return json.loads(export_bytes(plans, "zms", scenario=scenario, scope_map=scope_map))


@pytest.mark.parametrize("mapping", ["default", "split"])
def test_zms_week_validates_against_the_schema(week, availability_validator, mapping):
    scenario, plans = week
    records = zms_of(plans, scenario, split_map(scenario) if mapping == "split" else None)
    assert records
    for i, record in enumerate(records):
        errors = sorted(availability_validator.iter_errors(record), key=str)
        assert not errors, f"record {i}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_the_schema_check_resolves_refs(availability_validator):
    """A scope without its provider breaks scope.json, reached only through the `$ref`."""
    good = {
        "startDate": 0,
        "endDate": 0,
        "type": "appointment",
        "weekday": {"monday": True},
        "scope": {"id": 1, "shortName": "x", "provider": {"id": 1, "source": "s", "name": "n"}},
    }
    availability_validator.validate(good)
    with pytest.raises(ValidationError):
        availability_validator.validate({**good, "scope": {"id": 1, "shortName": "x"}})
    with pytest.raises(ValidationError):
        availability_validator.validate({**good, "scope": {**good["scope"], "id": "C01"}})


def by_scope_day(records):
    groups = defaultdict(list)
    for r in records:
        groups[(str(r["scope"]["id"]), r["startDate"])].append(r)
    return groups


@pytest.mark.parametrize("mapping", ["default", "split"])
def test_zms_records_of_one_scope_never_overlap(week, mapping):
    scenario, plans = week
    records = zms_of(plans, scenario, split_map(scenario) if mapping == "split" else None)
    for (scope, day), group in by_scope_day(records).items():
        spans = sorted((parse_hhmm(r["startTime"]), parse_hhmm(r["endTime"]), r) for r in group)
        for (_s1, e1, r1), (s2, _e2, r2) in itertools.pairwise(spans):
            assert e1 <= s2, f"scope {scope} on {day}: {r1['startTime']}-{r1['endTime']} overlaps {r2['startTime']}"


def test_zms_record_grids_are_the_plans_slots(week):
    """Every slot is one grid step of one record (slot length = duration), no grid step after a
    record's lead-in is without a slot, and every record has one weekday and a legal window."""
    scenario, plans = week
    horizon = scenario.policy.calendar_horizon_days
    durations = {t.id: t.duration_min for t in scenario.service_types}
    scope_map = default_scope_map([t.id for t in scenario.service_types])
    records = [r for p in plans for r in day_records(p, scope_map, horizon, durations)]
    offered = Counter()
    for r in records:
        (service,) = r.services
        assert r.slot_time == durations[service] and (r.end - r.start) % r.slot_time == 0
        assert r.start <= r.first and (r.first - r.start) % r.slot_time == 0
        lead = r.first - r.start
        assert lead <= same_day_lead(r.slot_time) if r.channel == "same_day" else lead == 0
        for t in range(r.first, r.end, r.slot_time):
            offered[(r.date, service, r.channel, t)] += r.count
        assert len(r.slots) == r.count * ((r.end - r.first) // r.slot_time)
    planned = Counter((s.date, s.service, s.channel, s.start) for p in plans for s in p.slots)
    assert offered == planned
    json_records = zms_of(plans, scenario)
    assert len(json_records) == len(records)
    for plan in plans:
        weekday = WEEKDAYS[plan.date.weekday()]
        for r in (r for r in json_records if r["startDate"] == midnight(plan.date)):
            assert r["type"] == "appointment" and r["multipleSlotsAllowed"] is False
            assert r["weekday"][weekday] is True and sum(map(bool, r["weekday"].values())) == 1
            assert r["workstationCount"]["public"] == r["workstationCount"]["intern"] > 0
            same_day = r["bookable"]["endInDays"] == 0
            assert r["bookable"]["startInDays"] == 0
            assert r["endDate"] == midnight(plan.date + dt.timedelta(days=1) if same_day else plan.date)
            assert same_day or r["bookable"]["endInDays"] == horizon


def test_zms_split_scopes_keep_channels_apart(week):
    scenario, plans = week
    records = zms_of(plans, scenario, split_map(scenario))
    assert {r["scope"]["provider"]["id"] for r in records} == {122280}
    for r in records:
        same_day = int(r["scope"]["id"]) >= 20000
        assert (r["bookable"]["endInDays"] == 0) == same_day
    assert len({r["scope"]["id"] for r in records}) > len(scenario.service_types)


def test_zms_needs_enough_scopes_and_compatible_sharing(week):
    scenario, plans = week
    with pytest.raises(InputError, match=r"uebertrag needs \d+ scopes on"):
        zms_records(
            plans,
            scope_map=parse_scope_map({t.id: [10 * i, 10 * i + 1] for i, t in enumerate(scenario.service_types, 1)}),
        )
    shared = {t.id: [{"id": i, "shortName": "Servicepoint"} for i in range(100, 140)] for t in scenario.service_types}
    with pytest.raises(InputError, match="share scope 100 but last"):
        zms_records(plans, scope_map=parse_scope_map(shared))
    with pytest.raises(InputError, match="two different lists"):
        parse_scope_map(
            {"a": [{"id": 1, "shortName": "x"}, {"id": 2, "shortName": "x"}], "b": [{"id": 2, "shortName": "x"}]}
        )


def test_zms_scope_map_gives_a_service_its_own_provider(week):
    scenario, plans = week
    own = {"id": 122281, "source": "dldb", "name": "Servicepoint – Übertrag"}
    data = {
        "provider": {"id": 122280, "source": "dldb", "name": "Servicepoint"},
        "scopes": {t.id: [100 * i + k for k in range(1, 30)] for i, t in enumerate(scenario.service_types, 1)},
    }
    data["scopes"]["uebertrag"] = {"calendar": list(range(101, 130)), "provider": own}
    records = zms_of(plans, scenario, parse_scope_map(data))
    for r in records:
        assert r["scope"]["provider"] == (own if r["scope"]["id"] < 200 else data["provider"])
    with pytest.raises(InputError, match="two providers"):
        parse_scope_map({"a": {"calendar": [1], "provider": own}, "b": [1]})


def test_zms_without_scenario_derives_horizon_and_defaults(week):
    scenario, plans = week
    records = zms_records(plans)  # horizon from release_at, Europe/Berlin, sorted service order
    assert {r["bookable"]["endInDays"] for r in records} == {0, scenario.policy.calendar_horizon_days}
    assert {r["scope"]["shortName"] for r in records} <= {t.id for t in scenario.service_types}
    assert default_scope_map(["b", "a"]).pool_of("a", "calendar")[0].id == 201


def test_zms_rejects_bad_input(week):
    _scenario, plans = week
    with pytest.raises(InputError, match="not a number"):
        parse_scope_map({"uebertrag": "C01"})
    with pytest.raises(InputError, match="two short names"):
        parse_scope_map({"a": {"calendar": 5, "same_day": {"id": "5", "shortName": "heute"}}})
    with pytest.raises(InputError, match="no scope for service"):
        zms_records(plans, scope_map=parse_scope_map({"uebertrag": 1}))
    with pytest.raises(InputError, match="offices"):
        zms_records([plans[0], plans[1].model_copy(update={"office": "other"})])
    with pytest.raises(InputError, match="same date"):
        zms_records([plans[0], plans[0]])
    with pytest.raises(InputError, match="time zone"):
        zms_records(plans, timezone="Mars/Olympus")


# ---------------------------------------------------------------------------------------- ICS


def public_fields(plan: Plan) -> list[dict]:
    """The slots as the plan's JSON has them (`overbook_of` only on overbooked slots), without staff."""
    return sorted(
        ({k: v for k, v in s.items() if k != "staff"} for s in plan.to_json_dict()["slots"]), key=lambda d: d["id"]
    )


def slots_from_ics(data: bytes) -> list[dict]:
    cal = icalendar.Calendar.from_ical(data)
    out = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert str(ev["dtstart"].params["TZID"]) == "Europe/Berlin"
        assert start.utcoffset() == start.replace(tzinfo=BERLIN).utcoffset()
        assert str(ev["transp"]) == "TRANSPARENT"
        booking = ev.get("x-slotplan-booking")
        assert str(ev["status"]) == ("CONFIRMED" if booking else "TENTATIVE")
        assert ("Gebucht" if booking else "Frei") in [str(c) for c in ev["categories"].cats]
        out.append(
            {
                "id": str(ev["uid"]),
                "date": start.date().isoformat(),
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
                "service": str(ev["x-slotplan-service"]),
                "counter": str(ev["location"]),
                "channel": str(ev["x-slotplan-channel"]),
                "release_at": str(ev["x-slotplan-release-at"]),
                "booking": str(booking) if booking else None,
                "summary": str(ev["summary"]),
            }
        )
    return sorted(out, key=lambda d: d["id"])


def test_ics_round_trip_equals_the_plans_slots(week):
    scenario, plans = week
    names = {t.id: t.name for t in scenario.service_types}
    data = export_bytes(plans, "ics", scenario=scenario)
    cal = icalendar.Calendar.from_ical(data)
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    parsed = slots_from_ics(data)
    expected = sorted((s for p in plans for s in public_fields(p)), key=lambda d: d["id"])
    assert [{k: v for k, v in d.items() if k != "summary"} for d in parsed] == expected
    assert {d["summary"] for d in parsed} <= set(names.values())
    assert any(d["booking"] for d in parsed) and any(not d["booking"] for d in parsed)


def test_ics_summary_is_the_id_without_scenario_and_output_is_stable(week):
    _, plans = week
    first = ics_export(plans[:1])
    assert first == ics_export(plans[:1])  # no clock inside: equal plans, equal bytes
    assert {d["summary"] for d in slots_from_ics(first)} == {s.service for s in plans[0].slots}
    stamp = dt.datetime(2024, 4, 20, 12, 0, tzinfo=dt.UTC)
    assert b"DTSTAMP:20240420T120000Z" in ics_export(plans[:1], stamp=stamp)


# ---------------------------------------------------------------------------------------- CSV


def test_csv_has_bom_semicolons_umlauts_and_one_row_per_slot(week):
    scenario, plans = week
    data = export_bytes(plans, "csv", scenario=scenario)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Übertrag eAT auf neuen Pass".encode() in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header == [
        "id",
        "date",
        "start",
        "end",
        "service",
        "service_name",
        "counter",
        "channel",
        "release_at",
        "booked",
        "booking",
    ]
    assert len(body) == sum(len(p.slots) for p in plans)
    by_id = {r[0]: dict(zip(header, r)) for r in body}
    for p in plans:
        for s in p.slots:
            row = by_id[s.id]
            assert (row["start"], row["end"], row["counter"], row["booking"] or None) == (
                hhmm(s.start),
                hhmm(s.end),
                s.counter,
                s.booking,
            )
    assert data.count(b"\r\n") == len(rows)


def test_exports_never_name_staff(week):
    scenario, plans = week
    staff = staff_pattern(scenario)
    for fmt in ("zms", "ics", "csv"):
        text = export_bytes(plans, fmt, scenario=scenario).decode("utf-8-sig")
        assert not staff.search(text), f"{fmt} names staff: {staff.search(text).group()}"


def hostile(plan: Plan) -> Plan:
    slots = [
        s.model_copy(update={"counter": '=HYPERLINK("http://evil","x")' if i == 0 else "@SUM(1;2)"})
        for i, s in enumerate(plan.slots[:3])
    ]
    return plan.model_copy(update={"slots": slots})


def test_csv_cells_are_safe_against_formula_injection(week):
    _, plans = week
    plan = hostile(plans[0])
    data = csv_export(
        [plan], names={s.service: "Ausgabe\r=1+1\n-2\r\n@A1\n+cmd|' /C calc'!A0" for s in plan.slots}, sep=","
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=","))
    for row in rows[1:]:
        for cell in row:
            for line in re.split(r"\r\n|\r|\n", cell):
                assert not line.startswith(("=", "+", "-", "@", "\t")), cell
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert "Ausgabe\r'=1+1\n'-2\r\n'@A1\n'+cmd|' /C calc'!A0" in {cell for row in rows for cell in row}
    with pytest.raises(InputError):
        csv_export(plans, sep=";;")


CELL_TEXT = st.text(st.sampled_from("ab,;\"=+-@\t\r\n Ü'"), max_size=12)


@given(st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), max_size=4), st.sampled_from([";", ","]))
def test_csv_round_trip_keeps_cells_and_guards_every_line(rows, sep):
    """Any cell text comes back from a CSV reader as `safe_text` of it, no line of it risky, and
    removing the guards gives the text back."""
    data = write_csv(["a", "b", "c"], rows, sep=sep)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=sep))
    assert parsed == [["a", "b", "c"], *[[safe_text(c) for c in row] for row in rows]]
    for row, original in zip(parsed[1:], rows):
        for cell, text in zip(row, original):
            assert not any(is_risky(line) for line in re.split(r"\r\n|\r|\n", cell))
            if "'" not in text:
                assert re.sub(r"(^|\r\n|\r|\n)'", r"\1", cell) == text


def test_csv_quotes_every_cell(week):
    _, plans = week
    for sep in (";", ","):
        names = {"uebertrag": "Übertrag, eAT"}
        data = csv_export([hostile(plans[0])], names=names, sep=sep).decode("utf-8-sig")
        lines = data.split("\r\n")
        assert all(line.startswith('"') and line.endswith('"') for line in lines[:-1]) and lines[-1] == ""
        assert '"Übertrag, eAT"' in data


HOSTILE_NAMES = {
    "uebertrag": "Übertrag, eAT auf neuen Pass",
    "eat_ausgabe": '=HYPERLINK("http://evil";"x")',
    "verlust": "Verlust\r=1+1",
    "notfall": 'Notfall;"heute"',
    "verpflichtung": "@SUM(1;2)",
    "nichterloeschen": "Nicht-\r\nerlöschen, -bescheinigung",
}


def hostile_counters(plan: Plan) -> Plan:
    """Counters with a comma, a carriage return before a formula, a leading '=' and a quote."""
    names = ["C01, links", "C02\r=2+2", "=1+1", 'C"04"']
    return plan.model_copy(
        update={
            "slots": [s.model_copy(update={"counter": names[i % len(names)]}) for i, s in enumerate(plan.slots[:40])]
        }
    )


def libreoffice_rows(paths: list[Path], tmp_path: Path, separators: str | None) -> list[list[tuple]]:
    """The CSV files converted by headless LibreOffice in one run: with the CSV filter options of its
    import dialog (`separators` as ASCII codes, '/'-joined; '"' quotes; UTF-8; from row 1), or without
    options. Asserts that no cell became a formula."""
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / f"out-{separators or 'plain'}".replace("/", "_")
    options = [f"--infilter=CSV:{separators},34,76,1"] if separators else []
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            *options,
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    tables = []
    for path in paths:
        sheet = openpyxl.load_workbook(out / f"{path.stem}.xlsx").active
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no cell became a formula
        tables.append([tuple(c.value for c in row) for row in sheet.iter_rows()])
    return tables


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_hostile_csv_opens_in_libreoffice_with_the_right_columns(week, tmp_path):
    """Comma in a name, CR in a value, leading '=': LibreOffice's import splitting on ';', on ',' or
    on both (its dialog's choice) keeps every cell in its column, umlauts intact, and no formula; so
    does a plain conversion (no options: ',' and Latin-1) of the ',' file, but for the umlauts. A ';'
    file with an unquoted comma (the old export) shifts columns there: the check can fail."""
    _, plans = week
    plan = hostile_counters(plans[0])
    files, expected = {}, {}
    for sep in (";", ","):
        files[sep] = tmp_path / f"slots{ord(sep)}.csv"
        data = csv_export([plan], names=HOSTILE_NAMES, sep=sep)
        files[sep].write_bytes(data)
        expected[sep] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=sep))
    old = tmp_path / "old.csv"
    old.write_bytes("\ufeffid;service_name;counter\r\n1;Übertrag, eAT;C01\r\n".encode())
    runs = {"59": [";"], "44": [","], "44/59": [";", ",", "old"], None: [","]}
    text_columns = ("id", "service", "service_name", "counter", "channel")
    for separators, seps in runs.items():
        tables = libreoffice_rows([old if sep == "old" else files[sep] for sep in seps], tmp_path, separators)
        for sep, rows in zip(seps, tables):
            if sep == "old":
                assert rows[1][1:] == ("Übertrag", " eAT", "C01")
                continue
            header = expected[sep][0]
            assert len(rows) == len(expected[sep]), (sep, separators)
            assert all(len(row) == len(header) for row in rows), (sep, separators)
            if separators is None:
                continue
            assert list(rows[0]) == header
            for got, want in zip(rows[1:], expected[sep][1:]):
                for column in text_columns:
                    i = header.index(column)
                    want_cell = want[i].replace("\r\n", "\n").replace("\r", "\n")  # LibreOffice's line break
                    assert got[i] == want_cell, (sep, separators, column)
            assert any(str(r[header.index("service_name")]).startswith("'=HYPERLINK") for r in rows)
            assert any("Ü" in str(r[header.index("service_name")]) for r in rows)


# ---------------------------------------------------------------------------------------- CLI


def test_export_command_writes_each_format(week, tmp_path):
    scenario, plans = week
    files = []
    for p in plans[:2]:
        files.append(tmp_path / f"{p.office}_{p.date}.json")
        files[-1].write_text(p.to_json(), encoding="utf-8")
    runner = CliRunner()
    for fmt in ("zms", "ics", "csv"):
        out = tmp_path / export_filename(plans[:2], fmt)
        result = runner.invoke(
            app, ["export", *map(str, files), "--format", fmt, "--out", str(out), "--scenario", str(SAMPLE)]
        )
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:100]
    zms = json.loads((tmp_path / export_filename(plans[:2], "zms")).read_text(encoding="utf-8"))
    assert {r["startDate"] for r in zms} == {midnight(p.date) for p in plans[:2]}
    scope_map = tmp_path / "scopes.json"
    pools = {t.id: [100 * i + k for k in range(1, 30)] for i, t in enumerate(scenario.service_types, start=1)}
    scope_map.write_text(json.dumps(pools), encoding="utf-8")
    result = runner.invoke(
        app,
        ["export", str(files[0]), "--format", "zms", "--out", str(tmp_path / "z.json"), "--scope-map", str(scope_map)],
    )
    assert result.exit_code == 0, result.output
    assert {r["scope"]["id"] for r in json.loads((tmp_path / "z.json").read_text())} <= set(range(101, 630))


def test_export_command_input_errors_exit_2(week, tmp_path):
    _, plans = week
    plan_file = tmp_path / "p.json"
    plan_file.write_text(plans[0].to_json(), encoding="utf-8")
    runner = CliRunner()
    cases = [
        ["--format", "pdf"],
        ["--format", "csv", "--sep", "ab"],
        ["--format", "ics", "--scope-map", "x.json"],
        ["--format", "zms", "--scope-map", str(tmp_path / "missing.json")],
    ]
    for extra in cases:
        result = runner.invoke(app, ["export", str(plan_file), "--out", str(tmp_path / "o"), *extra])
        assert result.exit_code == 2, (extra, result.output)
    result = runner.invoke(
        app, ["export", str(tmp_path / "nope.json"), "--format", "csv", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_format_helpers(week):
    _, plans = week
    assert parse_formats("zms, ICS,zms") == ["zms", "ics"]
    with pytest.raises(InputError):
        parse_formats("zms,xls")
    assert export_filename(plans[:1], "zms") == f"{plans[0].office}_{plans[0].date}.zms.json"
    assert export_filename(plans, "csv").endswith(f"_{plans[-1].date}.csv")
