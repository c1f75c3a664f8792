"""Solve the day model lexicographically: bookings held, then weighted served demand, then the rest.

Each level is a separate CP-SAT solve; the value a level reached is fixed as a constraint before the
next, and the previous solution (completed for the new level's auxiliary variables where it lacks them)
is its hint. This module orders the levels and shares the time; the stages are modules of their own.

Time is a `Budget`: wall-clock seconds by default, or CP-SAT's deterministic time with
`SolveOptions.deterministic`, which (with interleaved search) makes a run repeatable for a given seed
and worker count, at some cost in plan quality within the same limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from ..fluid_bounds import equipment_bound, fluid_bound
from ..plan import Status
from .budget import Budget
from .constructive import better_constructive, greedy_value, hint_greedy, relaxation_seconds, round_relaxation
from .extract import extract_solution, primary_values
from .floors_level import meet_floors
from .greedy import greedy_plan
from .index import DayIndex
from .model import REGISTRY, add_objective_level, build_day_model
from .polish import polish
from .relaxation import LpRelaxation
from .seated_start import seated_start
from .seating import fluid_seating, restrict_to_seating, seat_from_template
from .sittings import seat_from_baseline
from .snapshots import (
    STATUS_NAMES,
    Snapshot,
    chosen_slots,
    held_bookings,
    hint,
    model_objective,
    scaled_served,
    shortfall,
    snapshot_of,
    solve_fixed,
)
from .solution import DaySolution, Progress, ProgressFn, SolveOptions, SolveParameters, StageReport
from .variables import DayModel, create_variables

LAST_LEVEL = 4
"""The plan's shape (secondary terms); levels 2 and 3 are the re-plan's stability levels."""


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each solution; stops the search at an objective value of `stop_at` or better."""

    def __init__(
        self, stage: str, scale: float, budget: Budget, on_progress: ProgressFn | None, stop_at: float | None = None
    ):
        super().__init__()
        self.stage, self.scale, self.budget, self.on_progress = stage, scale, budget, on_progress
        self.stop_at = stop_at

    def on_solution_callback(self) -> None:
        if self.stop_at is not None and self.objective_value <= self.stop_at + 1e-9:
            self.stop_search()
        if self.on_progress:
            self.on_progress(
                Progress(
                    self.stage,
                    self.budget.elapsed(),
                    self.objective_value / self.scale,
                    self.best_objective_bound / self.scale,
                )
            )


def _complete(
    model: cp_model.CpModel,
    decisions: list[cp_model.IntVar],
    previous: Callable[[cp_model.IntVar], int],
    budget: Budget,
) -> Snapshot | None:
    """A complete solution of the extended model: the decisions held at their previous values while
    CP-SAT fills in the auxiliary variables the new level added. Held as fixed domains, not as
    assumptions, so that presolve removes them (200 staff: no completion in 5 s with assumptions)."""
    params = budget.options.parameters
    solver = budget.solver(min(params.completion_s, max(0.2, budget.remaining())), params.polishing_subsolvers)
    snap = solve_fixed(model, [(v.index, previous(v)) for v in decisions], solver)
    budget.charge(solver)
    return None if snap is None else Snapshot(snap.values, model_objective(model, snap.values))


