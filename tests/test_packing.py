"""The packed seating (`optimizer.day.packing`) and its exact completion (`optimizer.day.seating_value`):
always a solution of the fluid seating model, with the model's best minutes for its booking holders, and
far fuller counters than the template's seating it replaced as the search's start."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model
from support import MONDAY, SAMPLE
from test_properties import offices

from optimizer.day.index import build_index
from optimizer.day.packing import packed_seating
from optimizer.day.seating import _Fluid, _fluid_model, _regrid, seat_from_template
from optimizer.day.seating_value import Completed, complete_seating
from optimizer.day.sitting_grid import Seating
from optimizer.day.variables import DayModel, create_variables
from optimizer.fluid_bounds import fluid_bound
from optimizer.scenario import load_scenario, parse_scenario

THURSDAY = dt.date(2024, 4, 25)


def runs(blocks: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for b in sorted(blocks):
        if out and out[-1][-1] == b - 1:
            out[-1].append(b)
        else:
            out.append([b])
    return out


def check_shape(dm: DayModel, seating: Seating) -> None:
    """One counter per person, never two people at a counter in a block between their first and last
    sitting, at most `max_sittings` sittings, each a whole shortest sitting long."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    counter_of: dict[int, str] = {}
    for (p, counter), on in seating.seat.items():
        if on:
            assert p not in counter_of
            counter_of[p] = counter
    held: dict[tuple[str, int], int] = defaultdict(int)
    for p, counter in counter_of.items():
        blocks = [b for (q, b), on in seating.sits.items() if on and q == p]
        assert blocks
        for b in range(min(blocks), max(blocks) + 1):
            held[(counter, b)] += 1
        assert len(runs(blocks)) <= sv.grid.max_sittings
        for run in runs(blocks):
            assert len(run) >= (sv.grid.min_blocks(ix, run[0]) or 0)
            assert set(run) <= set(sv.person_blocks[p])
    assert all(n == 1 for n in held.values())
    assert not {p for (p, b), on in seating.sits.items() if on} - set(counter_of)


def start_value(dm: DayModel, seating: Seating) -> float:
    """Weighted served of the seating's completion in the fluid model."""
    fm = _fluid_model(dm, 30, turns=True)
    assert fm is not None
    return complete_seating(fm.dm, seating).seating.value


def solve_with(fm: _Fluid, completed: Completed, minutes: bool) -> cp_model.CpSolver:
    """The fluid model solved with the completion's seating and holders fixed (and its minutes, with
    `minutes`)."""
    seating, sv, ix = completed.seating, fm.dm.sittings, fm.dm.index
    assert sv is not None
    seated = seating.seat_classes(ix.class_of_counter)
    fixed = [(lit, int(seated.get(p) == cls)) for (p, cls), lit in fm.seat_class.items()]
    fixed += [(lit, seating.sits.get(key, 0)) for key, lit in sv.sits.items()]
    fixed += [(lit, seating.guide.get(key, 0)) for key, lit in fm.dm.guide.items()]
    fixed += [(lit, int(seating.breaks.get(p) == j)) for p, lits in fm.dm.brk.items() for j, lit in enumerate(lits)]
    fixed += [(lit, int(seating.holders.get(bk) == p)) for (bk, p), lit in fm.held.items()]
    if minutes:
        fixed += [(m, completed.minutes.get(key, 0)) for key, m in fm.minutes_of.items()]
    model = cp_model.CpModel()
    model.proto.copy_from(fm.dm.model.proto)
    for var, value in fixed:
        model.add(model.get_int_var_from_proto_index(var.index) == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20.0
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices())
def test_every_packed_seating_completes_to_the_fluid_models_best_solution_for_its_holders(scenario: dict) -> None:
    ix = build_index(parse_scenario(scenario), dt.date.fromisoformat(MONDAY))
    fm = _fluid_model(create_variables(ix, slots=False), 30, turns=True)
    assert fm is not None
    for backwards in (False, True):
        seating = packed_seating(fm.dm, backwards)
        if seating is None:  # too few guides for a whole block somewhere: the template's seating stands in
            assert scenario["policy"]["guides_min"]
            continue
        check_shape(fm.dm, seating)
        completed = complete_seating(fm.dm, seating)
        assert completed.seating.holders.keys() <= {bk.id for bk in ix.bookings}
        # The completion is a solution (it may stand in for the search's), and no minutes do better.
        expected = fm.objective_of(completed.objective)
        assert round(solve_with(fm, completed, minutes=True).objective_value) == expected
        assert round(solve_with(fm, completed, minutes=False).objective_value) == expected


def test_the_packed_seating_fills_the_sample_thursday_far_beyond_the_template() -> None:
    scenario = load_scenario(SAMPLE)
    light = create_variables(build_index(scenario, THURSDAY), slots=False)
    fm = _fluid_model(light, 30, turns=True)
    assert fm is not None and light.sittings is not None
    packed = packed_seating(fm.dm, backwards=True)
    assert packed is not None
    template = seat_from_template(light)
    assert template is not None
    template = replace(template, sits=_regrid(template.sits, light.sittings.grid, fm.dm.sittings))
    bound = fluid_bound(scenario, THURSDAY)
    assert start_value(light, packed) >= 0.9 * bound > 1.2 * start_value(light, template)
