"""Our fluid bound is the shared tool's segmented relaxation with concrete counters; plans stay below it."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import MONDAY, QUICK, SAMPLE, SHARED, load_shared_tool, plan_ok, tiny

from optimizer.clock import hhmm
from optimizer.day.solution import SolveOptions
from optimizer.fluid_bounds import day_floors, equipment_bound, fluid_bound
from optimizer.pipeline import plan_day
from optimizer.scenario import load_scenario, parse_scenario

THURSDAY = "2024-04-25"
needs_shared_tool = pytest.mark.skipif(
    not (SHARED / "tools" / "fluid_bound.py").exists(),
    reason="../shared/tools/fluid_bound.py is absent: nothing to compare with",
)


@functools.cache
def _tool(name: str):
    if name == "fluid_bound":
        pytest.importorskip("scipy", reason="the shared fluid_bound.py solves its LP with scipy")
    return load_shared_tool(name)


@functools.cache
def _generated(staff: int, sittings: bool, bookings: float) -> dict:
    return _tool("make_scenario").build(staff, 4, "2024-04-22", 1, bookings, sittings=sittings)


def _assert_same(raw: dict, date: str) -> float:
    """Our bound equals the shared tool's to 1e-6 relative, and is at most its `--loose` value."""
    shared = _tool("fluid_bound")
    theirs = shared.bound(raw, date)
    ours = fluid_bound(parse_scenario(raw), dt.date.fromisoformat(date))
    if theirs is None:
        assert ours is None
        return 0.0
    assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-6)
    assert ours <= shared.loose_bound(raw, date) + 1e-6
    return ours


@needs_shared_tool
@pytest.mark.parametrize("date", [f"2024-04-{d}" for d in range(22, 28)])
def test_fluid_bound_equals_the_shared_tool_on_the_sample_week(date: str, sample_dict: dict) -> None:
    ours = _assert_same(sample_dict, date)
    if date == "2024-04-27":  # Saturday: closed
        assert ours == 0.0


@needs_shared_tool
@pytest.mark.parametrize(
    ("staff", "sittings", "bookings", "date"),
    [
        (30, False, 0.0, THURSDAY),
        (30, True, 0.3, MONDAY),
        (30, True, 0.3, THURSDAY),
        (80, True, 0.0, MONDAY),
        (80, False, 0.3, MONDAY),
        (80, True, 0.3, THURSDAY),
    ],
)
def test_fluid_bound_equals_the_shared_tool_on_generated_days(
    staff: int, sittings: bool, bookings: float, date: str
) -> None:
    _assert_same(_generated(staff, sittings, bookings), date)


_CLOCK = st.integers(12, 38).map(lambda half_hours: half_hours * 30)  # 06:00..19:00