def solve_day(
    index: DayIndex,
    options: SolveOptions = SolveOptions(),  # noqa: B008 - frozen dataclass
    on_progress: ProgressFn | None = None,
    started: float | None = None,
) -> DaySolution:
    """Solve one office-day; the time limit counts from `started` (a `time.monotonic()` value) if given.

    Returns status INFEASIBLE when the hard rules cannot hold even with every booking given up.
    """
    budget = Budget(options, started)
    params = options.parameters
    stages: list[StageReport] = []
    # A fresh plan with sittings: the seating first, on a model without appointments; the day model then
    # holds only the appointments that fit it, a fraction of all (`restrict_to_seating`).
    # The primary level's time: the seating, the seated plan and weighted served share it.
    primary_budget = budget.remaining() * (1 - params.secondary_share)
    template = seating = None
    restricted = False
    if options.sitting_rules and index.baseline is None and index.step_start:
        began = time.monotonic()
        light = create_variables(index, slots=False)
        template = seat_from_template(light)
        seating = fluid_seating(light, budget, primary_budget * params.fluid_share, template)
        stages.append(
            StageReport(
                "seating",
                "FEASIBLE" if seating else "UNKNOWN",
                seating.value if seating else 0.0,
                0.0,
                time.monotonic() - began,
            )
        )
        seating = seating or template
        if seating is not None:
            index, restricted = restrict_to_seating(index, seating, light), True
    began = time.monotonic()
    dm = build_day_model(
        index, disabled=options.disabled, soft_bookings=bool(index.bookings), sittings=options.sitting_rules
    )
    build_seconds = time.monotonic() - began
    model = dm.model
    # A re-plan's later levels exist from the start, so that every solution is complete for them: a level
    # starts from the one before without a completion solve (on a 10 s re-plan they took 0.85 s, and a
    # completion cut off by the limit ended the levels). A fresh plan builds its last level when it gets
    # there: built first, its variables slowed the earlier solves (sample Monday 10 s: 705-719 against
    # 735-745, Thursday 903-969 against 1000-1013).
    levels = [2, 3, LAST_LEVEL] if index.baseline is not None else [LAST_LEVEL]
    if index.baseline is not None:
        for level in levels:
            add_objective_level(dm, level)
    result = DaySolution(index=index, status="UNKNOWN", objective=0.0, bound=0.0, seconds=0.0, options=options)
    result.stages.extend(stages)

    def run(
        stage: str,
        scale: float,
        seconds: float,
        gap: float = 0.0,
        subsolvers: tuple[str, ...] | None = None,
        stop_at: float | None = None,
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        solver = budget.solver(seconds, subsolvers or params.proving_subsolvers)
        solver.parameters.relative_gap_limit = gap
        began = time.monotonic()
        status = solver.solve(model, _Reporter(stage, scale, budget, on_progress, stop_at))
        budget.charge(solver)
        has = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        result.stages.append(
            StageReport(
                stage,
                STATUS_NAMES[status],
                solver.objective_value / scale if has else 0.0,
                solver.best_objective_bound / scale if has else 0.0,
                time.monotonic() - began,
            )
        )
        return solver, status

    def finish(status: Status) -> DaySolution:
        result.status = status
        result.seconds = budget.elapsed()
        return result

    # The constructive plans know neither sittings nor a frozen past: they serve only days without both.
    frozen = index.baseline is not None and index.baseline.frozen_steps > 0
    constructive = dm.sittings is None and not frozen
    greedy = greedy_plan(index) if constructive else None

    def hold_most_bookings(fallback: Snapshot | None = None) -> Snapshot | None:
        """Level 0 as a solve of its own: hold as many bookings as possible, and fix that choice. Among
        plans that hold as many, the most weighted served: the solution is the next level's start.
        `fallback`, a complete plan (a re-plan's seated start), stands in when the solve finds none that
        holds as many bookings in its time: a re-plan then keeps the bookings of everyone present, and
        lists the rest to notify, instead of ending without a plan (CI, loaded machine, 10 s re-plan)."""
        nonlocal greedy
        most = dm.weighted_served_limit() + 1
        model.maximize(most * sum(dm.held.values()) + dm.weighted_served())
        if greedy is not None:
            hint_greedy(dm, greedy)
        solver, status = run("bookings", float(most), budget.remaining() * 0.5)
        found = snapshot_of(model, solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
        if fallback is not None and (found is None or held_bookings(dm, fallback) > held_bookings(dm, found)):
            found = fallback
        if found is None:
            return None
        result.unheld_bookings = [b for b, lit in dm.held.items() if not found.values[lit.index]]
        for lit in dm.held.values():
            model.add(lit == found.values[lit.index])
        if greedy is not None and set(greedy.unheld_bookings) != set(result.unheld_bookings):
            greedy = None  # it holds other bookings than the ones now fixed
        return found

    # Level 0: hold every booking that can be held. The greedy plan often proves all can. Without it,
    # the served level assumes all are held (the usual case) and a bookings solve runs only if that
    # assumption makes the day infeasible: a solve of its own would repeat the costly presolve.
    assume_held = False
    if dm.held:
        if greedy is not None and not greedy.unheld_bookings:
            result.stages.append(StageReport("bookings", "OPTIMAL", len(dm.held), len(dm.held), 0.0))
            for lit in dm.held.values():
                model.add(lit == 1)
        elif greedy is None:
            assume_held = True
        elif hold_most_bookings() is None:
            return finish(result.stages[-1].status)

    # Level 1: weighted served demand. Its LP relaxation, solved apart, bounds it (CP-SAT's own LP often
    # stays far above it on large days) and guides a second constructive plan. The better constructive
    # plan is the value to beat, and on large days the search's hint (on small ones a hint slowed it).
    scale = float(index.weight_scale)
    secondary_reserve = options.time_limit_s * params.secondary_share
    start = None
    if dm.sittings is not None:
        # Re-plans start from the published day of everyone still present, and give it most of the time:
        # its seated plan is most of the answer.
        share = params.seated_share
        if seating is None:
            seating, share = seat_from_baseline(dm), params.replan_seated_share
        start = seated_start(dm, seating, budget, primary_budget * share, result.stages) if seating else None
    if start is not None and assume_held:
        held = {b: start.values[lit.index] for b, lit in dm.held.items()}
        if all(held.values()):
            for lit in dm.held.values():
                model.add(lit == 1)
        else:  # the seated plan gives up bookings: level 0 decides which, from the seated plan
            hint(model, start)
            held_start = hold_most_bookings(start)
            if held_start is None:
                return finish(result.stages[-1].status)
            start = held_start
        assume_held = False
    held_short: int | None = None  # the floors level's value, held in every later level
    if index.floors and "floors" not in options.disabled:
        if assume_held:
            if hold_most_bookings() is None:
                return finish(result.stages[-1].status)
            assume_held = False
        start = meet_floors(dm, start, greedy, run, primary_budget * params.floors_share)
        if start is not None:
            held_short = shortfall(index, chosen_slots(dm, start))
            if greedy is not None and shortfall(index, greedy.chosen_slots) > held_short:
                greedy = None  # it misses floors that the floors level met
        elif greedy is not None:
            held_short = shortfall(index, greedy.chosen_slots)
    model.clear_objective()
    model.clear_hints()
    model.minimize(add_objective_level(dm, 1))
    began = time.monotonic()
    lp = LpRelaxation(model) if dm.sittings is None else None
    lp_bound = enough = None
    if lp is None:
        # With sittings the LP of the model without them bounds no tighter than the fluid bound on the
        # sample week (both 790 and 1140.5), and costs 1-2.5 s of a 10 s day: the fluid bound stands in.
        lp_bound = _independent_bound(index, held_short)
        enough = lp_bound * (1 - options.gap_limit)
    elif lp.solve(relaxation_seconds(primary_budget, options)):
        lp_bound = math.floor(-lp.objective + 1e-6)
        # Weighted served that meets the gap limit against the LP bound: a constructive plan that reaches
        # it makes the search unnecessary, and CP-SAT stops there.
        enough = lp_bound * (1 - options.gap_limit)
        result.stages.append(
            StageReport("relaxation", "OPTIMAL", lp_bound / scale, lp_bound / scale, time.monotonic() - began)
        )
        if constructive:
            if greedy is not None and on_progress:
                on_progress(Progress("served", budget.elapsed(), greedy_value(dm, greedy) / scale, lp_bound / scale))
            rounded = round_relaxation(
                dm, lp, result.unheld_bookings, held_short, enough, primary_budget * params.dive_share, options
            )
            greedy = better_constructive(dm, greedy, rounded, result.unheld_bookings, held_short)
    floor = greedy_value(dm, greedy) if greedy is not None else None
    reseated = None
    if start is not None:
        served = scaled_served(index, chosen_slots(dm, start))
        # A few people at a time re-planned around everyone else: seats move to the people whose skills
        # serve most, which the search from the seated plan alone rarely finds.
        began = time.monotonic()
        if index.baseline is not None and index.baseline.options:
            model.minimize(_replan_served(dm, served, params))
        start = reseated = polish(
            model,
            dm.decisions_by_person(),
            Snapshot(start.values, model_objective(model, start.values)),
            min(budget.remaining() - secondary_reserve, primary_budget * params.seated_polish_share),
            budget,
            params.polishing_subsolvers,
        )
        served = scaled_served(index, chosen_slots(dm, start))
        result.stages.append(StageReport("reseat", "FEASIBLE", served / scale, 0.0, time.monotonic() - began))
        hint(model, start)
        floor = served
        if on_progress:
            on_progress(
                Progress(
                    "served", budget.elapsed(), floor / scale, (lp_bound if lp_bound is not None else floor) / scale
                )
            )
    if greedy is not None:
        assert floor is not None  # set from the constructive plan (or the seated one)
        if on_progress:  # the best constructive plan is the first complete plan of this level
            on_progress(
                Progress(
                    "served", budget.elapsed(), floor / scale, (lp_bound if lp_bound is not None else floor) / scale
                )
            )
        if len(index.slot_options) >= params.hint_from_options:
            hint_greedy(dm, greedy)
    found = False
    # A re-plan's reseat is its served search: a CP-SAT search after it never served more within its time
    # (sample Monday, two absent: 0 of 4 runs at 10 s, +2.4 once in 4 runs of 60 s), so its time goes to
    # the stability levels.
    replanned = reseated is not None and index.baseline is not None
    if not replanned and (floor is None or enough is None or floor < enough - 1e-9):
        if assume_held:
            model.add_assumptions(list(dm.held.values()))
        solver, status = run(
            "served",
            -scale,
            budget.remaining() - secondary_reserve,
            options.gap_limit,
            stop_at=None if enough is None else -enough,
        )
        if assume_held:
            model.clear_assumptions()
            if status == cp_model.INFEASIBLE:  # some booking cannot keep its time: level 0 after all
                served_objective = model.proto.objective.__deepcopy__({})
                if hold_most_bookings() is None:
                    return finish(result.stages[-1].status)
                model.proto.objective.copy_from(served_objective)
                solver, status = run(
                    "served",
                    -scale,
                    budget.remaining() - secondary_reserve,
                    options.gap_limit,
                    stop_at=None if enough is None else -enough,
                )
            elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                for lit in dm.held.values():
                    model.add(lit == 1)
        if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) or (floor is None and status == cp_model.UNKNOWN):
            return finish(STATUS_NAMES[status])
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    # The search's own bound holds only for the whole day, not for a day restricted to a seating.
    proved = math.floor(-solver.best_objective_bound + 1e-9) if found and not restricted else None
    bounds = [b for b in (lp_bound, proved) if b is not None]
    if not bounds:
        bounds = [_independent_bound(index, held_short)]
    bound = min(bounds)
    # The primary's plan: complete (`current`), or the constructive plan's decisions only.
    current: Snapshot | None = None
    searched = snapshot_of(model, solver) if found else None
    served_searched = scaled_served(index, chosen_slots(dm, searched)) if searched is not None else 0
    if searched is not None and (floor is None or served_searched > floor):
        best_primary, current = served_searched, searched
    else:  # the seated or the constructive plan set the floor
        assert floor is not None
        best_primary = floor
        if start is not None:
            current = start
        else:
            assert greedy is not None
        result.stages.append(
            StageReport("seated" if current else "greedy", "FEASIBLE", floor / scale, bound / scale, 0.0)
        )
    bound = max(bound, best_primary)
    result.objective, result.bound = best_primary / scale, bound / scale
    primary_status: Status = "OPTIMAL" if best_primary >= bound else "FEASIBLE"
    if on_progress:
        on_progress(Progress("served", budget.elapsed(), result.objective, result.bound))

    primary_seconds = options.time_limit_s - budget.remaining()
    # Later levels: each holds what the levels before it reached. Each stability level (re-plans) takes at
    # most twice the primary's time, but at least `secondary_min_s` and a quarter of the limit, and never
    # more than an even share of what is left (on a 10 s re-plan, keep_days took it all before). The last
    # level, the plan's shape, takes what is left: it improves for long (sample Monday, runs per serving
    # person: 9.25 after 3 s, 7.75 after 15 s, 4.54 after 40 s), and the polish stops once it stalls.
    # A re-plan's stability levels may give up a little weighted served: they start from the reseated plan
    # (closest to the published day) when it is within the tolerance and keeps more days.
    tolerance = math.floor(best_primary * params.replan_served_tolerance) if index.baseline is not None else 0
    model.add(dm.weighted_served() >= best_primary - tolerance)
    if reseated is not None and current is not None and reseated is not current:
        keep_days = add_objective_level(dm, 2)
        model.minimize(keep_days)
        if scaled_served(index, chosen_slots(dm, reseated)) >= best_primary - tolerance and model_objective(
            model, reseated.values
        ) < model_objective(model, current.values):
            current = reseated
    for position, level in enumerate(levels):
        # A level built only now (a fresh plan's last) adds variables over all slots and completes the
        # plan for them, which takes about as long as building the model did (500 staff: 12 s against
        # 11). It starts only with at least as long again left to search, else it would end past the
        # day's limit without a solve (500 staff, Monday: 120.8 s). A deterministic run counts no
        # wall-clock time here: its plan must not depend on the machine's load.
        setup = build_seconds if index.baseline is None and not options.deterministic else 0.0
        if budget.remaining() <= max(0.2, 2 * setup):
            break
        model.clear_objective()
        objective = add_objective_level(dm, level)
        model.minimize(objective)
        if current is not None and len(current.values) == len(model.proto.variables):
            snap: Snapshot | None = Snapshot(current.values, model_objective(model, current.values))
        else:  # the level's new variables (or the constructive plan's) completed by a solve
            snap = _complete(model, dm.decisions(), primary_values(dm, current, greedy), budget)
        if snap is None:
            break
        share = (
            budget.remaining()
            if level == LAST_LEVEL
            else min(
                budget.remaining() / (len(levels) - position),  # the levels after it get their turn too
                max(params.secondary_max_s, params.secondary_share * options.time_limit_s),
                max(params.secondary_min_s, 2 * primary_seconds, params.secondary_share * options.time_limit_s),
            )
        )
        hint(model, snap)
        name = {2: "keep_days", 3: "keep_published"}.get(level, "secondary")
        direct, status2 = run(name, 1.0, share * params.direct_share, subsolvers=params.polishing_subsolvers)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) and direct.objective_value <= snap.objective:
            snap = snapshot_of(model, direct)
        if status2 != cp_model.OPTIMAL:
            began = time.monotonic()
            snap = polish(
                model,
                dm.decisions_by_person(),
                snap,
                min(budget.remaining(), share * (1 - params.direct_share)),
                budget,
                params.polishing_subsolvers,
                _stability_focus(dm, level),
            )
            result.stages.append(StageReport("polish", "FEASIBLE", snap.objective, 0.0, time.monotonic() - began))
        current = snap
        if level != LAST_LEVEL:
            model.add(objective <= round(snap.objective))
    extract_solution(dm, primary_values(dm, current, greedy), result)
    # The later levels hold weighted served at least at the primary's value, and may raise it.
    served = scaled_served(index, result.chosen_slots)
    if served > best_primary:
        result.objective = served / scale
        primary_status = "OPTIMAL" if served >= bound else primary_status
    return finish(primary_status)


