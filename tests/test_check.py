"""`slotplan check`, the project's own plan validator, against the independent ../shared/tools/check_plan.py.

Valid plans are the template strategy's plans of the sample week (fast, no solver). Broken plans are
those plans with one hard rule broken on purpose, one or more per rule 1–11; a Hypothesis test breaks
them at random. Our validator must name the broken rule; where ../shared is present, both checkers
must agree on which plans are valid.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SAMPLE, needs_shared, own_violations, shared_violations, tiny
from typer.testing import CliRunner

from optimizer.check import check_plan
from optimizer.cli.main import app
from optimizer.clock import hhmm, parse_hhmm
from optimizer.plan import Plan
from optimizer.scenario import parse_scenario
from optimizer.strategies import plan_with_strategy

runner = CliRunner()
DAYS = ("2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26")
MONDAY, THURSDAY = DAYS[0], DAYS[3]


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plans(sample: dict) -> dict[str, dict]:
    """The template plan of each sample day, as JSON dicts."""
    scenario = parse_scenario(sample)
    return {
        day: plan_with_strategy(scenario, dt.date.fromisoformat(day), strategy="template").to_json_dict()
        for day in DAYS
    }


# --- building broken plans ------------------------------------------------------------------------------


def _m(text: str) -> int:
    return parse_hhmm(text)


def _of(plan: dict, staff: str, activity: str | None = None) -> list[dict]:
    return sorted(
        (a for a in plan["assignments"] if a["staff"] == staff and (activity is None or a["activity"] == activity)),
        key=lambda a: _m(a["start"]),
    )


def _first(plan: dict, activity: str, longer_than: int = 0) -> dict:
    return next(
        a for a in plan["assignments"] if a["activity"] == activity and _m(a["end"]) - _m(a["start"]) > longer_than
    )


def _slots_in(plan: dict, a: dict) -> list[dict]:
    return [
        s
        for s in plan["slots"]
        if s["staff"] == a["staff"] and _m(a["start"]) <= _m(s["start"]) and _m(s["end"]) <= _m(a["end"])
    ]


def _needs_breaks(scenario: dict, plan: dict) -> dict:
    """A break assignment of someone who works over 6 h (so the break is required)."""
    for b in plan["assignments"]:
        if b["activity"] != "break":
            continue
        presence = sum(_m(a["end"]) - _m(a["start"]) for a in _of(plan, b["staff"]))
        if presence - (_m(b["end"]) - _m(b["start"])) > 6 * 60:
            return b
    raise AssertionError("nobody needs a break")


Mutation = Callable[[dict, dict], None]
"""Changes a scenario dict and its plan dict in place so that the plan breaks a rule."""


def gap_in_tiling(scenario: dict, plan: dict) -> None:
    a = _first(plan, "back_office", longer_than=30)
    a["end"] = hhmm(_m(a["end"]) - 5)  # the next assignment still starts at the old end


def outside_availability(scenario: dict, plan: dict) -> None:
    last = _of(plan, "S002")[-1]
    last["end"] = hhmm(_m(last["end"]) + 30)


def overlapping_assignments(scenario: dict, plan: dict) -> None:
    items = _of(plan, "S002")
    items[1]["start"] = hhmm(_m(items[1]["start"]) - 15)


def service_before_opening(scenario: dict, plan: dict) -> None:
    early = next(
        a
        for a in plan["assignments"]
        if a["activity"] == "back_office" and a["start"] < "07:30" and "guide" in _skills(scenario, a["staff"])
    )
    early["activity"] = "guide"


def closed_date(scenario: dict, plan: dict) -> None:
    scenario["office"]["closed_dates"].append(plan["date"])
    scenario["bookings"] = [b for b in scenario["bookings"] if b["date"] != plan["date"]]  # else invalid input


def _skills(scenario: dict, staff: str) -> list[str]:
    return next(p["skills"] for p in scenario["staff"] if p["id"] == staff)


def skill_lost(scenario: dict, plan: dict) -> None:
    a = _first(plan, "service")
    service = next(t for t in scenario["service_types"] if t["id"] == a["service"])
    person = next(p for p in scenario["staff"] if p["id"] == a["staff"])
    person["skills"].remove(service["skill"])


def guide_without_skill(scenario: dict, plan: dict) -> None:
    guide = _first(plan, "guide")
    next(p for p in scenario["staff"] if p["id"] == guide["staff"])["skills"].remove("guide")


def counter_shared(scenario: dict, plan: dict) -> None:
    a, b = [
        x
        for x in plan["assignments"]
        if x["activity"] == "service" and x["service"] == "uebertrag" and _m(x["start"]) < _m("09:00") < _m(x["end"])
    ][:2]
    for item in [a, *_slots_in(plan, a)]:
        item["counter"] = b["counter"]


def counter_lacks_equipment(scenario: dict, plan: dict) -> None:
    a = next(x for x in plan["assignments"] if x["activity"] == "service" and x["service"] == "uebertrag")
    next(c for c in scenario["office"]["counters"] if c["id"] == a["counter"])["equipment"] = []


def break_dropped(scenario: dict, plan: dict) -> None:
    _needs_breaks(scenario, plan)["activity"] = "back_office"


def break_too_short(scenario: dict, plan: dict) -> None:
    b = _needs_breaks(scenario, plan)
    plan["assignments"].append(dict(b, start=hhmm(_m(b["start"]) + 10), activity="back_office"))
    b["end"] = hhmm(_m(b["start"]) + 10)


def slot_too_long(scenario: dict, plan: dict) -> None:
    slot = next(s for s in plan["slots"] if s["booking"] is None)
    slot["end"] = hhmm(_m(slot["end"]) + 5)


def slots_overlap(scenario: dict, plan: dict) -> None:
    a = _first(plan, "service", longer_than=60)
    first, second = _slots_in(plan, a)[:2]
    shift = _m(second["start"]) - _m(first["start"]) - 5
    for key in ("start", "end"):
        second[key] = hhmm(_m(second[key]) - shift)
    second["booking"] = None


def slot_at_wrong_counter(scenario: dict, plan: dict) -> None:
    slot = next(s for s in plan["slots"] if s["booking"] is None)
    slot["counter"] = next(c["id"] for c in scenario["office"]["counters"] if c["id"] != slot["counter"])


def two_overbooks_of_one_slot(scenario: dict, plan: dict) -> None:
    slot = next(s for s in plan["slots"] if s["booking"] is None)
    for n in (1, 2):
        plan["slots"].append(dict(slot, id=f"{slot['id']}-ob{n}", overbook_of=slot["id"], booking=None))


def overbook_at_other_time(scenario: dict, plan: dict) -> None:
    a = _first(plan, "service", longer_than=60)
    first, second = _slots_in(plan, a)[:2]
    plan["slots"].append(dict(second, id=second["id"] + "-ob", overbook_of=first["id"], booking=None))


def booking_lost(scenario: dict, plan: dict) -> None:
    next(s for s in plan["slots"] if s["booking"] is not None)["booking"] = None


def back_office_short(scenario: dict, plan: dict) -> None:
    for staff in sorted({a["staff"] for a in plan["assignments"]}):
        back = _of(plan, staff, "back_office")
        if sum(_m(a["end"]) - _m(a["start"]) for a in back) <= 75 and back:
            longest = max(back, key=lambda a: _m(a["end"]) - _m(a["start"]))
            if _m(longest["end"]) - _m(longest["start"]) >= 15:
                longest["activity"] = "break"
                return
    raise AssertionError("nobody with little back office")


def guide_missing(scenario: dict, plan: dict) -> None:
    _first(plan, "guide")["activity"] = "back_office"


def same_day_released_late(scenario: dict, plan: dict) -> None:
    slot = next(s for s in plan["slots"] if s["channel"] == "same_day")
    slot["release_at"] = f"{plan['date']}T{hhmm(_m(slot['start']) + 5)}:00"


def calendar_released_early(scenario: dict, plan: dict) -> None:
    slot = next(s for s in plan["slots"] if s["channel"] == "calendar")
    day = dt.date.fromisoformat(plan["date"]) - dt.timedelta(days=scenario["policy"]["calendar_horizon_days"] + 1)
    slot["release_at"] = f"{day}T07:30:00"


def _free_counter(scenario: dict, plan: dict, a: dict) -> str:
    """A counter with the service's equipment where nobody serves during assignment `a`."""
    need = set(next(t for t in scenario["service_types"] if t["id"] == a["service"])["equipment"])
    for counter in scenario["office"]["counters"]:
        if counter["id"] == a["counter"] or not need <= set(counter["equipment"]):
            continue
        if not any(
            x["activity"] == "service"
            and x["counter"] == counter["id"]
            and x["start"] < a["end"]
            and a["start"] < x["end"]
            for x in plan["assignments"]
        ):
            return counter["id"]
    raise AssertionError("no free counter")


