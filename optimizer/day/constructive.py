"""The constructive plans of days without sittings (greedy, and the relaxation rounded by diving) as
starts, hints and values of the day model."""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from .greedy import GreedyPlan
from .relaxation import LpRelaxation
from .rounding import dive
from .snapshots import scaled_served, shortfall
from .solution import SolveOptions
from .variables import DayModel


def hint_greedy(dm: DayModel, plan: GreedyPlan) -> None:
    """Hint every decision with the constructive plan's value."""
    dm.model.clear_hints()
    chosen = set(plan.chosen_slots)
    for i, lit in enumerate(dm.slot):
        dm.model.add_hint(lit, i in chosen)
    for (p, step), lit in dm.guide.items():
        dm.model.add_hint(lit, step in plan.guide_steps.get(p, ()))
    for p, lits in dm.brk.items():
        for j, lit in enumerate(lits):
            dm.model.add_hint(lit, plan.break_plan.get(p) == j)
    unheld = set(plan.unheld_bookings)
    for b, lit in dm.held.items():
        dm.model.add_hint(lit, b not in unheld)


def greedy_value(dm: DayModel, plan: GreedyPlan) -> int:
    """The greedy plan's weighted served demand in the model's scaled units."""
    return scaled_served(dm.index, plan.chosen_slots)


def greedy_values(dm: DayModel, plan: GreedyPlan) -> Callable[[cp_model.IntVar], int]:
    """The greedy plan as values of the model's decisions."""
    ones = {dm.slot[i].index for i in plan.chosen_slots}
    ones |= {lit.index for (p, step), lit in dm.guide.items() if step in plan.guide_steps.get(p, ())}
    ones |= {lits[j].index for p, lits in dm.brk.items() for j in [plan.break_plan.get(p)] if j is not None}
    unheld = set(plan.unheld_bookings)
    ones |= {lit.index for b, lit in dm.held.items() if b not in unheld}
    return lambda var: int(var.index in ones)


def fits_levels(dm: DayModel, plan: GreedyPlan, unheld: list[str], short: int | None) -> bool:
    """The plan keeps the levels above weighted served: it gives up exactly the bookings level 0 gave up,
    and falls short of the floors by no more than the floors level held (`short`; None: no floors held)."""
    return set(plan.unheld_bookings) == set(unheld) and (
        short is None or shortfall(dm.index, plan.chosen_slots) <= short
    )


def better_constructive(
    dm: DayModel, first: GreedyPlan | None, second: GreedyPlan | None, unheld: list[str], short: int | None
) -> GreedyPlan | None:
    """The constructive plan serving more, among those that keep the levels above (`fits_levels`)."""
    fitting = [g for g in (first, second) if g is not None and fits_levels(dm, g, unheld, short)]
    return max(fitting, key=lambda g: greedy_value(dm, g), default=None)


def relaxation_seconds(primary_budget: float, options: SolveOptions) -> float | None:
    """Wall seconds for the first LP solve. Deterministic runs set no limit, so that a result never
    depends on the machine's speed (GLOP itself is deterministic)."""
    if options.deterministic:
        return None
    return primary_budget * options.parameters.relaxation_share


def round_relaxation(
    dm: DayModel,
    lp: LpRelaxation,
    unheld: list[str],
    short: int | None,
    enough: float,
    seconds: float,
    options: SolveOptions,
) -> GreedyPlan | None:
    """The best plan rounded from the solved relaxation by diving (`rounding.dive`) that keeps the levels
    above weighted served (`fits_levels`). Deterministic runs limit the dive by rounds instead of seconds."""

    def score(plan: GreedyPlan) -> int | None:
        return greedy_value(dm, plan) if fits_levels(dm, plan, unheld, short) else None

    if options.deterministic:
        return dive(dm, lp, score, enough, deadline=None, rounds=options.parameters.deterministic_dive_rounds)
    return dive(dm, lp, score, enough, deadline=time.monotonic() + seconds)
