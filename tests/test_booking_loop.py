"""One source of truth for bookings: plan → publish → citizens book → re-plan with absences (reading the
service's bookings) → publish again, against the real service over HTTP. Then, on the server, every
booking is at its time and type, served by a present staff member at a counter, and no counter has
overlapping slots. Tiny office, short solves: the first plan is solved once, each round re-plans in seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_support import TOKEN, auth, book_confirmed, http_client, threaded_service
from support import MONDAY, tiny
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.day.solution import SolveOptions
from optimizer.pipeline import plan_day
from optimizer.plan import Plan
from optimizer.publish.bookings import fetch_booked, for_replan, with_bookings
from optimizer.publish.client import SlotClient, public_slot, publish
from optimizer.replan import Changes, apply_changes, replan_day
from optimizer.scenario import parse_scenario

DAY = dt.date.fromisoformat(MONDAY)
FAST = SolveOptions(time_limit_s=3.0, workers=1, seed=0, deterministic=True)
STAFF = [f"S{i}" for i in range(1, 6)]


def office() -> dict[str, Any]:
    """Three counters, five people who can all serve, 08:00–11:00 (no break needed), all slots online."""
    return tiny(
        office={
            "id": "loop",
            "counters": [{"id": f"C{i}", "equipment": ["eat_reader"]} for i in range(1, 4)],
            "opening_hours": {"mon": [["08:00", "11:00"]]},
        },
        staff=[{"id": s, "name": f"Person {s}", "skills": ["uebertrag"], "weekly_hours": 39} for s in STAFF],
        availability=[{"staff": s, "date": MONDAY, "start": "08:00", "end": "11:00"} for s in STAFF],
        demand=[{"date": MONDAY, "service": "uebertrag", "count": 30}],
    )


@functools.cache
def _first_plan() -> Plan:
    return plan_day(parse_scenario(office()), DAY, FAST)


def first_plan() -> Plan:
    """The office's first plan, solved once for the module: every round publishes the same day (a deep
    copy each time, so no round sees another's changes)."""
    return _first_plan().model_copy(deep=True)


def client(url: str) -> SlotClient:
    return SlotClient(url, TOKEN, timeout_s=10.0, attempts=2, backoff_s=0.0)


def server_slots(url: str, office_id: str) -> dict[str, dict[str, Any]]:
    answer = http_client().get(f"{url}/v1/offices/{office_id}/slots", params={"date": MONDAY}, headers=auth())
    return {s["id"]: s for s in answer.json()["slots"]}


def active_bookings(url: str, office_id: str) -> list[dict[str, Any]]:
    """The service's own record of the bookings (the check-in list's CSV source)."""
    answer = http_client().get(f"{url}/v1/offices/{office_id}/bookings", params={"date": MONDAY}, headers=auth())
    assert answer.status_code == 200, answer.text
    return answer.json()["bookings"]


def assert_consistent(url: str, plan: Plan, absent: set[str], booked_before: dict[str, dict[str, Any]]) -> None:
    slots = server_slots(url, plan.office)
    by_id = {s.id: s for s in plan.slots}
    bookings = active_bookings(url, plan.office)
    assert {b["slot"] for b in bookings} == set(booked_before)
    for b in bookings:
        before, now = booked_before[b["slot"]], slots[b["slot"]]
        # at its time and type
        assert (now["start"], now["end"], now["service"]) == (before["start"], before["end"], before["service"])
        assert (b["start"], b["service"]) == (before["start"], before["service"]) and now["booked"]
        # served by somebody present, at the counter the server shows
        served = by_id[b["slot"]]
        assert served.staff not in absent and served.counter == now["counter"]
    per_counter: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for s in slots.values():
        per_counter[s["counter"]].append((s["start"], s["end"], s["id"]))
    for counter, spans in per_counter.items():
        spans.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(spans):
            assert end <= start, f"{first} and {second} overlap at {counter}"


def loop(tmp: Path, seed: int, share: float) -> None:
    scenario = parse_scenario(office())
    plan1 = first_plan()
    with threaded_service(tmp / "loop.sqlite3") as server, client(server.url) as slots_client:
        first = publish(plan1, slots_client)
        assert first.outcome == "done", first.error
        free = sorted(server_slots(server.url, "loop").values(), key=lambda s: s["id"])
        rng = random.Random(seed)
        chosen = [s for s in free if rng.random() < share] or [free[0]]
        for i, s in enumerate(chosen):
            book_confirmed(server, "loop", s["id"], f"bürger{i}@example.org")
        booked_before = {s["id"]: s for s in chosen}
        holders = sorted({s.staff for s in plan1.slots if s.id in booked_before})
        absent = set(rng.sample(holders, min(2, len(holders))))
        if len(absent) < 2:
            absent.add(next(s for s in STAFF if s not in absent))

        booked = fetch_booked(server.url, "loop", [DAY], client=slots_client)
        assert {b["id"] for b in booked} == set(booked_before)
        marked, online = for_replan(plan1, booked)
        change = Changes(absent=tuple(sorted(absent)))
        current = with_bookings(apply_changes(scenario, DAY, marked, change), online)
        plan2, _report = replan_day(current, marked, DAY, change, FAST)
        assert not plan2.rebook, plan2.rebook
        second = publish(plan2, slots_client)
        assert second.outcome == "done", [(c.slot_id, c.kind, c.reason) for c in second.conflicts]
        assert_consistent(server.url, plan2, absent, booked_before)


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.2, 0.5, 0.9]))
def test_loop_keeps_every_booking_with_present_staff(tmp_path_factory, seed: int, share: float) -> None:
    loop(tmp_path_factory.mktemp("loop"), seed, share)


