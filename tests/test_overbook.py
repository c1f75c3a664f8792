"""Overbooking against no-shows: the slot stage, the risk cap, re-plans and exports (optimizer/overbook.py)."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from optimizer.export.csv_export import csv_export
from optimizer.export.ics import ics_export
from optimizer.export.zms import zms_records
from optimizer.overbook import carry_overbooked, no_show_rate, overbook, overflow_probability
from optimizer.plan import Plan, Rebook
from optimizer.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample.json"
PLAN = ROOT / "tests" / "fixtures_workbook" / "plan_2024-04-22.json"  # the sample's Monday
RATES = [
    {"service": "uebertrag", "rate": 0.14},
    {"service": "uebertrag", "weekday": "mon", "rate": 0.18},
    {"service": "eat_ausgabe", "rate": 0.08},
    {"service": "verlust", "rate": 0.18},
    {"service": "nichterloeschen", "rate": 0.22},
    {"service": "verpflichtung", "rate": 0.12},
]


def scenario_data(policy: str = "overbook", risk: float = 0.5) -> dict:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sittings = ("max_counters_per_person", "max_sittings", "min_sitting_min")  # the fixture plan predates them
    data["policy"] = {k: v for k, v in data["policy"].items() if k not in sittings} | {
        "no_show": policy,
        "overflow_risk": risk,
    }
    data["no_show_rates"] = RATES
    return data


def published() -> Plan:
    return Plan.model_validate_json(PLAN.read_bytes())


def check_plan(scenario: dict, plan: Plan) -> list[str]:
    if not (SHARED / "tools" / "check_plan.py").exists():
        pytest.skip("needs ../shared/tools/check_plan.py (the independent checker)")
    spec = importlib.util.spec_from_file_location("check_plan", SHARED / "tools" / "check_plan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check(copy.deepcopy(scenario), json.loads(json.dumps(plan.to_json_dict())))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), p=st.floats(0.01, 0.99), capacity=st.integers(0, 12))
def test_overflow_probability_is_the_binomial_tail(n, p, capacity):
    assert overflow_probability([p] * n, capacity) == pytest.approx(binom.sf(capacity, n, p), abs=1e-12)


def test_weekday_rate_beats_the_general_one():
    scenario = parse_scenario(scenario_data())
    assert no_show_rate(scenario, "uebertrag", 0) == 0.18
    assert no_show_rate(scenario, "uebertrag", 1) == 0.14
    assert no_show_rate(scenario, "notfall", 1) == 0.0


def test_off_leaves_the_plan_alone():
    plan = published()
    assert overbook(parse_scenario(scenario_data("off")), plan) is plan


@pytest.mark.parametrize("risk", [0.5, 0.65, 0.8])
def test_overbooked_plan_passes_the_checker_and_keeps_the_risk_cap(risk):
    data = scenario_data(risk=risk)
    scenario = parse_scenario(data)
    plan = overbook(scenario, published())
    extras = [s for s in plan.slots if s.overbook_of]
    assert extras and plan.kpis["overbooked_slots"] == len(extras)
    assert check_plan(data, plan) == []
    by_id = {s.id: s for s in plan.slots}
    assert len({s.overbook_of for s in extras}) == len(extras)
    for s in extras:
        base = by_id[s.overbook_of]
        assert (s.staff, s.counter, s.service, s.start, s.end, s.booking) == (
            base.staff,
            base.counter,
            base.service,
            base.start,
            base.end,
            None,
        )
        assert base.channel == "calendar" and base.overbook_of is None
    hours = defaultdict(list)
    for s in plan.slots:
        hours[(s.counter, s.start // 60)].append(s)
    for slots in hours.values():
        regular = [s for s in slots if not s.overbook_of]
        come = [1 - no_show_rate(scenario, s.service, 0) if s.channel == "calendar" else 1.0 for s in slots]
        if len(slots) > len(regular):
            assert overflow_probability(come, len(regular)) <= risk + 1e-12


def test_a_higher_risk_cap_sells_more():
    counts = [
        len([s for s in overbook(parse_scenario(scenario_data(risk=r)), published()).slots if s.overbook_of])
        for r in (0.3, 0.5, 0.8)
    ]
    assert counts[0] == 0 < counts[1] < counts[2]  # one extra in a counter-hour overflows with p ≥ 0.42 here


def test_replan_carries_a_booked_extra_or_rebooks_it_never_silently():
    scenario = parse_scenario(scenario_data())
    plan = overbook(scenario, published())
    extra = next(s for s in plan.slots if s.overbook_of)
    plan.slots[plan.slots.index(extra)] = extra.model_copy(update={"booking": "B-OVER"})
    regular = plan.model_copy(update={"slots": [s for s in plan.slots if not s.overbook_of]})
    carried = carry_overbooked(plan, regular)
    again = next(s for s in carried.slots if s.id == extra.id)
    assert again.booking == "B-OVER" and again.overbook_of == extra.overbook_of
    assert "B-OVER" not in {r.booking for r in carried.rebook}
    # The regular slot it sat on is gone (and no other of its type and time is left): rebook, with a reason.
    gone = regular.model_copy(
        update={"slots": [s for s in regular.slots if not (s.service == extra.service and s.start == extra.start)]}
    )
    moved = carry_overbooked(plan, gone)
    assert all(s.booking != "B-OVER" for s in moved.slots)
    (entry,) = [r for r in moved.rebook if r.booking == "B-OVER"]
    assert isinstance(entry, Rebook) and "overbooked" in entry.reason


def one_counter_office() -> dict:
    """One counter, two people, Monday 08:00–12:00, Übertrag only, every slot sold ahead, 30 % no-shows."""
    day = "2024-04-22"
    return {
        "version": 1,
        "office": {
            "id": "tiny",
            "name": "Tiny",
            "opening_hours": {"mon": [["08:00", "12:00"]]},
            "counters": [{"id": "C1", "equipment": []}],
        },
        "service_types": [
            {
                "id": "uebertrag",
                "name": "Übertrag",
                "duration_min": 15,
                "skill": "uebertrag",
                "weight": 3.0,
                "same_day_share": 0.0,
            }
        ],
        "staff": [{"id": "S1", "skills": ["uebertrag"]}, {"id": "S2", "skills": ["uebertrag"]}],
        "availability": [{"staff": p, "date": day, "start": "08:00", "end": "12:00"} for p in ("S1", "S2")],
        "demand": [{"date": day, "service": "uebertrag", "count": 16}],
        "policy": {"same_day_release": ["08:00"], "no_show": "overbook", "overflow_risk": 0.5},
        "no_show_rates": [{"service": "uebertrag", "rate": 0.3}],
    }


@pytest.mark.parametrize("absent", [(), ("S2",), ("S1", "S2")])
def test_replan_with_the_solver_never_drops_an_overbooked_booking(absent):
    import datetime as dt

    from optimizer.day.solution import SolveOptions
    from optimizer.pipeline import plan_day
    from optimizer.replan import Changes, apply_changes, replan_day

    data = one_counter_office()
    scenario = parse_scenario(data)
    day = dt.date(2024, 4, 22)
    options = SolveOptions(time_limit_s=5, workers=1, seed=0)
    plan = overbook(scenario, plan_day(scenario, day, options))
    assert check_plan(data, plan) == []
    extra = next(s for s in plan.slots if s.overbook_of and s.start >= 9 * 60)
    base = next(s for s in plan.slots if s.id == extra.overbook_of)
    plan.slots[plan.slots.index(extra)] = extra.model_copy(update={"booking": "B-OVER"})
    plan.slots[plan.slots.index(base)] = base.model_copy(update={"booking": "B-BASE"})
    changes = Changes(absent=absent)
    current = apply_changes(scenario, day, plan, changes)
    new, report = replan_day(current, plan, day, changes, options)
    assert check_plan(current.to_json_dict(), new) == []
    over = [s for s in new.slots if s.booking == "B-OVER"]
    notified = [n for n in report.notify if n["booking"] == "B-OVER"]
    if len(absent) < 2:
        assert len(over) == 1 and (over[0].id, over[0].start) == (extra.id, extra.start) and not notified
        assert over[0].overbook_of == next(s.id for s in new.slots if s.booking == "B-BASE")
    else:  # nobody left to serve: both bookings are to be notified, the extra with its own reason
        assert not over and len(notified) == 1 and "overbooked" in notified[0]["reason"]
        assert "B-BASE" in {n["booking"] for n in report.notify}


def test_exports_carry_overbooked_slots():
    plan = overbook(parse_scenario(scenario_data()), published())
    extras = [s for s in plan.slots if s.overbook_of]
    table = list(csv.reader(io.StringIO(csv_export([plan]).decode("utf-8-sig")), delimiter=";"))
    header = table[0]
    assert header[-1] == "overbook_of"
    rows = {row[0]: row for row in table[1:]}
    assert len(rows) == len(plan.slots)
    assert rows[extras[0].id][-1] == extras[0].overbook_of and rows[extras[0].overbook_of][-1] == ""
    ics = ics_export([plan]).decode("utf-8")
    assert ics.count("BEGIN:VEVENT") == len(plan.slots)
    assert f"X-SLOTPLAN-OVERBOOK-OF:{extras[0].overbook_of}" in ics
    plain = published()
    base = next(s for s in plan.slots if s.id == extras[0].overbook_of)

    def public_at(records: list[dict]) -> int:
        """ZMS workstations bookable ahead for the base slot's type at its start."""
        start = f"{base.start // 60:02d}:{base.start % 60:02d}"
        return sum(
            r["workstationCount"]["public"]
            for r in records
            if r["startTime"] <= start < r["endTime"]
            and base.service in r["description"]
            and r["bookable"]["endInDays"] > 0
        )

    live = sum(1 for s in extras if s.service == base.service and s.start <= base.start < s.end)
    assert public_at(zms_records([plan])) == public_at(zms_records([plain])) + live


def test_the_booking_service_sells_an_overbooked_slot_like_any_other(tmp_path):
    import httpx
    from service_support import OFFICE, book, publish_slots, slot, threaded_service

    regular = slot("09:00")
    extra = dict(regular, id=regular["id"] + "-ob", overbook_of=regular["id"])
    with threaded_service(tmp_path / "svc.sqlite3") as handle, httpx.Client(base_url=handle.url, timeout=10.0) as http:
        assert publish_slots(handle.url, [regular, extra]) == [201, 201]
        free = http.get(f"/v1/offices/{OFFICE}/available", params={"date": regular["date"]}).json()
        assert {regular["id"], extra["id"]} <= _ids(free)
        for slot_id, email in ((regular["id"], "anna@example.org"), (extra["id"], "ben@example.org")):
            response = book(handle, slot_id, email=email, name="Test Person")  # challenge, mail, confirm
            assert response.status_code == 201, response.text


def _ids(body) -> set[str]:
    """Slot ids anywhere in an `available` response."""
    if isinstance(body, dict):
        return {body["id"]} if "id" in body else set().union(*(_ids(v) for v in body.values()), set())
    if isinstance(body, list):
        return set().union(*(_ids(v) for v in body), set())
    return set()
