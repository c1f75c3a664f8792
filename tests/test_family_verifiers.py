"""Verifier-style unit tests, one or more per constraint family of the day model (issue 15, point 6).

Each test builds the variables of a tiny day (`create_variables`), adds ONE family of `REGISTRY`, fixes
every decision of the day (slots, guide steps, break plans, held bookings, seats and sittings) to a small
assignment written by hand, and asserts what the family says of it: feasible or infeasible for a hard
rule, the stated penalty for an objective term. With every decision fixed CP-SAT only propagates, and for
an objective term sets the family's own counting variables: no search for a plan.

A hard rule's infeasible case is also checked without the family: the same assignment is then
feasible, so it is this family, not the fixing, that rejects it. `tests/test_families.py` keeps the
end-to-end view (plans in which each family binds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import pytest
from ortools.sat.python import cp_model
from support import MONDAY, tiny

from optimizer.clock import parse_hhmm
from optimizer.day.baseline import Baseline
from optimizer.day.index import build_index
from optimizer.day.model import REGISTRY, STRUCTURAL, DayModel, create_variables
from optimizer.families import Family
from optimizer.scenario import parse_scenario

DAY = dt.date.fromisoformat(MONDAY)
SPECS = {spec.name: spec for spec in REGISTRY}
NOTFALL = {
    "id": "notfall",
    "name": "Notfall",
    "duration_min": 30,
    "skill": "uebertrag",
    "weight": 4.0,
    "same_day_share": 0.0,
    "equipment": [],
}
Pick = Callable[[DayModel], Iterable[cp_model.IntVar]]
"""Chooses the decisions that are 1 (every other decision is 0)."""


# ---------------------------------------------------------------- building and checking


def day(
    scenario: dict, *, sittings: bool = False, soft_bookings: bool = False, baseline: Baseline | None = None
) -> DayModel:
    """The day's variables without any family (`build_day_model` minus the families)."""
    index = build_index(parse_scenario(scenario), DAY)
    index.baseline = baseline
    dm = create_variables(index, sittings=sittings)
    if soft_bookings:
        dm.held = {b.id: dm.model.new_bool_var(f"held[{b.id}]") for b in index.bookings}
    return dm


def add(dm: DayModel, name: str) -> Family:
    spec = SPECS[name]
    family = spec.build(dm, spec)
    assert family.name == name and family.kind == spec.kind
    dm.families.append(family)
    return family


def fix(dm: DayModel, on: Iterable[cp_model.IntVar]) -> None:
    """Every decision of the day to 1 if it is in `on`, else to 0."""
    chosen = {lit.index for lit in on}
    decisions = {lit.index for lit in dm.decisions()}
    assert chosen <= decisions, "the assignment names a variable that is not a decision"
    for lit in dm.decisions():
        dm.model.add(lit == int(lit.index in chosen))


def solve(dm: DayModel) -> tuple[int, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    return solver.solve(dm.model), solver


def feasible(make: Callable[[], DayModel], name: str, pick: Pick, *, alone: bool = False) -> bool:
    """Whether the family `name` accepts the assignment `pick` on a fresh day from `make` (with
    `alone=True`: the day without any family, the control for an infeasible case)."""
    dm = make()
    if not alone:
        add(dm, name)
    fix(dm, pick(dm))
    status, _ = solve(dm)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE), status
    return status != cp_model.INFEASIBLE


def rejects(make: Callable[[], DayModel], name: str, pick: Pick) -> bool:
    """The family rejects the assignment, and the day without it accepts it."""
    return not feasible(make, name, pick) and feasible(make, name, pick, alone=True)


def penalty(make: Callable[[], DayModel], name: str, pick: Pick) -> int:
    """The objective family's penalty (Σ of its terms, unweighted) for the assignment `pick`."""
    dm = make()
    family = add(dm, name)
    assert family.kind == "objective" and family.penalties
    fix(dm, pick(dm))
    dm.model.minimize(sum(p.expr for p in family.penalties))
    status, solver = solve(dm)
    assert status == cp_model.OPTIMAL, solver.status_name(status)
    return round(solver.objective_value)


# ---------------------------------------------------------------- naming decisions by hand