def second_counter(scenario: dict, plan: dict) -> None:
    """One person's service split over two counters, where the policy allows one."""
    scenario["policy"]["max_counters_per_person"] = 1
    a = _first(plan, "service", longer_than=120)
    middle = hhmm(_m(a["start"]) + 60)
    later = dict(a, start=middle)
    a["end"] = middle
    later["counter"] = _free_counter(scenario, plan, later)
    plan["assignments"].append(later)
    for slot in plan["slots"]:
        if slot["staff"] == a["staff"] and _m(middle) <= _m(slot["start"]) < _m(later["end"]):
            slot["counter"] = later["counter"]
        elif slot["staff"] == a["staff"] and _m(slot["start"]) < _m(middle) < _m(slot["end"]):
            raise AssertionError("a slot spans the split")


def too_many_sittings(scenario: dict, plan: dict) -> None:
    scenario["policy"]["max_sittings"] = 1  # Thursday's template seats some people twice


def sitting_too_short(scenario: dict, plan: dict) -> None:
    scenario["policy"]["min_sitting_min"] = 8 * 60 - 5  # opening 10:00–18:00 is longer


BROKEN: list[tuple[int, str, Mutation]] = [
    (1, MONDAY, gap_in_tiling),
    (1, MONDAY, outside_availability),
    (1, MONDAY, overlapping_assignments),
    (2, MONDAY, service_before_opening),
    (2, MONDAY, closed_date),
    (3, MONDAY, skill_lost),
    (3, MONDAY, guide_without_skill),
    (4, MONDAY, counter_shared),
    (4, MONDAY, counter_lacks_equipment),
    (5, THURSDAY, break_dropped),
    (5, THURSDAY, break_too_short),
    (6, MONDAY, slot_too_long),
    (6, MONDAY, slots_overlap),
    (6, MONDAY, slot_at_wrong_counter),
    (6, MONDAY, two_overbooks_of_one_slot),
    (6, MONDAY, overbook_at_other_time),
    (7, MONDAY, booking_lost),
    (8, MONDAY, back_office_short),
    (9, MONDAY, guide_missing),
    (10, MONDAY, same_day_released_late),
    (10, MONDAY, calendar_released_early),
    (11, MONDAY, second_counter),
    (11, THURSDAY, too_many_sittings),
    (11, THURSDAY, sitting_too_short),
]


