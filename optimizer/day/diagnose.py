"""Why a day cannot be planned, in words: direct input checks first, then a deletion filter over families."""

from __future__ import annotations

import dataclasses

from ..clock import span
from ..scenario import GUIDE_SKILL
from .index import DayIndex, build_index
from .model import REGISTRY, STRUCTURAL
from .solution import SolveOptions
from .solve import solve_day


def _spans(ix: DayIndex, steps: list[int]) -> list[str]:
    """Consecutive opening steps as "HH:MM–HH:MM" texts."""
    out: list[str] = []
    run: list[int] = []
    for step in steps:
        if run and (step != run[-1] + 1 or ix.step_first_of_interval[step]):
            out.append(span(ix.step_start[run[0]], ix.step_start[run[-1]] + ix.grid))
            run = []
        run.append(step)
    if run:
        out.append(span(ix.step_start[run[0]], ix.step_start[run[-1]] + ix.grid))
    return out


def input_conflicts(ix: DayIndex) -> list[str]:
    """Conflicts visible in the input alone: too few guides present, breaks that cannot be placed."""
    reasons = []
    need = ix.scenario.policy.guides_min
    if need:
        short = [
            step
            for step in range(len(ix.step_start))
            if sum(1 for pd in ix.people if pd.can_guide and step in set(pd.steps)) < need
        ]
        for text in _spans(ix, short):
            reasons.append(
                f"guides_min={need}, but fewer than {need} people with skill '{GUIDE_SKILL}' are present {text}"
                if need > 1
                else f"guides_min=1, but nobody with skill '{GUIDE_SKILL}' is present {text}"
            )
    for pd in ix.people:
        if pd.break_min and not pd.break_plans:
            reasons.append(
                f"staff {pd.id}: no lawful break (ArbZG §4) fits the presence windows "
                f"{', '.join(span(s, e) for s, e in pd.windows)}"
            )
    return reasons


def conflicting_families(ix: DayIndex, options: SolveOptions) -> list[str]:
    """A minimal set of hard families that cannot hold together (a deletion filter over families).

    Each family in turn, the structural ones (skills, equipment) included, is switched off for good
    if the day stays infeasible without it; the families that remain are each needed for the conflict.
    """
    hard = [spec.name for spec in REGISTRY if spec.kind == "hard"] + list(STRUCTURAL)
    budget = max(2.0, options.time_limit_s / 10)
    kept = list(hard)
    for name in hard:
        trial = [n for n in kept if n != name]
        off = [n for n in hard if n not in trial]
        relaxed = frozenset(n for n in off if n in STRUCTURAL)
        index = build_index(ix.scenario, ix.date, relaxed) if relaxed else ix
        index.baseline = ix.baseline
        trial_options = dataclasses.replace(options, time_limit_s=budget, disabled=tuple(options.disabled) + tuple(off))
        if solve_day(index, trial_options).status not in ("OPTIMAL", "FEASIBLE"):
            kept = trial
    return kept


def explain_infeasible(ix: DayIndex, options: SolveOptions) -> list[str]:
    """Reasons in words why no plan obeys the hard rules on this day."""
    reasons = input_conflicts(ix)
    if reasons:
        return reasons
    families = conflicting_families(ix, options)
    why = {spec.name: spec.why for spec in REGISTRY} | STRUCTURAL
    if families:
        return [
            f"{ix.date}: the day cannot be planned while these rules hold together: "
            + "; ".join(f"{name} ({why[name]})" for name in families)
        ]
    return [f"{ix.date}: the hard rules conflict in a way no single rule explains"]
