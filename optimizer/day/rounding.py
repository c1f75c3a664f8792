"""Constructive plans guided by the LP relaxation: round it, then dive.

One rounding places the slots the relaxation chose most firmly first (`greedy_plan` with an `LpGuide`).
The dive repeats this: it fixes the most certain fractional slots of the last rounded plan to 1, solves
the relaxation again from its previous basis, and rounds the new solution, until the relaxation has no
fractional slot left in the plan, a re-solve fails, or time is up. Each rounded plan is complete and
feasible; the best one is kept.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from .greedy import GreedyPlan, LpGuide, greedy_plan
from .relaxation import LpRelaxation
from .variables import DayModel

DIVE_BATCH = 0.2
"""Share of the fractional slots fixed per dive round (of those the rounded plan uses, most certain first)."""
FRACTIONAL = 1e-6


def lp_guide(dm: DayModel, values: list[float]) -> LpGuide:
    """The relaxation's values of the day's decisions, as the constructive plan reads them."""
    return LpGuide(
        slots=[values[lit.index] for lit in dm.slot],
        breaks={p: [values[lit.index] for lit in lits] for p, lits in dm.brk.items()},
        guide={key: values[lit.index] for key, lit in dm.guide.items()},
    )


def dive(
    dm: DayModel,
    lp: LpRelaxation,
    score: Callable[[GreedyPlan], int | None],
    enough: float,
    deadline: float | None,
    rounds: int | None = None,
) -> GreedyPlan | None:
    """The best rounded plan by `score` (None: unusable), found until a plan scores `enough`, until
    `deadline` (monotonic seconds) or after `rounds` rounds (None: no such limit).

    `lp` must have been solved; the dive fixes variables in it.
    """
    best, best_score = None, None
    for round_no in itertools.count():
        plan = greedy_plan(dm.index, lp_guide(dm, lp.values))
        value = score(plan) if plan is not None else None
        if value is not None and (best_score is None or value > best_score):
            best, best_score = plan, value
        if (
            plan is None
            or (best_score is not None and best_score >= enough)
            or round_no == rounds
            or (deadline is not None and time.monotonic() >= deadline)
        ):
            return best
        fractional = sorted(
            (i for i in plan.chosen_slots if FRACTIONAL < lp.values[dm.slot[i].index] < 1 - FRACTIONAL),
            key=lambda i: -lp.values[dm.slot[i].index],
        )
        if not fractional:
            return best
        lp.fix_to_one(dm.slot[i].index for i in fractional[: max(1, int(len(fractional) * DIVE_BATCH))])
        if not lp.solve(None if deadline is None else deadline - time.monotonic()):
            return best
    return best