def _replan_served(dm: DayModel, served: int, params: SolveParameters) -> cp_model.LinearExpr:
    """A re-plan's weighted served level (minimised): weighted served less a price for each changed day
    and each withdrawn published slot, then fewer changed days, then more published slots kept.

    The prices (`replan_day_price`, `replan_slot_price`) are in weighted served: a day changes, and a
    published slot goes, only for a gain worth it (filling an absent colleague's counter, holding a
    booking), not for a reshuffle that serves a request more. `served` is that of the plan started from
    the published day."""
    ix = dm.index
    assert ix.baseline is not None
    days = len(ix.baseline.days)
    changed = add_objective_level(dm, 2)  # keep_days: weight × people whose day changes
    add_objective_level(dm, 3)  # keep_published: fills `dm.withdrawn`
    published = sorted(ix.baseline.options)
    unit = len(published) + 1  # the kept slots, at most len(published), only break ties
    weight = next(spec.weight for spec in REGISTRY if spec.name == "keep_days")
    primary = unit * (weight * days + 1)  # above every value of the changed-days tie-break
    day_price = math.ceil(params.replan_day_price * served)
    priced = day_price * changed + sum(
        math.ceil(params.replan_slot_price * ix.scaled_weight(service)) * lost
        for (service, _step), lost in dm.withdrawn.items()
    )
    return -primary * (dm.weighted_served() - priced) + unit * changed - sum(dm.slot[i] for i in published)


def _stability_focus(dm: DayModel, level: int) -> Callable[[Snapshot], list[int]] | None:
    """For a re-plan's stability levels, the people the polish should re-plan first: those whose day
    changed (level 2), those whose published slots are gone (level 3)."""
    if level == 2:
        return lambda snap: [p for p, lit in dm.day_kept.items() if not snap.values[lit.index]]
    if level == 3 and dm.index.baseline is not None:
        published = sorted(dm.index.baseline.options)
        options = dm.index.slot_options
        return lambda snap: sorted({options[i].person for i in published if not snap.values[dm.slot[i].index]})
    return None


def _independent_bound(index: DayIndex, floors_short: int | None = None) -> int:
    """The tighter of the fluid and equipment bounds (`bounds`), in scaled weight: valid for every plan.
    With `floors_short` (the floors level's value, held from then on), the fluid bound over the plans
    that fall short of the floors by no more: the weighted served level's own bound."""
    floored = floors_short is not None and bool(index.floors)
    found = [
        b
        for b in (
            fluid_bound(index.scenario, index.date, index.floors if floored else None, floors_short or 0),
            equipment_bound(index.scenario, index.date),
        )
        if b is not None
    ]
    return math.floor(min(found, default=0.0) * index.weight_scale + 1e-6)
