"""The roster polish's large-neighbourhood search: it keeps every rule and never loses the roster it got."""

from __future__ import annotations

import math

from hypothesis import given, settings
from ortools.sat.python import cp_model

from optimizer.roster import lns
from optimizer.roster.colgen import ColumnGeneration, InfeasibleEmployee
from optimizer.roster.compact_model import build_model
from optimizer.roster.problem import Employee, RosterProblem, objective, violations
from tests.test_roster_curtois import every_day, small_problems, tiny


def start_roster(problem: RosterProblem):
    """Every employee's own best schedule, cover ignored: a valid roster, usually a poor one."""
    cg = ColumnGeneration(problem)
    cg.initial_columns()
    return cg.roster(cg.rounded())


def test_steps_mend_the_cover_of_a_poor_roster() -> None:
    # nobody has a reason of their own to work, so the start leaves all 14 shifts uncovered (cost 140)
    staff = [Employee(f"P{i}", max_consecutive=5, max_minutes=5 * 480) for i in range(3)]
    problem = tiny(14, staff, every_day(14, req=1, under=10, over=1))
    roster = start_roster(problem)
    start = objective(problem, roster)
    assert start == 140
    better, value = lns.improve(build_model(problem), roster, math.inf, value=start, deterministic_budget=1.0)
    assert value == objective(problem, better) < start
    assert not violations(problem, better)


@settings(max_examples=20, deadline=None)
@given(small_problems())
def test_steps_keep_every_rule_and_never_worsen(problem: RosterProblem) -> None:
    try:
        roster = start_roster(problem)
    except InfeasibleEmployee:
        return
    start = objective(problem, roster)
    built = build_model(problem)
    better, value = lns.improve(built, roster, math.inf, value=start, deterministic_budget=0.3)
    assert not violations(problem, better)
    assert value == objective(problem, better) <= start
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(build_model(problem).model) == cp_model.OPTIMAL
    assert value >= round(solver.objective_value)
