"""Solve the day model lexicographically: bookings held, then weighted served demand, then the rest.

Each level is a separate CP-SAT solve; the optimum (or best value found) of a level is fixed as a
constraint before the next, and the previous solution is the next solve's hint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .greedy import GreedyPlan, greedy_plan
from .index import DayIndex
from .model import DayModel, add_objective_level, build_day_model
from .polish import Snapshot, hint as _hint, polish, snapshot_of

STATUS_NAMES = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
                cp_model.MODEL_INVALID: "MODEL_INVALID", cp_model.UNKNOWN: "UNKNOWN"}
SECONDARY_SHARE = 0.25
"""Share of the time limit reserved for the secondary level (it may also use what the primary leaves)."""
SECONDARY_MAX_S = 15.0
COMPLETION_S = 5.0
HINT_FROM_OPTIONS = 30_000
"""Hint the primary level with the greedy plan only from this many slot options on: on smaller days the
LP-guided search finds better plans faster without it (sample Thursday 1135.5 vs 1097 in 22 s), on
larger ones the hint wins (200 staff: 5360 vs 4321)."""
DIRECT_SHARE = 0.3
"""Share of the secondary budget for a plain CP-SAT solve before the people-by-people polish."""
PROVING_SUBSOLVERS = ("max_lp", "default_lp", "quick_restart", "reduced_costs", "pseudo_costs", "core", "no_lp")
"""Full-problem workers, best first, for the levels whose bound matters: with 2 workers the one full
worker is max_lp, whose stronger relaxation proves a day optimal several times faster than default_lp."""
POLISHING_SUBSOLVERS = ("quick_restart", "default_lp", "no_lp", "max_lp", "reduced_costs", "pseudo_costs", "core")
"""For the secondary level, which starts from a complete hint and mostly needs fast local moves."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    disabled: tuple[str, ...] = ()
    gap_limit: float = 0.0
    """Stop the primary level once the relative gap is at most this."""


@dataclass(frozen=True)
class Progress:
    stage: str
    elapsed_s: float
    objective: float
    bound: float


@dataclass
class StageReport:
    name: str
    status: str
    objective: float
    bound: float
    seconds: float


@dataclass
class DaySolution:
    """The chosen values, in index terms, and what the solver proved."""

    index: DayIndex
    status: str
    objective: float
    """Weighted served demand (real weights)."""
    bound: float
    seconds: float
    options: SolveOptions
    chosen_slots: list[int] = field(default_factory=list)
    guide_steps: dict[int, list[int]] = field(default_factory=dict)
    break_plan: dict[int, int] = field(default_factory=dict)
    unheld_bookings: list[str] = field(default_factory=list)
    stages: list[StageReport] = field(default_factory=list)

    @property
    def gap(self) -> float:
        if self.bound <= 1e-9:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


ProgressFn = Callable[[Progress], None]


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, stage: str, scale: float, start: float, on_progress: ProgressFn | None):
        super().__init__()
        self.stage, self.scale, self.start, self.on_progress = stage, scale, start, on_progress

    def on_solution_callback(self) -> None:
        if self.on_progress:
            self.on_progress(Progress(self.stage, time.monotonic() - self.start,
                                      self.objective_value / self.scale, self.best_objective_bound / self.scale))


def _hint_greedy(dm: DayModel, plan: GreedyPlan) -> None:
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


def _solver(options: SolveOptions, seconds: float, subsolvers: tuple[str, ...]) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    solver.parameters.subsolvers.extend(subsolvers)
    return solver


def _complete(model: cp_model.CpModel, decisions: list[cp_model.IntVar], previous: cp_model.CpSolver,
              options: SolveOptions) -> Snapshot | None:
    """A complete solution of the extended model: the decisions keep their previous values (as
    assumptions) while CP-SAT fills in the auxiliary variables the new level added."""
    model.clear_hints()
    model.add_assumptions([v if previous.boolean_value(v) else ~v for v in decisions])
    solver = _solver(options, COMPLETION_S, POLISHING_SUBSOLVERS)
    status = solver.solve(model)
    model.clear_assumptions()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return snapshot_of(model, solver)
    return None