def person(dm: DayModel, staff: str) -> int:
    return next(pd.index for pd in dm.index.people if pd.id == staff)


def step(dm: DayModel, at: str) -> int:
    return dm.index.step_of[parse_hhmm(at)]


def option(dm: DayModel, staff: str, at: str, service: str = "uebertrag", cls: int = 0) -> int:
    """The index of the slot option: `staff` serves `service` from `at` at counter class `cls`."""
    wanted = (person(dm, staff), service, step(dm, at), cls)
    found = [i for i, o in enumerate(dm.index.slot_options) if (o.person, o.service, o.step, o.cls) == wanted]
    assert len(found) == 1, (staff, at, service, cls)
    return found[0]


def slot(dm: DayModel, staff: str, at: str, service: str = "uebertrag", cls: int = 0) -> cp_model.IntVar:
    return dm.slot[option(dm, staff, at, service, cls)]


def slots(dm: DayModel, staff: str, *starts: str, service: str = "uebertrag") -> list[cp_model.IntVar]:
    return [slot(dm, staff, at, service) for at in starts]


def every(start: str, end: str, minutes: int) -> list[str]:
    """HH:MM from `start` up to (not including) `end`, every `minutes`."""
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(parse_hhmm(start), parse_hhmm(end), minutes)]


def guide(dm: DayModel, staff: str, start: str, end: str) -> list[cp_model.IntVar]:
    p, first, last = person(dm, staff), parse_hhmm(start), parse_hhmm(end)
    return [lit for (q, s), lit in dm.guide.items() if q == p and first <= dm.index.step_start[s] < last]


def seat(dm: DayModel, staff: str, counter: str) -> cp_model.IntVar:
    assert dm.sittings is not None
    return dm.sittings.seat[(person(dm, staff), counter)]


