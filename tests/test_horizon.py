"""Planning across days (issue 13): queue bookkeeping, emergencies, fair shortfall, rolling re-runs."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.horizon import HorizonOptions, free_slots, plan_horizon, wait_report
from optimizer.horizon.explain import explain_waits
from optimizer.horizon.queue import run_queues
from optimizer.plan import Plan, Slot, SolverReport, read_plan
from optimizer.scenario import parse_scenario

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (wait_eval.py, check_plan.py) is absent")
WEEK = [dt.date(2024, 4, 22) + dt.timedelta(days=i) for i in range(5)]  # Monday to Friday


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, SHARED / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def office(types: list[dict], staff: list[dict], days: list[dt.date], **extra) -> dict:
    """A two-counter office open 08:00–12:00 on weekdays, everyone present 08:00–12:00 on `days`."""
    return {
        "version": 1,
        "office": {
            "id": "h",
            "name": "Horizon office",
            "granularity_min": 5,
            "opening_hours": {d: [["08:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "counters": [{"id": "C1", "equipment": []}, {"id": "C2", "equipment": []}],
        },
        "service_types": types,
        "staff": staff,
        "availability": [
            {"staff": p["id"], "date": d.isoformat(), "start": "08:00", "end": "12:00"} for d in days for p in staff
        ],
        "policy": {"back_office_min": 0, "guides_min": 0, "same_day_release": ["08:00"]},
        **extra,
    }


def service(ident: str, minutes: int, weight: float, target: int) -> dict:
    return {
        "id": ident,
        "name": ident.title(),
        "duration_min": minutes,
        "skill": "desk",
        "weight": weight,
        "same_day_share": 0.0,
        "equipment": [],
        "target_wait_days": target,
    }


DESK = [{"id": "S1", "name": "Anna", "skills": ["desk"]}, {"id": "S2", "name": "Mehmet", "skills": ["desk"]}]


def test_scenario_fields_are_validated() -> None:
    data = office(
        [service("a", 20, 1.0, 3)],
        DESK,
        WEEK[:1],
        requests=[{"date": "2024-04-22", "service": "nope", "count": 3}],
        backlog=[{"service": "a", "since": "2024-04-19", "count": -1}],
    )
    with pytest.raises(InputError) as err:
        parse_scenario(data)
    text = "\n".join(err.value.problems)
    assert "backlog[0].count" in text
    data["backlog"] = []
    with pytest.raises(InputError, match=r"requests\[0\]\.service: unknown service 'nope'"):
        parse_scenario(data)


def _fake_plan(day: dt.date, free: dict[str, int], booked: dict[str, int]) -> Plan:
    """A plan carrying only slots (what the waiting is counted from)."""
    slots, minute = [], 8 * 60
    for service_id, counts in (("free", free), ("booked", booked)):
        for k, n in counts.items():
            for _ in range(n):
                slots.append(
                    Slot(
                        id=f"{day}-{len(slots)}",
                        date=day,
                        start=minute,
                        end=minute + 5,
                        service=k,
                        staff="S1",
                        counter="C1",
                        channel="calendar",
                        release_at=f"{day}T08:00",
                        booking=f"B{len(slots)}" if service_id == "booked" else None,
                    )
                )
    report = SolverReport(objective=0, bound=0, gap=0, seconds=0, time_limit_s=1, workers=1, seed=0)
    return Plan(office="h", date=day, status="FEASIBLE", solver=report, kpis={}, slots=slots)


@needs_shared
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_queue_bookkeeping_agrees_with_wait_eval(data) -> None:
    types = [
        service("a", 20, 1.0, data.draw(st.integers(0, 4))),
        service("b", 30, 2.0, 2),
        {**service("c", 10, 1.0, 0), "target_wait_days": None},
    ]
    days = [*WEEK, WEEK[0] + dt.timedelta(days=7)]  # a week, the weekend, the next Monday
    requests = [
        {"date": (WEEK[0] + dt.timedelta(days=i)).isoformat(), "service": k, "count": data.draw(st.integers(0, 6))}
        for i in range(9)
        for k in "abc"
    ]
    backlog = [
        {
            "service": k,
            "since": (WEEK[0] - dt.timedelta(days=data.draw(st.integers(1, 6)))).isoformat(),
            "count": data.draw(st.integers(0, 5)),
        }
        for k in "ab"
    ]
    scn = office(types, DESK, days, requests=requests, backlog=backlog)
    plans = [
        _fake_plan(d, {k: data.draw(st.integers(0, 7)) for k in "abc"}, {k: data.draw(st.integers(0, 2)) for k in "ab"})
        for d in days
    ]
    ours = wait_report(parse_scenario(scn), plans)
    theirs, summary = _tool("wait_eval").evaluate(scn, [p.to_json_dict() for p in plans])
    for k, v in theirs.items():
        w = ours.types[k]
        assert (
            w.served,
            w.mean_wait_days,
            w.p90_wait_days,
            w.within_target,
            w.missed_target,
            w.share_within_target,
            w.still_waiting,
        ) == (
            v["served"],
            v["mean_wait_days"],
            v["p90_wait_days"],
            v["within_target"],
            v["missed_target"],
            v["share_within_target"],
            v["still_waiting"],
        )
    assert ours.worst_share == summary["worst_within_target"]


@needs_shared
def test_emergency_with_target_zero_is_served_on_its_day(tmp_path: Path) -> None:
    """Emergencies arrive on Tuesday and Wednesday; a heavier, longer type competes for the desk."""
    types = [service("notfall", 30, 1.0, 0), service("uebertrag", 15, 3.0, 14)]
    scn = office(
        types,
        DESK,
        WEEK[:3],
        requests=[
            {"date": "2024-04-23", "service": "notfall", "count": 3},
            {"date": "2024-04-24", "service": "notfall", "count": 4},
            *({"date": d.isoformat(), "service": "uebertrag", "count": 40} for d in WEEK[:3]),
        ],
    )
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scn))
    out = tmp_path / "out"
    # 8 s: under load, the day model's floors level needs a few seconds on these days
    result = CliRunner().invoke(
        app,
        [
            "plan",
            str(path),
            "--date",
            "2024-04-22",
            "--to",
            "2024-04-24",
            "--time-limit",
            "8",
            "--out",
            str(out),
            "--excel",
            str(tmp_path / "r.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Wartezeiten" in result.output
    sheet = load_workbook(tmp_path / "r.xlsx")["Wartezeiten"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, max_row=6, values_only=True)}
    assert rows["Notfall"][6:9] == (7, 0, 1)  # within, missed, share
    assert sheet._charts, "the queue chart"
    explained = CliRunner().invoke(
        app, ["explain", str(path), "--date", "2024-04-22", "--to", "2024-04-24", "--plans", str(out)]
    )
    assert explained.exit_code == 0, explained.output
    assert "Notfall: all 7 counted requests within the target of 0 days" in explained.output
    plans = sorted(out.glob("*.json"))
    dicts = [json.loads(p.read_text()) for p in plans]
    for d in dicts:
        assert _tool("check_plan").check(scn, d) == []
        assert "contingents" in d["kpis"]
    per_type, _ = _tool("wait_eval").evaluate(scn, dicts)
    assert per_type["notfall"]["within_target"] == 7
    assert per_type["notfall"]["share_within_target"] == 1.0


def test_shortfall_is_shared_fairly() -> None:
    """Two types on one desk, far more requests than minutes: a heavy type must not starve a light one."""
    types = [service("heavy", 20, 5.0, 1), service("light", 20, 1.0, 1)]
    staff = DESK[:1]
    requests = [{"date": d.isoformat(), "service": k, "count": 12} for d in WEEK for k in ("heavy", "light")]
    scenario = parse_scenario(office(types, staff, WEEK, requests=requests))
    options = HorizonOptions(capacity_factor=1.0)
    horizon = plan_horizon(scenario, WEEK, options=options)
    assert sum(horizon.for_day(WEEK[0]).values()) == 12  # 240 minutes / 20
    queues = run_queues(scenario, horizon.contingents, WEEK[0], WEEK[-1])
    shares = {k: q.within / (q.within + q.missed) for k, q in queues.items()}
    assert max(shares.values()) < 1.0  # a real shortfall
    # the LP's tolerance, plus a whole slot of rounding per type
    allowed = options.tolerance + 1 / min(q.within + q.missed for q in queues.values())
    assert abs(shares["heavy"] - shares["light"]) <= allowed, shares


def test_explain_names_the_type_that_misses_its_target() -> None:
    scn = office(
        [service("notfall", 30, 1.0, 0)],
        DESK,
        WEEK[:1],
        requests=[{"date": "2024-04-22", "service": "notfall", "count": 5}],
    )
    lines = explain_waits(parse_scenario(scn), [_fake_plan(WEEK[0], {"notfall": 3}, {})])
    # the plan has nobody at work (no assignments): nobody with the skill was free
    assert lines == [
        "Notfall: 2 of 5 counted requests missed the target of 0 days (share within target 60.0%); "
        "late on 1 planned days, limited by people with skill 'desk' on 1 (2024-04-22)"
    ]


def test_horizon_needs_requests() -> None:
    scenario = parse_scenario(office([service("a", 20, 1.0, 3)], DESK, WEEK[:1]))
    with pytest.raises(InputError, match="requests"):
        plan_horizon(scenario, WEEK[:1])


@needs_shared
def test_rerun_next_morning_keeps_published_slot_ids(tmp_path: Path) -> None:
    types = [service("a", 20, 2.0, 2), service("b", 30, 1.0, 3)]
    requests = [{"date": d.isoformat(), "service": k, "count": 9} for d in WEEK[:3] for k in "ab"]
    scn = office(types, DESK, WEEK[:3], requests=requests)
    path, out = tmp_path / "s.json", tmp_path / "out"
    path.write_text(json.dumps(scn))
    runner = CliRunner()
    first = runner.invoke(
        app, ["plan", str(path), "--date", "2024-04-22", "--to", "2024-04-24", "--time-limit", "3", "--out", str(out)]
    )
    assert first.exit_code == 0, first.output
    plans = {p.date: p for p in map(read_plan, sorted(out.glob("*.json")))}
    tuesday = plans[WEEK[1]]
    # Next morning: a citizen booked one of Tuesday's published slots; what Monday left waiting is the backlog.
    booked = next(s for s in tuesday.slots if s.booking is None)
    queues = run_queues(parse_scenario(scn), free_slots([plans[WEEK[0]]]), WEEK[0], WEEK[2], until=WEEK[0])
    morning = copy.deepcopy(scn)
    morning["requests"] = [r for r in requests if r["date"] != "2024-04-22"]
    morning["backlog"] = [
        {"service": k, "since": e.made.isoformat(), "count": e.count} for k, q in queues.items() for e in q.queue
    ]
    morning["bookings"] = [
        {
            "id": "B1",
            "date": "2024-04-23",
            "start": f"{booked.start // 60:02d}:{booked.start % 60:02d}",
            "service": booked.service,
        }
    ]
    path.write_text(json.dumps(morning))
    # 10 s: at 3 s under load, the day model's re-plan may not reach its keep-published level; deterministic
    # time, so that a loaded machine gets as far
    days = ["--date", "2024-04-23", "--to", "2024-04-24"]
    second = runner.invoke(app, ["plan", str(path), *days, "--time-limit", "10", "--deterministic", "--out", str(out)])
    assert second.exit_code == 0, second.output
    again = read_plan(out / "h_2024-04-23.json")
    holder = next(s for s in again.slots if s.booking == "B1")
    assert holder.id == booked.id  # the booking stays in the slot the citizen booked
    assert _tool("check_plan").check(morning, again.to_json_dict()) == []
    kept = {s.id for s in tuesday.slots} & {s.id for s in again.slots}
    assert len(kept) >= 0.9 * len(tuesday.slots), (len(kept), len(tuesday.slots))