def _broken(sample: dict, plans: dict, day: str, mutation: Mutation) -> tuple[dict, dict]:
    scenario, plan = copy.deepcopy(sample), copy.deepcopy(plans[day])
    mutation(scenario, plan)
    return scenario, plan


def _rules(scenario: dict, plan: dict) -> set[int]:
    return {v.rule for v in check_plan(parse_scenario(scenario), Plan.model_validate(plan))}


# --- tests ----------------------------------------------------------------------------------------------


def test_template_plans_of_the_sample_week_are_valid(sample: dict, plans: dict) -> None:
    for day, plan in plans.items():
        assert own_violations(sample, plan) == [], day


@pytest.mark.parametrize("rule, day, mutation", BROKEN, ids=[f"rule{r}-{m.__name__}" for r, _, m in BROKEN])
def test_each_broken_rule_is_named(sample: dict, plans: dict, rule: int, day: str, mutation: Mutation) -> None:
    scenario, plan = _broken(sample, plans, day, mutation)
    assert rule in _rules(scenario, plan), own_violations(scenario, plan)


def test_a_regular_slot_may_carry_one_overbooked_slot(sample: dict, plans: dict) -> None:
    plan = copy.deepcopy(plans[MONDAY])
    slot = next(s for s in plan["slots"] if s["booking"] is not None)
    plan["slots"].append(dict(slot, id=slot["id"] + "-ob", overbook_of=slot["id"], booking=None))
    assert own_violations(sample, plan) == []