def test_server_refuses_a_slot_on_a_booked_slots_counter_or_staff(tmp_path) -> None:
    """A re-plan that never saw the online bookings: the service refuses what would collide (409 naming
    both slots), and the publish report says so."""
    plan1 = first_plan()
    with threaded_service(tmp_path / "refuse.sqlite3") as server, client(server.url) as slots_client:
        assert publish(plan1, slots_client).outcome == "done"
        # a slot with another slot at the same time at another counter (from the middle of the day on: a
        # plan solved under load need not have one at exactly the middle slot)
        middle = len(plan1.slots) // 2
        target, other = next(
            (t, o)
            for t in plan1.slots[middle:] + plan1.slots[:middle]
            for o in plan1.slots
            if o.start == t.start and o.counter != t.counter
        )
        book_confirmed(server, "loop", target.id, "anna@example.org")
        # the office moves the other slot onto the booked slot's counter and time
        moved = other.model_copy(update={"counter": target.counter})
        answer = http_client().put(
            f"{server.url}/v1/offices/loop/slots/{other.id}", headers=auth(), json=public_slot(moved)
        )
        assert answer.status_code == 409 and answer.json()["error"] == "conflict"
        assert other.id in answer.json()["message"] and target.id in answer.json()["message"]
        # the same person serving another slot at the booked slot's time: the booked slot would lose them
        thief = other.model_copy(update={"staff": target.staff})
        plan2 = plan1.model_copy(update={"slots": [thief if s.id == other.id else s for s in plan1.slots]})
        result = publish(plan2, slots_client)
        assert result.outcome == "conflicts" and result.exit_code == 4
        refused = [c for c in result.changes if c.kind == "refused"]
        assert [c.slot_id for c in refused] == [other.id] and target.id in refused[0].reason
        assert result.report()["refused"] == [other.id]
        assert server_slots(server.url, "loop")[other.id]["counter"] == other.counter


def test_cli_replan_and_plan_read_bookings_from_the_service(tmp_path, monkeypatch) -> None:
    runner = CliRunner()
    scenario_path = tmp_path / "loop.json"
    scenario_path.write_text(json.dumps(office()), encoding="utf-8")
    plan1 = first_plan()
    plan_path = tmp_path / "published.json"
    plan_path.write_text(plan1.to_json(), encoding="utf-8")
    monkeypatch.setenv("SLOTPLAN_TOKEN", TOKEN)
    with threaded_service(tmp_path / "cli.sqlite3") as server, client(server.url) as slots_client:
        publish(plan1, slots_client)
        target = plan1.slots[0]
        book_confirmed(server, "loop", target.id, "anna@example.org")
        result = runner.invoke(
            app,
            [
                "replan",
                str(scenario_path),
                "--plan",
                str(plan_path),
                "--date",
                MONDAY,
                "--absent",
                f"{target.staff},S5" if target.staff != "S5" else "S5,S4",
                "--bookings-from",
                server.url,
                "--time-limit",
                "3",
                "--workers",
                "1",
                "--deterministic",
                "--out",
                str(tmp_path / "re"),
            ],
        )
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output and "1 booking(s) read" in result.output
        replanned = json.loads((tmp_path / "re" / f"loop_{MONDAY}.json").read_text(encoding="utf-8"))
        held = next(s for s in replanned["slots"] if s["id"] == target.id)
        assert held["booking"] == target.id and held["staff"] != target.staff

        result = runner.invoke(
            app,
            [
                "plan",
                str(scenario_path),
                "--date",
                MONDAY,
                "--bookings-from",
                server.url,
                "--time-limit",
                "3",
                "--workers",
                "1",
                "--deterministic",
                "--out",
                str(tmp_path / "fresh"),
            ],
        )
        assert result.exit_code == 0, result.output
        fresh = json.loads((tmp_path / "fresh" / f"loop_{MONDAY}.json").read_text(encoding="utf-8"))
        assert [s["start"] for s in fresh["slots"] if s["booking"] == target.id] == [target_start(target)]

        monkeypatch.delenv("SLOTPLAN_TOKEN")
        result = runner.invoke(
            app,
            ["plan", str(scenario_path), "--date", MONDAY, "--bookings-from", server.url, "--out", str(tmp_path / "x")],
        )
        assert result.exit_code == 2 and "SLOTPLAN_TOKEN" in result.output


def target_start(slot: Any) -> str:
    return f"{slot.start // 60:02d}:{slot.start % 60:02d}"
