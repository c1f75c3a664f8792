"""Read the day model's solution back: chosen slot options, guide duty, breaks and sittings."""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from .constructive import greedy_values
from .greedy import GreedyPlan
from .snapshots import Snapshot, by_index
from .solution import DaySolution, SittingChoice
from .variables import DayModel


def primary_values(
    dm: DayModel, current: Snapshot | None, greedy: GreedyPlan | None
) -> Callable[[cp_model.IntVar], int]:
    """The plan so far as variable values: a complete solution, else the constructive plan's decisions."""
    if current is not None:
        return by_index(current.values)
    assert greedy is not None
    return greedy_values(dm, greedy)


def extract_solution(dm: DayModel, value: Callable[[cp_model.IntVar], int], result: DaySolution) -> None:
    result.chosen_slots = [i for i, lit in enumerate(dm.slot) if value(lit)]
    guide_steps: dict[int, list[int]] = {}
    for (p, step), lit in dm.guide.items():
        if value(lit):
            guide_steps.setdefault(p, []).append(step)
    result.guide_steps = {p: sorted(steps) for p, steps in guide_steps.items()}
    result.break_plan = {p: j for p, lits in dm.brk.items() for j, lit in enumerate(lits) if value(lit)}
    result.sittings = _chosen_sittings(dm, value)


def _chosen_sittings(dm: DayModel, value: Callable[[cp_model.IntVar], int]) -> list[SittingChoice]:
    sv = dm.sittings
    if sv is None:
        return []
    ix, blocks = dm.index, sv.grid.blocks
    out = []
    for p, counters in sv.person_counters.items():
        counter = next((c for c in counters if value(sv.seat[(p, c)])), None)
        for b in sv.person_blocks[p]:
            if counter is not None and value(sv.starts[(p, b)]):
                last = next(e for e in sv.person_blocks[p] if e >= b and value(sv.ends[(p, e)]))
                out.append(
                    SittingChoice(
                        p, counter, ix.step_start[blocks[b].first_step], ix.step_start[blocks[last].last_step] + ix.grid
                    )
                )
    return out