def solve_day(index: DayIndex, options: SolveOptions = SolveOptions(),
              on_progress: ProgressFn | None = None) -> DaySolution:
    """Solve one office-day.

    Returns status INFEASIBLE when the hard rules cannot hold even with every booking given up.
    """
    start = time.monotonic()
    dm = build_day_model(index, disabled=options.disabled, soft_bookings=bool(index.bookings))
    model = dm.model
    result = DaySolution(index=index, status="UNKNOWN", objective=0.0, bound=0.0, seconds=0.0, options=options)

    def remaining() -> float:
        return options.time_limit_s - (time.monotonic() - start)

    def run(stage: str, scale: float, seconds: float, gap: float = 0.0,
            subsolvers: tuple[str, ...] = PROVING_SUBSOLVERS) -> tuple[cp_model.CpSolver, int]:
        solver = _solver(options, seconds, subsolvers)
        solver.parameters.relative_gap_limit = gap
        began = time.monotonic()
        status = solver.solve(model, _Reporter(stage, scale, start, on_progress))
        has = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        result.stages.append(StageReport(
            stage, STATUS_NAMES[status], solver.objective_value / scale if has else 0.0,
            solver.best_objective_bound / scale if has else 0.0, time.monotonic() - began))
        return solver, status

    greedy = greedy_plan(index)
    # Level 0: hold every booking that can be held (the greedy plan often proves all can).
    if dm.held:
        if greedy is not None and not greedy.unheld_bookings:
            result.stages.append(StageReport("bookings", "OPTIMAL", len(dm.held), len(dm.held), 0.0))
            for lit in dm.held.values():
                model.add(lit == 1)
        else:
            model.maximize(sum(dm.held.values()))
            if greedy is not None:
                _hint_greedy(dm, greedy)
            solver, status = run("bookings", 1.0, remaining() * 0.5)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                result.status = STATUS_NAMES[status]
                result.seconds = time.monotonic() - start
                return result
            result.unheld_bookings = [b for b, lit in dm.held.items() if not solver.boolean_value(lit)]
            for b, lit in dm.held.items():
                model.add(lit == solver.boolean_value(lit))
            if greedy is not None and set(greedy.unheld_bookings) != set(result.unheld_bookings):
                greedy = None  # it holds other bookings than the ones now fixed

    # Level 1: weighted served demand.
    scale = float(index.weight_scale)
    model.clear_objective()
    model.minimize(add_objective_level(dm, 1))
    if greedy is not None and len(index.slot_options) >= HINT_FROM_OPTIONS:
        _hint_greedy(dm, greedy)
    primary_budget = remaining() * (1 - SECONDARY_SHARE)
    solver, status = run("served", -scale, primary_budget, options.gap_limit)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.status = STATUS_NAMES[status]
        result.seconds = time.monotonic() - start
        return result
    primary = result.stages[-1]
    result.status = primary.status
    result.objective = -solver.objective_value / scale
    result.bound = -solver.best_objective_bound / scale
    best_primary = round(-solver.objective_value)

    # Level 2: everything else, with the primary held at the value found.
    final: Callable[[cp_model.IntVar], int] = solver.value
    if remaining() > 0.2:
        model.clear_objective()
        model.minimize(add_objective_level(dm, 2))
        model.add(dm.weighted_served() >= best_primary)
        snap = _complete(model, dm.decisions(), solver, options)
        if snap is not None:
            budget = min(remaining(), max(SECONDARY_MAX_S, SECONDARY_SHARE * options.time_limit_s))
            _hint(model, snap)
            direct, status2 = run("secondary", 1.0, budget * DIRECT_SHARE, subsolvers=POLISHING_SUBSOLVERS)
            if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) and direct.objective_value <= snap.objective:
                snap = snapshot_of(model, direct)
            if status2 != cp_model.OPTIMAL:
                began = time.monotonic()
                snap = polish(model, dm.decisions_by_person(), snap, min(remaining(), budget * (1 - DIRECT_SHARE)),
                              lambda seconds: _solver(options, seconds, POLISHING_SUBSOLVERS), options.seed)
                result.stages.append(StageReport("polish", "FEASIBLE", snap.objective, 0.0,
                                                 time.monotonic() - began))
            final = lambda var, values=snap.values: values[var.index]  # noqa: E731
    _extract(dm, final, result)
    result.seconds = time.monotonic() - start
    return result


def _extract(dm: DayModel, value: Callable[[cp_model.IntVar], int], result: DaySolution) -> None:
    result.chosen_slots = [i for i, lit in enumerate(dm.slot) if value(lit)]
    guide_steps: dict[int, list[int]] = {}
    for (p, step), lit in dm.guide.items():
        if value(lit):
            guide_steps.setdefault(p, []).append(step)
    result.guide_steps = {p: sorted(steps) for p, steps in guide_steps.items()}
    result.break_plan = {p: j for p, lits in dm.brk.items() for j, lit in enumerate(lits) if value(lit)}