@st.composite
def _small_days(draw) -> dict:
    """A random Monday: one or two opening intervals, 1–3 counters and request types with and without
    equipment, 1–5 people with one or two presence windows, guides and back office."""
    cuts = sorted(draw(st.sets(_CLOCK, min_size=2, max_size=4)))
    opening = [[hhmm(cuts[0]), hhmm(cuts[1])]] + ([[hhmm(cuts[2]), hhmm(cuts[3])]] if len(cuts) == 4 else [])
    kit = st.lists(st.sampled_from(["eat_reader", "printer"]), unique=True, max_size=2)
    counters = [{"id": f"C{i}", "equipment": draw(kit)} for i in range(draw(st.integers(1, 3)))]
    types = [
        {
            "id": f"t{i}",
            "name": f"t{i}",
            "duration_min": draw(st.sampled_from([10, 15, 20, 30])),
            "skill": f"t{i}",
            "weight": draw(st.sampled_from([1.0, 1.5, 3.0])),
            "equipment": draw(kit),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    skills = [t["skill"] for t in types] + ["guide"]
    staff, availability = [], []
    for i in range(draw(st.integers(1, 5))):
        own = draw(st.lists(st.sampled_from(skills), unique=True, max_size=3))
        staff.append({"id": f"S{i}", "skills": own})
        times = sorted(draw(st.sets(_CLOCK, min_size=2, max_size=4)))
        for s, e in zip(times[::2], times[1::2]):
            availability.append({"staff": f"S{i}", "date": MONDAY, "start": hhmm(s), "end": hhmm(e)})
    return tiny(
        office={"opening_hours": {"mon": opening}, "counters": counters},
        service_types=types,
        staff=staff,
        availability=availability,
        demand=[{"date": MONDAY, "service": t["id"], "count": draw(st.integers(0, 30))} for t in types],
        policy={"guides_min": draw(st.integers(0, 1)), "back_office_min": draw(st.sampled_from([0, 30, 60]))},
    )


@needs_shared_tool
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_small_days())
def test_fluid_bound_equals_the_shared_tool_on_random_small_days(raw: dict) -> None:
    _assert_same(raw, MONDAY)


def test_people_serve_only_while_present_and_types_share_the_counters_that_fit() -> None:
    """One eAT counter, open 08:00–12:00; both people leave at 10:00. The aggregate bound lets their
    240 minutes fill the counter all morning (16 Überträge); only the two hours they are there count."""
    raw = tiny(availability=[{"staff": s, "date": MONDAY, "start": "08:00", "end": "10:00"} for s in ("S1", "S2")])
    scenario, day = parse_scenario(raw), dt.date.fromisoformat(MONDAY)
    assert equipment_bound(scenario, day) == pytest.approx(16 * 3.0)
    assert fluid_bound(scenario, day) == pytest.approx(8 * 3.0)
    # A second type needing the reader competes for the same counter: 120 minutes in all, and the
    # 20-minute type (weight 5, 0.25 per minute) beats Übertrag (3 per 15 minutes, 0.2 per minute).
    raw["service_types"].append(
        {
            "id": "ausgabe",
            "name": "Ausgabe",
            "duration_min": 20,
            "skill": "uebertrag",
            "weight": 5.0,
            "equipment": ["eat_reader"],
        }
    )
    raw["demand"].append({"date": MONDAY, "service": "ausgabe", "count": 3})
    assert fluid_bound(parse_scenario(raw), day) == pytest.approx(3 * 5.0 + 4 * 3.0)
    plan = plan_ok(raw)
    assert plan.kpis["weighted_served"] <= plan.kpis["fluid_bound"] + 1e-6


def test_breaks_and_back_office_that_must_fall_in_opening_hours_take_counter_time() -> None:
    """One person, present exactly the ten opening hours: ArbZG's 45-minute break and 30 minutes of back
    office leave 525 minutes, 35 Überträge. Present an hour longer, 60 of those 75 minutes can lie
    outside opening hours: 585 minutes, 39."""
    raw = tiny(
        office={"opening_hours": {"mon": [["07:00", "17:00"]]}},
        availability=[{"staff": "S1", "date": MONDAY, "start": "07:00", "end": "17:00"}],
        demand=[{"date": MONDAY, "service": "uebertrag", "count": 100}],
        policy={"back_office_min": 30},
    )
    day = dt.date.fromisoformat(MONDAY)
    assert fluid_bound(parse_scenario(raw), day) == pytest.approx(35 * 3.0)
    raw["availability"][0]["end"] = "18:00"
    assert fluid_bound(parse_scenario(raw), day) == pytest.approx(39 * 3.0)


def test_a_plan_stays_below_the_fluid_bound_which_is_below_the_aggregate_bounds() -> None:
    """The sample Thursday (staff-bound, late opening): a real plan's weighted served is at most the
    fluid bound in its KPIs, which is at most the day-aggregate equipment bound."""
    scenario, day = load_scenario(SAMPLE), dt.date.fromisoformat(THURSDAY)
    plan = plan_day(scenario, day, SolveOptions(time_limit_s=1.0, workers=QUICK.workers, seed=0))
    k = plan.kpis
    assert k["fluid_bound"] == pytest.approx(fluid_bound(scenario, day), abs=1e-4)
    assert 0 < k["weighted_served"] <= k["fluid_bound"] + 1e-6
    assert 0 < k["fluid_share"] <= 1.0
    assert k["fluid_bound"] <= k["equipment_bound"] + 1e-6


def test_floors_cost_served_weight_and_the_kpis_quote_the_bound_that_meets_them() -> None:
    """Both people leave at 09:00: one counter for 60 minutes, 4 slots of 15. Übertrag (weight 3) fills
    them all without floors (12). With min_share 0.5 of a demand of 4 each, the other type (weight 1) is
    owed 2 as well: 2 × 3 + 2 × 1 = 8. A plan meeting both floors serves no more than that; one falling
    short by a request in all may serve 3 × 3 + 1 = 10."""
    raw = tiny(
        availability=[{"staff": s, "date": MONDAY, "start": "08:00", "end": "09:00"} for s in ("S1", "S2")],
        demand=[
            {"date": MONDAY, "service": "uebertrag", "count": 4},
            {"date": MONDAY, "service": "beratung", "count": 4},
        ],
        policy={"min_share": 0.5},
    )
    raw["service_types"].append(
        {"id": "beratung", "name": "Beratung", "duration_min": 15, "skill": "uebertrag", "weight": 1.0}
    )
    scenario, day = parse_scenario(raw), dt.date.fromisoformat(MONDAY)
    floors = day_floors(scenario, day)
    assert floors == {"uebertrag": 2, "beratung": 2}
    assert fluid_bound(scenario, day) == pytest.approx(12.0)
    assert fluid_bound(scenario, day, floors) == pytest.approx(8.0)
    assert fluid_bound(scenario, day, floors, shortfall=1) == pytest.approx(10.0)
    plan = plan_ok(raw)
    k = plan.kpis
    assert k["served"]["beratung"] >= 2
    assert k["floors_shortfall"] == 0
    assert k["fluid_bound_floors"] == pytest.approx(8.0)
    assert k["weighted_served"] <= k["fluid_bound_floors"] + 1e-6