def sits(dm: DayModel, staff: str, start: str, end: str) -> list[cp_model.IntVar]:
    """The sitting literals of the quarter-hour blocks from `start` to `end`."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    p, first, last = person(dm, staff), parse_hhmm(start), parse_hhmm(end)
    blocks = [b for b in sv.person_blocks[p] if first <= ix.step_start[sv.grid.blocks[b].first_step] < last]
    assert blocks, (staff, start, end)
    return [sv.sits[(p, b)] for b in blocks]


def sitting(dm: DayModel, staff: str, counter: str, start: str, end: str) -> list[cp_model.IntVar]:
    """A sitting at `counter` from `start` to `end`, full of 15-minute appointments."""
    return [seat(dm, staff, counter), *sits(dm, staff, start, end), *slots(dm, staff, *every(start, end, 15))]


def with_guides(**changes) -> dict:
    staff = [
        {"id": "S1", "name": "Anna", "skills": ["uebertrag", "guide"], "weekly_hours": 39},
        {"id": "S2", "name": "Mehmet", "skills": ["uebertrag"], "weekly_hours": 39},
    ]
    return tiny(staff=staff, **changes)


def booked(at: str = "09:00", staff: str | None = None) -> list[dict]:
    booking = {"id": "B1", "date": MONDAY, "start": at, "service": "uebertrag"}
    return [booking | ({"staff": staff} if staff else {})]


# ---------------------------------------------------------------- hard rules


def test_one_activity_one_thing_at_a_time() -> None:
    def make():
        return day(with_guides())

    assert feasible(make, "one_activity", lambda dm: slots(dm, "S1", "08:00", "08:15"))
    assert rejects(make, "one_activity", lambda dm: slots(dm, "S1", "08:00", "08:10"))  # overlap 08:10–08:15
    assert rejects(make, "one_activity", lambda dm: [slot(dm, "S1", "08:00"), *guide(dm, "S1", "08:10", "08:20")])
    assert feasible(make, "one_activity", lambda dm: [slot(dm, "S1", "08:00"), *guide(dm, "S1", "08:15", "08:30")])


def test_breaks_exactly_one_lawful_plan_per_person() -> None:
    def make():  # 8 h of presence: a 30-minute break by law
        return day(
            tiny(
                office={"opening_hours": {"mon": [["08:00", "16:00"]]}},
                availability=[{"staff": "S1", "date": MONDAY, "start": "08:00", "end": "16:00"}],
            )
        )

    dm = make()
    p = person(dm, "S1")
    assert dm.index.people[p].break_min == 30 and len(dm.brk[p]) >= 2
    assert feasible(make, "breaks", lambda dm: [dm.brk[p][0]])
    assert feasible(make, "breaks", lambda dm: [dm.brk[p][-1]])
    assert rejects(make, "breaks", lambda dm: [])  # no break
    assert rejects(make, "breaks", lambda dm: dm.brk[p][:2])  # two break plans at once


def test_counters_one_person_per_counter() -> None:
    def make():  # one counter
        return day(tiny())

    assert feasible(make, "counters", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:15")])
    assert rejects(make, "counters", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:00")])
    assert rejects(make, "counters", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:10")])


def test_counters_pool_identical_counters() -> None:
    def make():
        return day(tiny(office={"counters": [{"id": c, "equipment": ["eat_reader"]} for c in ("C1", "C2")]}))

    assert feasible(make, "counters", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:00")])


def test_sittings_appointments_lie_in_long_enough_sittings_at_the_seat() -> None:
    def make():  # rule 11 as planned by default: one counter, at most 2 sittings of at least 60 minutes
        return day(tiny(), sittings=True)

    assert feasible(make, "sittings", lambda dm: sitting(dm, "S1", "C1", "08:00", "09:00"))
    # an appointment outside any sitting
    assert rejects(make, "sittings", lambda dm: [slot(dm, "S1", "08:00")])
    # a sitting of 45 minutes
    assert rejects(make, "sittings", lambda dm: sitting(dm, "S1", "C1", "08:00", "08:45"))
    # sitting without a seat
    assert rejects(make, "sittings", lambda dm: sitting(dm, "S1", "C1", "08:00", "09:00")[1:])
    # a sitting that ends in file work instead of an appointment
    assert rejects(make, "sittings", lambda dm: sitting(dm, "S1", "C1", "08:00", "09:15")[:-1])


def test_sittings_at_most_two_per_person_and_one_person_per_counter() -> None:
    def make():
        return day(tiny(), sittings=True)

    def two(dm):
        return sitting(dm, "S1", "C1", "08:00", "09:00") + sitting(dm, "S1", "C1", "09:15", "10:15")[1:]

    assert feasible(make, "sittings", two)
    assert rejects(make, "sittings", lambda dm: two(dm) + sitting(dm, "S1", "C1", "10:30", "11:30")[1:])
    assert feasible(
        make,
        "sittings",
        lambda dm: sitting(dm, "S1", "C1", "08:00", "09:00") + sitting(dm, "S2", "C1", "09:00", "10:00"),
    )
    assert rejects(
        make,
        "sittings",
        lambda dm: sitting(dm, "S1", "C1", "08:00", "09:00") + sitting(dm, "S2", "C1", "08:45", "09:45"),
    )


def test_counter_symmetry_identical_counters_are_used_in_order() -> None:
    def make():
        return day(
            tiny(office={"counters": [{"id": c, "equipment": ["eat_reader"]} for c in ("C1", "C2")]}), sittings=True
        )

    assert feasible(make, "counter_symmetry", lambda dm: [seat(dm, "S1", "C1")])
    assert feasible(make, "counter_symmetry", lambda dm: [seat(dm, "S2", "C1")])
    assert feasible(make, "counter_symmetry", lambda dm: [seat(dm, "S1", "C1"), seat(dm, "S2", "C2")])
    assert rejects(make, "counter_symmetry", lambda dm: [seat(dm, "S1", "C2")])  # C1 left empty
    assert rejects(make, "counter_symmetry", lambda dm: [seat(dm, "S2", "C1"), seat(dm, "S1", "C2")])


def test_counter_symmetry_is_left_out_of_replans() -> None:
    baseline = Baseline(options=set(), guide=set(), breaks={}, unbooked={}, frozen_steps=0)

    def make():
        return day(
            tiny(office={"counters": [{"id": c, "equipment": ["eat_reader"]} for c in ("C1", "C2")]}),
            sittings=True,
            baseline=baseline,
        )

    assert feasible(make, "counter_symmetry", lambda dm: [seat(dm, "S1", "C2")])


def test_guides_cover_every_step_of_the_opening_hours() -> None:
    def make():
        return day(with_guides(policy={"guides_min": 1}))

    assert feasible(make, "guides", lambda dm: guide(dm, "S1", "08:00", "12:00"))
    assert rejects(make, "guides", lambda dm: guide(dm, "S1", "08:00", "11:55"))
    assert rejects(make, "guides", lambda dm: guide(dm, "S1", "08:05", "12:00"))


def test_back_office_keeps_its_minutes_away_from_the_counter() -> None:
    def make():  # 4 h present, 60 min back office: at most 180 min at the counter
        return day(tiny(policy={"back_office_min": 60}))

    assert feasible(make, "back_office", lambda dm: slots(dm, "S1", *every("08:00", "11:00", 15)))
    assert rejects(make, "back_office", lambda dm: slots(dm, "S1", *every("08:00", "11:15", 15)))
    assert rejects(
        make,
        "back_office",
        lambda dm: slots(dm, "S1", *every("08:00", "10:45", 15)) + slots(dm, "S1", "11:00", "11:30"),
    )


def test_bookings_keep_a_slot_of_their_type_at_their_time() -> None:
    def make():
        return day(tiny(bookings=booked("09:00")))

    assert feasible(make, "bookings", lambda dm: [slot(dm, "S2", "09:00")])
    assert rejects(make, "bookings", lambda dm: [])
    assert rejects(make, "bookings", lambda dm: [slot(dm, "S2", "09:05")])


def test_bookings_with_held_literals_may_be_given_up() -> None:
    def make():
        return day(tiny(bookings=booked("09:00")), soft_bookings=True)

    assert feasible(make, "bookings", lambda dm: [])  # given up
    assert rejects(make, "bookings", lambda dm: [dm.held["B1"]])  # held, but no slot
    assert feasible(make, "bookings", lambda dm: [dm.held["B1"], slot(dm, "S1", "09:00")])


def test_offer_within_demand_no_more_slots_than_demand_or_bookings() -> None:
    def make(bookings: list[dict] | None = None):
        return lambda: day(tiny(demand=[{"date": MONDAY, "service": "uebertrag", "count": 2}], bookings=bookings or []))

    assert feasible(make(), "offer_within_demand", lambda dm: slots(dm, "S1", "08:00", "08:15"))
    assert rejects(make(), "offer_within_demand", lambda dm: slots(dm, "S1", "08:00", "08:15", "08:30"))
    three = [
        {"id": f"B{i}", "date": MONDAY, "start": at, "service": "uebertrag"}
        for i, at in enumerate(("08:00", "09:00", "10:00"))
    ]
    assert feasible(make(three), "offer_within_demand", lambda dm: slots(dm, "S1", "08:00", "09:00", "10:00"))


def test_frozen_past_keeps_what_happened_before_now() -> None:
    def make():  # published: S1 served 08:00; now = 09:00
        dm = day(tiny())
        published, now = option(dm, "S1", "08:00"), step(dm, "09:00")
        return day(
            tiny(), baseline=Baseline(options={published}, guide=set(), breaks={}, unbooked={}, frozen_steps=now)
        )

    assert feasible(make, "frozen_past", lambda dm: [slot(dm, "S1", "08:00")])
    assert feasible(make, "frozen_past", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "09:00")])
    assert rejects(make, "frozen_past", lambda dm: [])  # the published slot withdrawn after it happened
    assert rejects(make, "frozen_past", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:30")])


# ---------------------------------------------------------------- objective terms


def test_floors_count_the_requests_short_of_each_floor() -> None:
    def make():  # min_share 10 % of 40 requests: a floor of 4
        return day(tiny(policy={"min_share": 0.1}))

    assert make().index.floors == {"uebertrag": 4}
    assert penalty(make, "floors", lambda dm: []) == 4
    assert penalty(make, "floors", lambda dm: slots(dm, "S1", "08:00")) == 3
    assert penalty(make, "floors", lambda dm: slots(dm, "S1", *every("08:00", "09:15", 15))) == 0


def test_floors_follow_the_contingents_when_the_day_has_some() -> None:
    def make():
        return day(tiny(contingents=[{"date": MONDAY, "service": "uebertrag", "count": 2}]))

    assert penalty(make, "floors", lambda dm: slots(dm, "S1", "08:00")) == 1


def test_weighted_served_is_minus_the_scaled_weight_of_the_slots() -> None:
    def make():  # weights 3.0 and 2.5: scaled by 2 to integers
        kind = NOTFALL | {"weight": 2.5}
        return day(
            tiny(
                service_types=[*tiny()["service_types"], kind],
                demand=[{"date": MONDAY, "service": k, "count": 10} for k in ("uebertrag", "notfall")],
            )
        )

    assert make().index.weight_scale == 2
    assert penalty(make, "weighted_served", lambda dm: []) == 0
    assert penalty(make, "weighted_served", lambda dm: slots(dm, "S1", "08:00", "08:15")) == -2 * 6
    assert penalty(
        make, "weighted_served", lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S2", "08:00", "notfall")]
    ) == -(6 + 5)


def test_keep_days_counts_the_people_whose_published_day_changes() -> None:
    baseline = Baseline(
        options=set(), guide=set(), breaks={}, unbooked={}, frozen_steps=0, sittings={0: [("C1", 480, 540)]}, days={0}
    )

    def make():  # published: S1 sat at C1 08:00–09:00
        return day(tiny(), sittings=True, baseline=baseline)

    assert penalty(make, "keep_days", lambda dm: sitting(dm, "S1", "C1", "08:00", "09:00")) == 0
    assert penalty(make, "keep_days", lambda dm: sitting(dm, "S1", "C1", "08:00", "09:15")) == 1
    assert penalty(make, "keep_days", lambda dm: []) == 1


def test_keep_published_counts_the_published_slots_withdrawn() -> None:
    def make():  # two unbooked slots were published at 09:00
        dm = day(tiny())
        unbooked = {("uebertrag", step(dm, "09:00")): 2}
        return day(tiny(), baseline=Baseline(options=set(), guide=set(), breaks={}, unbooked=unbooked, frozen_steps=0))

    assert penalty(make, "keep_published", lambda dm: []) == 2
    assert penalty(make, "keep_published", lambda dm: [slot(dm, "S1", "09:00")]) == 1
    assert penalty(make, "keep_published", lambda dm: [slot(dm, "S1", "09:00"), slot(dm, "S2", "09:00")]) == 0
    assert penalty(make, "keep_published", lambda dm: [slot(dm, "S1", "09:05"), slot(dm, "S2", "08:55")]) == 2


def test_type_switches_count_the_runs_each_person_starts() -> None:
    def make():
        return day(
            tiny(
                service_types=[*tiny()["service_types"], NOTFALL],
                demand=[{"date": MONDAY, "service": k, "count": 10} for k in ("uebertrag", "notfall")],
            )
        )

    assert penalty(make, "type_switches", lambda dm: []) == 0
    assert penalty(make, "type_switches", lambda dm: slots(dm, "S1", "08:00", "08:15", "08:30")) == 1
    assert penalty(make, "type_switches", lambda dm: slots(dm, "S1", "08:00", "08:30")) == 2  # a gap
    assert (
        penalty(
            make,
            "type_switches",
            lambda dm: [slot(dm, "S1", "08:00"), slot(dm, "S1", "08:15", "notfall"), slot(dm, "S1", "08:45")],
        )
        == 3
    )
    assert penalty(make, "type_switches", lambda dm: slots(dm, "S1", "08:00") + slots(dm, "S2", "08:00")) == 2


def test_short_runs_count_the_steps_a_run_falls_short_of_min_block_min() -> None:
    def make():  # min_block_min 60: 12 steps of 5 minutes
        return day(tiny())

    assert penalty(make, "short_runs", lambda dm: slots(dm, "S1", "08:00")) == 9  # 3 of 12 steps
    assert penalty(make, "short_runs", lambda dm: slots(dm, "S1", "08:00", "08:15")) == 6
    assert penalty(make, "short_runs", lambda dm: slots(dm, "S1", *every("08:00", "09:00", 15))) == 0
    assert penalty(make, "short_runs", lambda dm: slots(dm, "S1", "08:00", "09:00")) == 18  # two short runs


def test_same_day_share_counts_the_slots_missing_after_the_release() -> None:
    def make():  # half of the slots should be releasable, from 10:00 on
        kind = tiny()["service_types"][0] | {"same_day_share": 0.5}
        return day(tiny(service_types=[kind], policy={"same_day_release": ["10:00"]}))

    assert penalty(make, "same_day_share", lambda dm: slots(dm, "S1", *every("08:00", "09:00", 15))) == 2
    assert penalty(make, "same_day_share", lambda dm: slots(dm, "S1", "08:00", "08:15", "08:30", "10:00")) == 1
    assert penalty(make, "same_day_share", lambda dm: slots(dm, "S1", "08:00", "08:15", "10:00", "10:15")) == 0


def test_same_day_share_counts_bookings_after_the_release_as_not_releasable() -> None:
    def make():
        kind = tiny()["service_types"][0] | {"same_day_share": 0.5}
        return day(tiny(service_types=[kind], bookings=booked("10:00"), policy={"same_day_release": ["10:00"]}))

    assert penalty(make, "same_day_share", lambda dm: slots(dm, "S1", "08:00", "10:00")) == 1


def test_fair_counter_time_is_the_largest_share_of_capacity_at_a_counter() -> None:
    def make():  # 4 h present, no break, no back office: 48 steps of capacity each
        return day(tiny())

    assert penalty(make, "fair_counter_time", lambda dm: []) == 0
    assert penalty(make, "fair_counter_time", lambda dm: slots(dm, "S1", *every("08:00", "09:00", 15))) == 25
    assert (
        penalty(
            make,
            "fair_counter_time",
            lambda dm: slots(dm, "S1", *every("08:00", "09:00", 15)) + slots(dm, "S2", *every("09:00", "11:00", 15)),
        )
        == 50
    )


def test_booking_staff_counts_the_bookings_moved_to_another_person() -> None:
    def make():
        return day(tiny(bookings=booked("09:00", staff="S1")))

    assert penalty(make, "booking_staff", lambda dm: [slot(dm, "S1", "09:00")]) == 0
    assert penalty(make, "booking_staff", lambda dm: [slot(dm, "S2", "09:00")]) == 1


# ---------------------------------------------------------------- structural families (in the index)


def test_skills_only_people_with_the_skill_get_slot_options() -> None:
    staff = [
        {"id": "S1", "name": "Anna", "skills": ["uebertrag"], "weekly_hours": 39},
        {"id": "S2", "name": "Mehmet", "skills": ["notfall"], "weekly_hours": 39},
    ]
    scenario = parse_scenario(tiny(staff=staff))
    index = build_index(scenario, DAY)
    assert {index.people[o.person].id for o in index.slot_options} == {"S1"}
    assert not any(pd.can_guide for pd in index.people)
    relaxed = build_index(scenario, DAY, relaxed=frozenset({"skills"}))
    assert {relaxed.people[o.person].id for o in relaxed.slot_options} == {"S1", "S2"}


def test_equipment_slot_options_only_at_counter_classes_with_the_equipment() -> None:
    counters = [{"id": "C1", "equipment": []}, {"id": "C2", "equipment": ["eat_reader"]}]
    scenario = parse_scenario(tiny(office={"counters": counters}))
    index = build_index(scenario, DAY)
    reader = next(c.index for c in index.classes if "eat_reader" in c.equipment)
    assert index.slot_options and {o.cls for o in index.slot_options} == {reader}
    relaxed = build_index(scenario, DAY, relaxed=frozenset({"equipment"}))
    assert {o.cls for o in relaxed.slot_options} == {c.index for c in relaxed.classes}


# ---------------------------------------------------------------- coverage and the checks themselves


@pytest.mark.parametrize("name", [*SPECS, *STRUCTURAL])
def test_every_family_has_a_verifier_test(name: str) -> None:
    assert any(test.startswith(f"test_{name}_") for test in globals()), f"no verifier test for family {name!r}"


def test_fixing_names_only_decisions_and_rejects_unknown_variables() -> None:
    dm = day(tiny())
    stray = dm.model.new_bool_var("not a decision")
    with pytest.raises(AssertionError, match="not a decision"):
        fix(dm, [stray])
