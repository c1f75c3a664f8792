"""Rule 11 (workable days) in the day model: one tiny scenario per part of the rule, in which it binds.

Each scenario is planned with the rule's field set and once without it (or with a looser value): the
plan with the rule obeys it (own checker of sittings below, and the independent checker where
`../shared` exists), and serves less than the plan without it, so the rule really binds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from support import MONDAY, QUICK, plan_ok, tiny

from optimizer.day.index import build_index
from optimizer.day.model import build_day_model
from optimizer.day.seated_start import _misfits
from optimizer.day.sitting_grid import Seating
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.scenario import parse_scenario
from optimizer.sittings_view import plan_sittings

EAT_ONLY = {
    "id": "uebertrag",
    "name": "Übertrag",
    "duration_min": 15,
    "skill": "uebertrag",
    "weight": 3.0,
    "same_day_share": 0.0,
    "equipment": ["eat_reader"],
}
SCANNER = {
    "id": "notfall",
    "name": "Notfall",
    "duration_min": 15,
    "skill": "notfall",
    "weight": 3.0,
    "same_day_share": 0.0,
    "equipment": ["scanner"],
}
RULES = {"max_counters_per_person": 1, "max_sittings": 2, "min_sitting_min": 60}


def person(pid: str, skills: list[str]) -> dict:
    return {"id": pid, "name": pid, "skills": skills, "weekly_hours": 39}


def present(pid: str, start: str, end: str) -> dict:
    return {"staff": pid, "date": MONDAY, "start": start, "end": end}


def sittings(plan: Plan) -> dict[str, list[tuple[str, int, int]]]:
    out: dict[str, list[tuple[str, int, int]]] = {}
    for sit in plan_sittings(plan):
        out.setdefault(sit.staff, []).append((sit.counter, sit.start, sit.end))
    return out


def served(plan: Plan) -> int:
    return sum(plan.kpis["served"].values())


def without_rules(scenario: dict) -> Plan:
    return plan_day(
        parse_scenario(scenario), dt.date.fromisoformat(MONDAY), dataclasses.replace(QUICK, sitting_rules=False)
    )


def test_one_counter_per_person_binds() -> None:
    # Übertrag only at C1 (eAT reader), Notfall only at C2 (scanner). S2 does Übertrag 08-10, S3 Notfall
    # 10-12; S1 can do both. Both counters busy all morning needs S1 at C2, then at C1.
    scenario = tiny(
        office={"counters": [{"id": "C1", "equipment": ["eat_reader"]}, {"id": "C2", "equipment": ["scanner"]}]},
        service_types=[EAT_ONLY, SCANNER],
        staff=[person("S1", ["uebertrag", "notfall"]), person("S2", ["uebertrag"]), person("S3", ["notfall"])],
        availability=[
            present("S1", "08:00", "12:00"),
            present("S2", "08:00", "10:00"),
            present("S3", "10:00", "12:00"),
        ],
        demand=[
            {"date": MONDAY, "service": "uebertrag", "count": 40},
            {"date": MONDAY, "service": "notfall", "count": 40},
        ],
        policy=RULES,
    )
    free = without_rules(scenario)
    assert served(free) == 32
    assert len({c for c, _s, _e in sittings(free)["S1"]}) == 2
    plan = plan_ok(scenario)
    assert all(len({c for c, _s, _e in sits}) <= 1 for sits in sittings(plan).values())
    assert served(plan) == 24  # one of the two counters stands idle for two hours


def test_max_sittings_binds() -> None:
    # The guide S2 is away 10:00-10:30, so S1 guides then: S1's counter time falls in two stretches.
    scenario = tiny(
        staff=[person("S1", ["uebertrag", "guide"]), person("S2", ["guide"])],
        availability=[
            present("S1", "08:00", "12:00"),
            present("S2", "08:00", "10:00"),
            present("S2", "10:30", "12:00"),
        ],
        policy={**RULES, "guides_min": 1, "max_sittings": 1},
    )
    assert served(plan_ok({**scenario, "policy": {**scenario["policy"], "max_sittings": 2}})) == 14
    plan = plan_ok(scenario)
    assert all(len(sits) <= 1 for sits in sittings(plan).values())
    assert served(plan) == 8  # only the longer stretch, 08:00-10:00


def test_min_sitting_binds() -> None:
    # S1 must guide 08:45-09:30: the 45 minutes before it are too short for a sitting of 60.
    scenario = tiny(
        staff=[person("S1", ["uebertrag", "guide"]), person("S2", ["guide"])],
        availability=[
            present("S1", "08:00", "12:00"),
            present("S2", "08:00", "08:45"),
            present("S2", "09:30", "12:00"),
        ],
        policy={**RULES, "guides_min": 1},
    )
    assert served(plan_ok({**scenario, "policy": {**scenario["policy"], "min_sitting_min": 0}})) == 13
    plan = plan_ok(scenario)
    assert all(e - s >= 60 for sits in sittings(plan).values() for _c, s, e in sits)
    assert served(plan) == 10


def test_short_opening_interval_allows_a_shorter_sitting() -> None:
    scenario = tiny(office={"opening_hours": {"mon": [["08:00", "08:30"], ["09:00", "12:00"]]}}, policy=RULES)
    plan = plan_ok(scenario)
    assert served(plan) == 14  # 30 min before the pause count, although shorter than 60


def test_one_person_per_counter_and_block_when_sharing() -> None:
    # Two people, one counter, each present half the morning: they hand the counter over.
    scenario = tiny(availability=[present("S1", "08:00", "10:00"), present("S2", "10:00", "12:00")], policy=RULES)
    plan = plan_ok(scenario)
    assert served(plan) == 16
    assert {who: [c for c, _s, _e in sits] for who, sits in sittings(plan).items()} == {"S1": ["C1"], "S2": ["C1"]}


def test_booking_just_before_closing_is_held() -> None:
    # A 10-minute booking at 11:45 ends 5 minutes before closing: no appointment fits after it, so the
    # sitting that holds it ends with desk work (allowed, it is long enough without its last quarter hour).
    short = {**EAT_ONLY, "id": "eat_ausgabe", "name": "Ausgabe", "duration_min": 10, "skill": "uebertrag"}
    scenario = tiny(
        service_types=[short],
        demand=[{"date": MONDAY, "service": "eat_ausgabe", "count": 30}],
        bookings=[{"id": "B1", "date": MONDAY, "start": "11:45", "service": "eat_ausgabe"}],
        policy=RULES,
    )
    plan = plan_ok(scenario)
    assert plan.rebook == []
    assert any(s.booking == "B1" and s.start == 11 * 60 + 45 for s in plan.slots)


def test_a_fill_whose_sitting_does_not_end_with_an_appointment_names_its_person() -> None:
    """The seated plan starts from a fill without search; when a person's sitting does not begin or end
    with one of their appointments (their types' demand ran out), the fill breaks a sitting rule, and
    exactly that person's appointments are left to the solver (`seated_start._misfits`)."""
    index = build_index(parse_scenario(tiny(policy=RULES)), dt.date.fromisoformat(MONDAY))
    dm = build_day_model(index)
    assert dm.sittings is not None
    grid = dm.sittings.grid
    hour = [b.index for b in grid.blocks if b.first_step < 60 // index.grid]  # 08:00-09:00
    seating = Seating({}, {}, {(0, "C1"): 1}, {(0, b): 1 for b in hour})

    def option(step: int) -> int:
        return next(i for i, o in enumerate(index.slot_options) if o.person == 0 and o.step == step)

    first = option(0)
    last = option(60 // index.grid - index.slot_options[first].length)
    assert _misfits(dm, seating, {first}) == {0}
    assert _misfits(dm, seating, {first, last}) == set()
