"""Sittings read off a plan (optimizer.sittings_view): hand-made days and the checker's reading."""

from __future__ import annotations

import functools
import importlib.util
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.clock import hhmm
from optimizer.plan import Assignment, read_plan
from optimizer.sittings_view import Sitting, person_figures, sittings_of, workability

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PLAN = Path(__file__).parent / "fixtures_workbook" / "plan_2024-04-22.json"


def day(*rows: tuple[str, str, str, str | None, str | None]) -> list[Assignment]:
    """Assignments from (staff, "HH:MM-HH:MM", activity, service, counter) rows."""
    out = []
    for staff, span, activity, service, counter in rows:
        start, end = span.split("-")
        out.append(Assignment(staff=staff, start=start, end=end, activity=activity, service=service, counter=counter))
    return out


def spans(sittings: list[Sitting]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(s.staff, f"{hhmm(s.start)}-{hhmm(s.end)}", s.counter, s.services) for s in sittings]


def test_back_office_at_the_desk_joins_and_types_are_collected():
    got = sittings_of(
        day(
            ("A", "07:30-09:00", "service", "uebertrag", "C1"),
            ("A", "09:00-09:15", "back_office", None, None),
            ("A", "09:15-10:30", "service", "eat_ausgabe", "C1"),
            ("A", "10:30-10:45", "service", "uebertrag", "C1"),
        )
    )
    assert spans(got) == [("A", "07:30-10:45", "C1", ("uebertrag", "eat_ausgabe"))]
    assert got[0].service_minutes == 90 + 75 + 15


def test_another_person_at_the_counter_meanwhile_splits():
    got = sittings_of(
        day(
            ("A", "07:30-08:30", "service", "uebertrag", "C1"),
            ("A", "08:30-09:00", "back_office", None, None),
            ("A", "09:00-10:00", "service", "uebertrag", "C1"),
            ("B", "07:30-08:30", "back_office", None, None),
            ("B", "08:30-09:00", "service", "verlust", "C1"),
        )
    )
    assert spans(got) == [
        ("A", "07:30-08:30", "C1", ("uebertrag",)),
        ("A", "09:00-10:00", "C1", ("uebertrag",)),
        ("B", "08:30-09:00", "C1", ("verlust",)),
    ]
    # Someone at *another* counter meanwhile does not split.
    other = sittings_of(
        day(
            ("A", "07:30-08:30", "service", "uebertrag", "C1"),
            ("A", "08:30-09:00", "back_office", None, None),
            ("A", "09:00-10:00", "service", "uebertrag", "C1"),
            ("B", "08:30-09:00", "service", "verlust", "C2"),
        )
    )
    assert [s[:3] for s in spans(other)] == [("A", "07:30-10:00", "C1"), ("B", "08:30-09:00", "C2")]


@pytest.mark.parametrize("between", ["break", "guide"])
def test_break_or_guide_duty_splits(between):
    got = sittings_of(
        day(
            ("A", "07:30-10:00", "service", "uebertrag", "C1"),
            ("A", "10:00-10:15", "back_office", None, None),
            ("A", "10:15-10:45", between, None, None),
            ("A", "10:45-12:30", "service", "uebertrag", "C1"),
        )
    )
    assert [s[1] for s in spans(got)] == ["07:30-10:00", "10:45-12:30"]


def test_another_counter_splits_and_figures_count_counters():
    got = sittings_of(
        day(
            ("A", "07:30-09:00", "service", "uebertrag", "C1"),
            ("A", "09:00-10:00", "service", "uebertrag", "C2"),
            ("A", "10:00-11:00", "service", "notfall", "C1"),
            ("B", "07:30-12:30", "back_office", None, None),
        )
    )
    assert [s[2] for s in spans(got)] == ["C1", "C2", "C1"]
    figures = person_figures(got)
    assert set(figures) == {"A"}  # B never serves
    assert (figures["A"].sittings, figures["A"].counters, figures["A"].service_minutes) == (3, 2, 210)


def test_workability_sums_up_counters_and_sittings_per_serving_person():
    plan = read_plan(PLAN)
    plan = plan.model_copy(
        update={
            "assignments": day(
                ("A", "07:30-09:00", "service", "uebertrag", "C1"),
                ("A", "09:00-10:00", "service", "uebertrag", "C2"),
                ("A", "10:00-11:00", "service", "notfall", "C1"),
                ("B", "07:30-12:30", "back_office", None, None),
                ("C", "07:30-12:30", "service", "uebertrag", "C3"),
            )
        }
    )
    assert workability(plan) == {"counters_mean": 1.5, "counters_max": 2, "sittings_mean": 2.0, "sittings_max": 3}


def _checker():
    if not (SHARED / "tools" / "check_plan.py").exists():
        pytest.skip("../shared/tools/check_plan.py is absent: cannot compare with the checker's sittings")
    return _load_checker()


@functools.cache
def _load_checker():
    spec = importlib.util.spec_from_file_location("check_plan", SHARED / "tools" / "check_plan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _checker_sittings(checker, assignments: list[Assignment]) -> list[tuple[str, int, int, str]]:
    by_staff, use = defaultdict(list), defaultdict(list)
    for a in assignments:
        if a.end <= a.start:
            continue
        item = {"staff": a.staff, "activity": a.activity, "service": a.service, "counter": a.counter}
        by_staff[a.staff].append((a.start, a.end, item))
        if a.activity == "service":
            use[a.counter].append((a.start, a.end, a.staff))
    return sorted((p, s, e, c) for p, items in by_staff.items() for s, e, c in checker.sittings_of(items, use))


def test_the_sample_plan_reads_as_the_checker_reads_it():
    checker = _checker()
    assignments = read_plan(PLAN).assignments
    ours = sorted((s.staff, s.start, s.end, s.counter) for s in sittings_of(assignments))
    assert ours == _checker_sittings(checker, assignments)
    assert len(ours) > 100  # a choppy plan: many short sittings


ACTIVITIES = st.sampled_from(["service", "service", "service", "back_office", "break", "guide"])


@st.composite
def random_days(draw) -> list[Assignment]:
    """Up to four people, each a gapless sequence of 5-minute-grid pieces from 07:30."""
    out = []
    for staff in ("A", "B", "C", "D")[: draw(st.integers(1, 4))]:
        t = 450
        for _ in range(draw(st.integers(1, 10))):
            length = 5 * draw(st.integers(1, 12))
            activity = draw(ACTIVITIES)
            service = counter = None
            if activity == "service":
                service = draw(st.sampled_from(["uebertrag", "notfall"]))
                counter = draw(st.sampled_from(["C1", "C2"]))
            out.append(
                Assignment(staff=staff, start=t, end=t + length, activity=activity, service=service, counter=counter)
            )
            t += length
    return out


@settings(max_examples=200, deadline=None)
@given(random_days())
def test_random_days_read_as_the_checker_reads_them(assignments):
    """Property: the same sittings as ../shared/tools/check_plan.py, and every service minute in one."""
    checker = _checker()
    got = sittings_of(assignments)
    ours = sorted((s.staff, s.start, s.end, s.counter) for s in got)
    assert ours == _checker_sittings(checker, assignments)
    for a in assignments:
        if a.activity == "service":
            holders = [s for s in got if s.staff == a.staff and s.start <= a.start and a.end <= s.end]
            assert len(holders) == 1 and holders[0].counter == a.counter and a.service in holders[0].services
    assert sum(s.service_minutes for s in got) == sum(a.end - a.start for a in assignments if a.activity == "service")
