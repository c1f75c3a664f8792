"""One tiny scenario per constraint family in which that family binds; the plan obeys it."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from support import MONDAY, plan_ok, tiny

from optimizer.clock import parse_hhmm
from optimizer.day.model import REGISTRY, STRUCTURAL
from optimizer.plan import Plan

EAT = {
    "id": "eat_ausgabe",
    "name": "Ausgabe eAT",
    "duration_min": 10,
    "skill": "eat_ausgabe",
    "weight": 2.0,
    "same_day_share": 0.0,
    "equipment": ["eat_reader"],
}
NOTFALL = {
    "id": "notfall",
    "name": "Notfall",
    "duration_min": 30,
    "skill": "notfall",
    "weight": 4.0,
    "same_day_share": 0.0,
    "equipment": [],
}


def minutes_by(plan: Plan, activity: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        if a.activity == activity:
            out[a.staff] += a.end - a.start
    return out


def busy_at(plan: Plan, minute: int, activity: str = "service") -> list[str]:
    return [a.staff for a in plan.assignments if a.activity == activity and a.start <= minute < a.end]


def test_registry_names_every_family_once() -> None:
    names = [spec.name for spec in REGISTRY] + list(STRUCTURAL)
    assert len(names) == len(set(names))
    assert {
        "one_activity",
        "breaks",
        "counters",
        "guides",
        "back_office",
        "bookings",
        "weighted_served",
        "type_switches",
        "same_day_share",
        "fair_counter_time",
    } <= set(names)


def test_counters_one_person_per_counter() -> None:
    plan = plan_ok(tiny())  # two people, one counter, plenty of demand
    for minute in range(8 * 60, 12 * 60, 5):
        assert len(busy_at(plan, minute)) <= 1
    assert plan.kpis["served"]["uebertrag"] == 16  # the counter is never idle: 240 min / 15


def test_one_activity_slots_of_a_person_never_overlap() -> None:
    plan = plan_ok(
        tiny(
            office={"counters": [{"id": "C1", "equipment": ["eat_reader"]}, {"id": "C2", "equipment": ["eat_reader"]}]}
        )
    )
    for staff in ("S1", "S2"):
        slots = sorted((s.start, s.end) for s in plan.slots if s.staff == staff)
        assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(slots))
    assert plan.kpis["served"]["uebertrag"] == 32


def test_equipment_binds_to_the_reader_counter() -> None:
    plan = plan_ok(
        tiny(office={"counters": [{"id": "C1", "equipment": []}, {"id": "C2", "equipment": ["eat_reader"]}]})
    )
    assert plan.slots and {s.counter for s in plan.slots} == {"C2"}


def test_skills_bind() -> None:
    staff = [
        {"id": "S1", "name": "A", "skills": ["notfall"], "weekly_hours": 39},
        {"id": "S2", "name": "B", "skills": ["uebertrag"], "weekly_hours": 39},
    ]
    plan = plan_ok(tiny(staff=staff))
    assert plan.slots and {s.staff for s in plan.slots} == {"S2"}


def test_breaks_follow_arbzg() -> None:
    availability = [{"staff": "S1", "date": MONDAY, "start": "07:00", "end": "17:00"}]
    plan = plan_ok(
        tiny(
            staff=tiny()["staff"][:1],
            availability=availability,
            office={"opening_hours": {"mon": [["07:00", "17:00"]]}},
        )
    )
    breaks = [(a.start, a.end) for a in plan.assignments if a.activity == "break"]
    assert sum(e - s for s, e in breaks) >= 45  # 10 h presence: over 9 h of work
    assert all(e - s >= 15 for s, e in breaks)
    stretch = 0
    for a in sorted(plan.assignments, key=lambda a: a.start):
        stretch = 0 if a.activity == "break" else stretch + a.end - a.start
        assert stretch <= 360


def test_guides_cover_every_minute() -> None:
    staff = [
        {"id": "S1", "name": "A", "skills": ["uebertrag", "guide"], "weekly_hours": 39},
        {"id": "S2", "name": "B", "skills": ["uebertrag", "guide"], "weekly_hours": 39},
    ]
    plan = plan_ok(tiny(staff=staff, policy={"guides_min": 1}))
    for minute in range(8 * 60, 12 * 60, 5):
        assert len(busy_at(plan, minute, "guide")) >= 1
    assert plan.kpis["served"]["uebertrag"] == 16  # the other person keeps the counter busy


def test_back_office_minimum_is_kept() -> None:
    plan = plan_ok(
        tiny(staff=tiny()["staff"][:1], policy={"back_office_min": 60}, availability=tiny()["availability"][:1])
    )
    assert minutes_by(plan, "back_office")["S1"] >= 60
    assert plan.kpis["served"]["uebertrag"] == 12  # 180 of 240 minutes at the counter


def test_bookings_hold_their_slot() -> None:
    bookings = [
        {"id": "B1", "date": MONDAY, "start": "09:05", "service": "uebertrag"},
        {"id": "B2", "date": MONDAY, "start": "10:50", "service": "uebertrag"},
    ]
    plan = plan_ok(tiny(bookings=bookings))
    held = {s.booking: s for s in plan.slots if s.booking}
    assert held["B1"].start == parse_hhmm("09:05") and held["B2"].start == parse_hhmm("10:50")
    assert plan.rebook == []


def test_booking_that_cannot_be_held_is_rebooked_with_reason_and_proposal() -> None:
    bookings = [
        {"id": "B1", "date": MONDAY, "start": "09:00", "service": "uebertrag"},
        {"id": "B2", "date": MONDAY, "start": "09:00", "service": "uebertrag"},
    ]
    plan = plan_ok(tiny(bookings=bookings))
    assert len(plan.rebook) == 1
    entry = plan.rebook[0]
    assert "2 Übertrag bookings need 2 people with skill 'uebertrag'" in entry.reason
    assert "only 1 such counters exist" in entry.reason
    proposal = next(s for s in plan.slots if s.id == entry.proposal)
    assert proposal.booking is None and proposal.service == "uebertrag"


def test_offer_never_exceeds_demand() -> None:
    plan = plan_ok(tiny(demand=[{"date": MONDAY, "service": "uebertrag", "count": 5}]))
    assert len(plan.slots) == 5


def test_weighted_served_prefers_valuable_requests() -> None:
    staff = [{"id": "S1", "name": "A", "skills": ["uebertrag", "notfall"], "weekly_hours": 39}]
    plan = plan_ok(
        tiny(
            staff=staff,
            availability=tiny()["availability"][:1],
            service_types=tiny()["service_types"] + [NOTFALL],
            office={"counters": [{"id": "C1", "equipment": ["eat_reader"]}]},
            demand=[
                {"date": MONDAY, "service": "uebertrag", "count": 40},
                {"date": MONDAY, "service": "notfall", "count": 2},
            ],
            policy={"min_share": 0.0},
        )
    )
    # Übertrag earns 3/15 per minute, Notfall 4/30: Notfall only loses value, so none is planned.
    assert plan.kpis["served"] == {"uebertrag": 16, "notfall": 0}
    assert plan.status == "OPTIMAL" and plan.solver.gap == 0


def test_floors_serve_the_less_valuable_type_first() -> None:
    staff = [{"id": "S1", "name": "A", "skills": ["uebertrag", "notfall"], "weekly_hours": 39}]
    scenario = tiny(
        staff=staff,
        availability=tiny()["availability"][:1],
        service_types=tiny()["service_types"] + [NOTFALL],
        demand=[
            {"date": MONDAY, "service": "uebertrag", "count": 40},
            {"date": MONDAY, "service": "notfall", "count": 8},
        ],
        policy={"min_share": 0.25},
    )
    # Without the floor Notfall would get nothing (see above); with it, a quarter of its demand.
    assert plan_ok(scenario).kpis["served"] == {"uebertrag": 12, "notfall": 2}
    contingent = [{"date": MONDAY, "service": "notfall", "count": 3}]
    assert plan_ok({**scenario, "contingents": contingent}).kpis["served"]["notfall"] == 3


def test_type_switches_keep_runs_together() -> None:
    staff = [{"id": "S1", "name": "A", "skills": ["uebertrag", "eat_ausgabe"], "weekly_hours": 39}]
    plan = plan_ok(
        tiny(
            staff=staff,
            availability=tiny()["availability"][:1],
            service_types=tiny()["service_types"] + [EAT],
            demand=[
                {"date": MONDAY, "service": "uebertrag", "count": 8},
                {"date": MONDAY, "service": "eat_ausgabe", "count": 12},
            ],
        )
    )
    services = [a.service for a in plan.assignments if a.activity == "service"]
    assert sorted(services) == ["eat_ausgabe", "uebertrag"]  # one run of each type


def test_same_day_share_and_release_times() -> None:
    types = [{**tiny()["service_types"][0], "same_day_share": 0.5}]
    plan = plan_ok(tiny(service_types=types, policy={"same_day_release": ["08:00", "10:00"]}))
    same_day = [s for s in plan.slots if s.channel == "same_day"]
    assert len(same_day) == len(plan.slots) // 2
    for s in same_day:
        release = dt.datetime.fromisoformat(s.release_at)
        assert release.date() == dt.date(2024, 4, 22)
        assert release.hour * 60 + release.minute == (600 if s.start >= 600 else 480)
    for s in plan.slots:
        if s.channel == "calendar":
            assert s.release_at.startswith("2024-04-08")


def test_booking_stays_with_its_person() -> None:
    office = {"counters": [{"id": "C1", "equipment": ["eat_reader"]}, {"id": "C2", "equipment": ["eat_reader"]}]}
    bookings = [{"id": "B1", "date": MONDAY, "start": "09:00", "service": "uebertrag", "staff": "S2"}]
    plan = plan_ok(
        tiny(office=office, bookings=bookings, demand=[{"date": MONDAY, "service": "uebertrag", "count": 3}])
    )
    assert next(s for s in plan.slots if s.booking == "B1").staff == "S2"


def test_fair_counter_time_spreads_the_counter() -> None:
    plan = plan_ok(tiny(demand=[{"date": MONDAY, "service": "uebertrag", "count": 8}]))
    minutes = minutes_by(plan, "service")
    assert minutes["S1"] == minutes["S2"] == 60


def test_public_holiday_has_no_counter_service() -> None:
    scenario = tiny(
        office={"holidays": "DE-BW", "opening_hours": {"wed": [["08:00", "12:00"]]}},
        availability=[{"staff": "S1", "date": "2024-05-01", "start": "08:00", "end": "16:00"}],
        demand=[{"date": "2024-05-01", "service": "uebertrag", "count": 20}],
    )
    plan = plan_ok(scenario, date="2024-05-01")
    assert plan.slots == []
    assert {a.activity for a in plan.assignments} <= {"back_office", "break"}
    assert plan.kpis["fluid_bound"] == 0
