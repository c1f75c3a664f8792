"""Exchanging people between counter classes (`optimizer.day.seat_exchange`): every step keeps a
solution of the fluid seating model with the same sittings, guide turns and breaks, never loses value,
and on the sample Thursday finds the steps the packed seating misses."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from support import MONDAY, SAMPLE
from test_packing import THURSDAY, check_shape, solve_with
from test_properties import offices

from optimizer.day.budget import Budget
from optimizer.day.index import build_index
from optimizer.day.packing import packed_seating
from optimizer.day.seat_exchange import _Steps, exchange_seats
from optimizer.day.seating import _Fluid, _fluid_model, _give_counters
from optimizer.day.seating_value import Completed, complete_seating
from optimizer.day.sitting_grid import Seating
from optimizer.day.solution import SolveOptions
from optimizer.day.variables import create_variables
from optimizer.scenario import load_scenario, parse_scenario


def fluid(scenario, date: dt.date) -> _Fluid:
    fm = _fluid_model(create_variables(build_index(scenario, date), slots=False), 30, turns=True)
    assert fm is not None
    return fm


def exchanged(fm: _Fluid, start: Completed) -> Completed:
    return exchange_seats(fm.dm, start, Budget(SolveOptions(time_limit_s=60, deterministic=True)), 20.0)


def days(seating: Seating, people: range) -> tuple[Counter[tuple], Counter[tuple]]:
    """Each person's sittings, and each person's guide turns and break, without saying whose (a day swap
    trades both, a hand-over the sittings)."""
    sittings = Counter(tuple(sorted(b for (q, b), on in seating.sits.items() if on and q == p)) for p in people)
    del sittings[()]
    away = Counter(
        (tuple(sorted(t for (q, t), on in seating.guide.items() if on and q == p)), seating.breaks.get(p))
        for p in people
    )
    return sittings, away


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices())
def test_exchanges_keep_a_solution_of_the_fluid_model_with_the_same_days(scenario: dict) -> None:
    fm = fluid(parse_scenario(scenario), dt.date.fromisoformat(MONDAY))
    for backwards in (False, True):
        seating = packed_seating(fm.dm, backwards)
        if seating is None:
            continue
        start = complete_seating(fm.dm, seating)
        result = exchanged(fm, start)
        assert result.objective.key() >= start.objective.key()
        people = range(len(fm.dm.index.people))
        assert days(result.seating, people) == days(start.seating, people)
        # The classes fit: the completion is a solution of the fluid model, and counters are found for all.
        assert round(solve_with(fm, result, minutes=True).objective_value) == fm.objective_of(result.objective)
        sits = dict(result.seating.sits)
        seat = _give_counters(fm.dm, result.seating.seat_classes(fm.dm.index.class_of_counter), sits)
        assert sits == result.seating.sits
        check_shape(fm.dm, Seating(result.seating.guide, result.seating.breaks, seat, sits))


def test_on_the_sample_thursday_exchanges_seat_emergency_staff_where_emergencies_are_served() -> None:
    """The packed seating puts emergency-trained people at the eAT counters and leaves emergencies
    unserved while a colleague without that skill sits at a counter without a reader; exchanges fix it."""
    fm = fluid(load_scenario(SAMPLE), THURSDAY)
    seating = packed_seating(fm.dm, backwards=True, longest=True)
    assert seating is not None
    start = complete_seating(fm.dm, seating)
    result = exchanged(fm, start)

    def emergencies(c: Completed) -> int:
        return sum(m for (_p, k), m in c.minutes.items() if k == "notfall")

    demand = 34 * 30
    assert emergencies(start) < demand == emergencies(result)
    assert result.objective.held == start.objective.held
    assert result.seating.value >= start.seating.value + 20


def test_on_the_sample_friday_a_colleague_without_a_seat_takes_over_a_low_value_sitting() -> None:
    """The packed seating gives a counter for the whole morning to a colleague who can serve only
    Nichterlöschen, while a colleague trained for emergencies, Übertrag and eAT has no seat; a hand-over
    gives the sittings to the second."""
    fm = fluid(load_scenario(SAMPLE), dt.date(2024, 4, 26))
    ix = fm.dm.index
    seating = packed_seating(fm.dm, backwards=True, longest=True)
    assert seating is not None
    start = complete_seating(fm.dm, seating)
    result = exchanged(fm, start)

    def seated(c: Completed) -> set[str]:
        return {ix.people[p].id for p in c.seating.seat_classes(ix.class_of_counter)}

    assert "S015" in seated(start) - seated(result)
    assert "S018" in seated(result) - seated(start)
    assert result.objective.held == start.objective.held
    assert result.seating.value >= start.seating.value + 8
    # The hand-over keeps a solution of the fluid model (presence, breaks and guide turns outside sittings).
    assert round(solve_with(fm, result, minutes=True).objective_value) == fm.objective_of(result.objective)


def test_a_hand_over_never_puts_a_sitting_over_the_new_sitters_guide_turns() -> None:
    """Whoever could take over a colleague's sittings on the sample Friday is offered none once they
    guide in every block: guide duty (and breaks, read the same way) stays outside sittings."""
    fm = fluid(load_scenario(SAMPLE), dt.date(2024, 4, 26))
    dm = fm.dm
    sv = dm.sittings
    assert sv is not None
    seating = packed_seating(dm, backwards=True, longest=True)
    assert seating is not None

    def takers(s: Seating) -> set[int]:
        before = set(s.seat_classes(dm.index.class_of_counter))
        steps = _Steps(dm, s)
        return {
            q
            for p in before
            for candidate in steps.of(p)
            for q in set(candidate.seat_classes(dm.index.class_of_counter)) - before
        }

    offered = takers(seating)
    assert offered
    first_steps = {sv.grid.blocks[b].first_step for b in range(len(sv.grid.blocks))}
    guiding = replace(seating, guide=seating.guide | {(q, t): 1 for q in offered for t in first_steps})
    assert not takers(guiding)