def test_the_rule_11_fields_bind_only_where_set(sample: dict, plans: dict) -> None:
    """The template plans one counter per person, at most two sittings, none under an hour (Thursday:
    S011 sits 16:15–17:30 at C04 and S014 10:00–11:15 at C06, 75 min each, the shortest)."""
    scenario = copy.deepcopy(sample)
    scenario["policy"] |= {"max_counters_per_person": 1, "max_sittings": 2, "min_sitting_min": 75}
    assert own_violations(scenario, plans[THURSDAY]) == []
    scenario["policy"]["min_sitting_min"] = 80
    assert [v.split(": ", 1)[1] for v in own_violations(scenario, plans[THURSDAY])] == [
        "S011 sitting at C04 16:15–17:30: 1 h 15 min, at least 1 h 20 min",
        "S014 sitting at C06 10:00–11:15: 1 h 15 min, at least 1 h 20 min",
    ]


def test_messages_name_the_person_and_the_time(sample: dict, plans: dict) -> None:
    scenario, plan = _broken(sample, plans, MONDAY, guide_missing)
    assert own_violations(scenario, plan) == [
        "rule 9 (entrance guides): entrance 07:30–12:30: 0 on guide duty, needs 1"
    ]
    scenario, plan = _broken(sample, plans, MONDAY, booking_lost)
    (message,) = own_violations(scenario, plan)
    assert message.startswith("rule 7 (bookings): booking B") and "holds no slot and is not in rebook" in message


@pytest.mark.parametrize("day, weekday, calendar", [("2024-12-25", "wed", "DE-NW"), ("2024-03-08", "fri", "DE-BE")])
def test_public_holidays_of_any_state_close_the_office(day: str, weekday: str, calendar: str) -> None:
    """`office.holidays` names any calendar of the `holidays` library (check_plan.py knows DE-BW only)."""
    scenario = tiny(
        office={"opening_hours": {weekday: [["08:00", "12:00"]]}},
        availability=[{"staff": s, "date": day, "start": "08:00", "end": "12:00"} for s in ("S1", "S2")],
        demand=[{"date": day, "service": "uebertrag", "count": 10}],
    )
    plan = plan_with_strategy(parse_scenario(scenario), dt.date.fromisoformat(day), strategy="template")
    assert own_violations(scenario, plan) == [] and plan.slots
    scenario["office"]["holidays"] = calendar
    found = own_violations(scenario, plan)
    assert found and all(v.startswith("rule 2 (opening hours): S") and "is a public holiday" in v for v in found)


@needs_shared
def test_both_checkers_accept_the_valid_plans(sample: dict, plans: dict) -> None:
    for day, plan in plans.items():
        assert shared_violations(sample, plan) == [], day


@needs_shared
@pytest.mark.parametrize("rule, day, mutation", BROKEN, ids=[f"rule{r}-{m.__name__}" for r, _, m in BROKEN])
def test_both_checkers_reject_the_broken_plans(
    sample: dict, plans: dict, rule: int, day: str, mutation: Mutation
) -> None:
    """Both reject the plan, and both name the same broken rules (check_plan.py's lines start `R<rule>`)."""
    scenario, plan = _broken(sample, plans, day, mutation)
    theirs = shared_violations(scenario, plan)
    assert {int(re.match(r"R(\d+)", line).group(1)) for line in theirs} == _rules(scenario, plan), theirs


# --- random mutations: both checkers agree on validity ---------------------------------------------------


def _shift(text: str, minutes: int) -> str:
    return hhmm(min(max(_m(text) + minutes, 0), 24 * 60))


@st.composite
def mutated(draw, sample: dict, plans: dict) -> tuple[dict, dict]:
    """A sample day's template plan with one to three random edits, and maybe a sitting policy."""
    sample = copy.deepcopy(sample)
    plan = copy.deepcopy(plans[draw(st.sampled_from(DAYS))])
    sample["policy"] |= {
        key: value
        for key, value in {
            "max_counters_per_person": draw(st.sampled_from([None, 1, 2])),
            "max_sittings": draw(st.sampled_from([None, 1, 2, 3])),
            "min_sitting_min": draw(st.sampled_from([None, 30, 60, 120])),
        }.items()
        if value is not None
    }
    delta = st.sampled_from([-30, -15, -10, -5, 5, 10, 15, 30])
    for _ in range(draw(st.integers(1, 3))):
        assignments, slots = plan["assignments"], plan["slots"]
        a = draw(st.sampled_from(assignments))
        s = draw(st.sampled_from(slots)) if slots else None
        edit = draw(
            st.sampled_from(
                [
                    "a_start",
                    "a_end",
                    "a_move",
                    "activity",
                    "a_counter",
                    "drop_a",
                    "s_move",
                    "s_counter",
                    "s_booking",
                    "s_release",
                    "s_overbook",
                    "drop_s",
                ]
            )
        )
        if edit == "a_start":
            a["start"] = _shift(a["start"], draw(delta))
        elif edit == "a_end":
            a["end"] = _shift(a["end"], draw(delta))
        elif edit == "a_move":
            d = draw(delta)
            a["start"], a["end"] = _shift(a["start"], d), _shift(a["end"], d)
        elif edit == "activity":
            a["activity"] = draw(st.sampled_from(["service", "guide", "back_office", "break"]))
            if a["activity"] == "service" and not a.get("service"):
                a["service"], a["counter"] = "uebertrag", draw(st.sampled_from(["C01", "C02", "C15"]))
        elif edit == "a_counter" and a["activity"] == "service":
            a["counter"] = draw(st.sampled_from([f"C{n:02d}" for n in range(1, 16)]))
        elif edit == "drop_a":
            assignments.remove(a)
        elif s is None:
            continue
        elif edit == "s_move":
            d = draw(delta)
            s["start"], s["end"] = _shift(s["start"], d), _shift(s["end"], d)
        elif edit == "s_counter":
            s["counter"] = draw(st.sampled_from([f"C{n:02d}" for n in range(1, 16)]))
        elif edit == "s_booking":
            s["booking"] = None
        elif edit == "s_release":
            moment = dt.datetime.fromisoformat(s["release_at"]) + dt.timedelta(minutes=draw(delta))
            s["release_at"] = moment.isoformat()
        elif edit == "s_overbook":
            regular = draw(st.sampled_from(slots))
            slots.append(dict(s, id=f"{s['id']}-ob{len(slots)}", overbook_of=regular["id"], booking=None))
        elif edit == "drop_s":
            slots.remove(s)
    return sample, plan


@needs_shared
def test_both_checkers_agree_on_random_mutations(sample: dict, plans: dict) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(sample, plans))
    def agree(case: tuple[dict, dict]) -> None:
        scenario, plan = case
        ours, theirs = own_violations(scenario, plan), shared_violations(scenario, plan)
        assert bool(ours) == bool(theirs), {"slotplan check": ours, "check_plan.py": theirs}

    agree()


# --- command line ---------------------------------------------------------------------------------------


def test_cli_exit_codes(sample: dict, plans: dict, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(plans[MONDAY]), encoding="utf-8")
    _scenario, broken_plan = _broken(sample, plans, MONDAY, guide_missing)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken_plan), encoding="utf-8")

    ok = runner.invoke(app, ["check", str(SAMPLE), str(good)])
    assert ok.exit_code == 0, ok.output
    assert "good.json: 2024-04-22" in ok.output and "0 violations — valid" in ok.output

    broken = runner.invoke(app, ["check", str(SAMPLE), str(good), str(bad)])
    assert broken.exit_code == 1
    assert "bad.json: rule 9 (entrance guides): entrance 07:30–12:30: 0 on guide duty, needs 1" in broken.output

    garbled = tmp_path / "garbled.json"
    garbled.write_text("{ not json", encoding="utf-8")
    for args in (
        [str(SAMPLE), str(garbled)],
        [str(tmp_path / "missing.json"), str(good)],
        [str(SAMPLE), str(tmp_path / "missing.json")],
    ):
        result = runner.invoke(app, ["check", *args])
        assert result.exit_code == 2, result.output
        assert "input error" in result.output and "Traceback" not in result.output
