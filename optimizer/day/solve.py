"""Solve the day model lexicographically: bookings held, then weighted served demand, then the rest.

Each level is a separate CP-SAT solve; the value a level reached is fixed as a constraint before the
next, and the previous solution (completed for the new level's auxiliary variables) is its hint.

Time is a `Budget`: wall-clock seconds by default, or CP-SAT's deterministic time with
`SolveOptions.deterministic`, which (with interleaved search) makes a run repeatable for a given seed
and worker count, at some cost in plan quality within the same limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..bounds import equipment_bound
from .greedy import GreedyPlan, greedy_plan
from .index import DayIndex
from .model import DayModel, add_objective_level, build_day_model
from .polish import Snapshot, polish, snapshot_of
from .polish import hint as _hint
from .relaxation import LpRelaxation
from .rounding import dive

STATUS_NAMES = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
                cp_model.MODEL_INVALID: "MODEL_INVALID", cp_model.UNKNOWN: "UNKNOWN"}
SECONDARY_SHARE = 0.25
"""Share of the time limit reserved for the secondary level (it may also use what the primary leaves)."""
SECONDARY_MAX_S = 15.0
SECONDARY_MIN_S = 3.0
COMPLETION_S = 5.0
HINT_FROM_OPTIONS = 15_000
"""Hint the primary level with the constructive plan only from this many slot options on. Measured with
the suite (30 staff has 7,000-9,000 options, 80 staff 18,000-22,000): on 30-staff days CP-SAT's LP-guided
search alone closed the gap (Monday with bookings: optimal in 3.4 s unhinted, 3.2 % gap hinted), on
80-staff Thursdays with bookings the hint won (3059 against 2954 in 20 s)."""
RELAXATION_SHARE = 0.5
"""Most of the primary level's time that the first solve of its LP relaxation may take (`relaxation`)."""
DIVE_SHARE = 0.4
"""Most of the primary level's time for rounding the relaxation and diving (`rounding`)."""
DETERMINISTIC_DIVE_ROUNDS = 10
"""Deterministic runs limit the dive by rounds instead of seconds."""
LAST_LEVEL = 3
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
    deterministic: bool = False
    """Count deterministic time instead of seconds and interleave the workers: repeatable runs."""


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


class Budget:
    """The time limit of one day's solve, in seconds or in CP-SAT deterministic time."""

    def __init__(self, options: SolveOptions):
        self.options = options
        self.start = time.monotonic()
        self.deterministic_used = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        used = self.deterministic_used if self.options.deterministic else self.elapsed()
        return self.options.time_limit_s - used

    def solver(self, seconds: float, subsolvers: tuple[str, ...]) -> cp_model.CpSolver:
        """A CP-SAT solver limited to `seconds` of this budget."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = self.options.workers
        params.random_seed = self.options.seed
        params.subsolvers.extend(subsolvers)
        if self.options.deterministic:
            params.interleave_search = True
            params.max_deterministic_time = max(0.05, seconds)
            params.max_time_in_seconds = max(1.0, 20 * seconds)
        else:
            params.max_time_in_seconds = max(0.05, seconds)
        return solver

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.deterministic_used += solver.deterministic_time


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each solution; stops the search at an objective value of `stop_at` or better."""

    def __init__(self, stage: str, scale: float, budget: Budget, on_progress: ProgressFn | None,
                 stop_at: float | None = None):
        super().__init__()
        self.stage, self.scale, self.budget, self.on_progress = stage, scale, budget, on_progress
        self.stop_at = stop_at

    def on_solution_callback(self) -> None:
        if self.stop_at is not None and self.objective_value <= self.stop_at + 1e-9:
            self.stop_search()
        if self.on_progress:
            self.on_progress(Progress(self.stage, self.budget.elapsed(), self.objective_value / self.scale,
                                      self.best_objective_bound / self.scale))


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


def _complete(model: cp_model.CpModel, decisions: list[cp_model.IntVar],
              previous: Callable[[cp_model.IntVar], int], budget: Budget) -> Snapshot | None:
    """A complete solution of the extended model: the decisions keep their previous values (as
    assumptions) while CP-SAT fills in the auxiliary variables the new level added."""
    model.clear_hints()
    model.add_assumptions([v if previous(v) else ~v for v in decisions])
    solver = budget.solver(COMPLETION_S, POLISHING_SUBSOLVERS)
    status = solver.solve(model)
    budget.charge(solver)
    model.clear_assumptions()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return snapshot_of(model, solver)
    return None


def solve_day(index: DayIndex, options: SolveOptions = SolveOptions(),
              on_progress: ProgressFn | None = None) -> DaySolution:
    """Solve one office-day.

    Returns status INFEASIBLE when the hard rules cannot hold even with every booking given up.
    """
    budget = Budget(options)
    dm = build_day_model(index, disabled=options.disabled, soft_bookings=bool(index.bookings))
    model = dm.model
    result = DaySolution(index=index, status="UNKNOWN", objective=0.0, bound=0.0, seconds=0.0, options=options)

    def run(stage: str, scale: float, seconds: float, gap: float = 0.0,
            subsolvers: tuple[str, ...] = PROVING_SUBSOLVERS,
            stop_at: float | None = None) -> tuple[cp_model.CpSolver, int]:
        solver = budget.solver(seconds, subsolvers)
        solver.parameters.relative_gap_limit = gap
        began = time.monotonic()
        status = solver.solve(model, _Reporter(stage, scale, budget, on_progress, stop_at))
        budget.charge(solver)
        has = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        result.stages.append(StageReport(
            stage, STATUS_NAMES[status], solver.objective_value / scale if has else 0.0,
            solver.best_objective_bound / scale if has else 0.0, time.monotonic() - began))
        return solver, status

    def finish(status: str) -> DaySolution:
        result.status = status
        result.seconds = budget.elapsed()
        return result

    # The constructive plan knows nothing of a frozen past, so a re-plan after opening goes without it.
    frozen = index.baseline is not None and index.baseline.frozen_steps > 0
    greedy = None if frozen else greedy_plan(index)
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
            solver, status = run("bookings", 1.0, budget.remaining() * 0.5)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return finish(STATUS_NAMES[status])
            result.unheld_bookings = [b for b, lit in dm.held.items() if not solver.boolean_value(lit)]
            for lit in dm.held.values():
                model.add(lit == solver.boolean_value(lit))
            if greedy is not None and set(greedy.unheld_bookings) != set(result.unheld_bookings):
                greedy = None  # it holds other bookings than the ones now fixed

    # Level 1: weighted served demand. Its LP relaxation, solved apart, bounds it (CP-SAT's own LP often
    # stays far above it on large days) and guides a second constructive plan. The better constructive
    # plan is the value to beat, and on large days the search's hint (on small ones a hint slowed it).
    scale = float(index.weight_scale)
    model.clear_objective()
    model.clear_hints()
    model.minimize(add_objective_level(dm, 1))
    primary_budget = budget.remaining() * (1 - SECONDARY_SHARE)
    secondary_reserve = budget.remaining() - primary_budget
    began = time.monotonic()
    lp = LpRelaxation(model)
    lp_bound = enough = None
    if lp.solve(_relaxation_seconds(primary_budget, options)):
        lp_bound = math.floor(-lp.objective + 1e-6)
        # Weighted served that meets the gap limit against the LP bound: a constructive plan that reaches
        # it makes the search unnecessary, and CP-SAT stops there.
        enough = lp_bound * (1 - options.gap_limit)
        result.stages.append(StageReport("relaxation", "OPTIMAL", lp_bound / scale, lp_bound / scale,
                                         time.monotonic() - began))
        if not frozen:
            if greedy is not None and on_progress:
                on_progress(Progress("served", budget.elapsed(), _greedy_value(dm, greedy) / scale, lp_bound / scale))
            rounded = _round_relaxation(dm, lp, result.unheld_bookings, enough, primary_budget * DIVE_SHARE, options)
            greedy = _better(dm, greedy, rounded, result.unheld_bookings)
    floor = _greedy_value(dm, greedy) if greedy is not None else None
    if greedy is not None:
        if on_progress:  # the best constructive plan is the first complete plan of this level
            on_progress(Progress("served", budget.elapsed(), floor / scale,
                                 (lp_bound if lp_bound is not None else floor) / scale))
        if len(index.slot_options) >= HINT_FROM_OPTIONS:
            _hint_greedy(dm, greedy)
    found = False
    if floor is None or enough is None or floor < enough - 1e-9:
        solver, status = run("served", -scale, budget.remaining() - secondary_reserve, options.gap_limit,
                             stop_at=None if enough is None else -enough)
        if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) or (floor is None and status == cp_model.UNKNOWN):
            return finish(STATUS_NAMES[status])
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bounds = [b for b in (lp_bound, round(-solver.best_objective_bound) if found else None) if b is not None]
    bound = min(bounds) if bounds else math.ceil((equipment_bound(index.scenario, index.date) or 0.0) * scale)
    if found and (floor is None or -solver.objective_value > floor):
        best_primary, value = round(-solver.objective_value), solver.value
    else:
        best_primary, value = floor, _greedy_values(dm, greedy)
        result.stages.append(StageReport("greedy", "FEASIBLE", floor / scale, bound / scale, 0.0))
    bound = max(bound, best_primary)
    result.objective, result.bound = best_primary / scale, bound / scale
    primary_status = "OPTIMAL" if best_primary >= bound else "FEASIBLE"
    if on_progress:
        on_progress(Progress("served", budget.elapsed(), result.objective, result.bound))

    primary_seconds = options.time_limit_s - budget.remaining()
    # Later levels: each holds what the levels before it reached. The stability level (re-plans) takes at
    # most twice the primary's time, but at least SECONDARY_MIN_S and a quarter of the limit. The last
    # level, the plan's shape, takes what is left: it improves for long (sample Monday, runs per serving
    # person: 9.25 after 3 s, 7.75 after 15 s, 4.54 after 40 s), and the polish stops once it stalls.
    model.add(dm.weighted_served() >= best_primary)
    levels = [2, LAST_LEVEL] if index.baseline is not None else [LAST_LEVEL]
    for level in levels:
        if budget.remaining() <= 0.2:
            break
        model.clear_objective()
        objective = add_objective_level(dm, level)
        model.minimize(objective)
        snap = _complete(model, dm.decisions(), value, budget)
        if snap is None:
            break
        share = budget.remaining() if level == LAST_LEVEL else min(
            budget.remaining(), max(SECONDARY_MAX_S, SECONDARY_SHARE * options.time_limit_s),
            max(SECONDARY_MIN_S, 2 * primary_seconds, SECONDARY_SHARE * options.time_limit_s))
        _hint(model, snap)
        name = "stability" if level == 2 else "secondary"
        direct, status2 = run(name, 1.0, share * DIRECT_SHARE, subsolvers=POLISHING_SUBSOLVERS)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) and direct.objective_value <= snap.objective:
            snap = snapshot_of(model, direct)
        if status2 != cp_model.OPTIMAL:
            began = time.monotonic()
            snap = polish(model, dm.decisions_by_person(), snap, min(budget.remaining(), share * (1 - DIRECT_SHARE)),
                          budget, POLISHING_SUBSOLVERS)
            result.stages.append(StageReport("polish", "FEASIBLE", snap.objective, 0.0, time.monotonic() - began))
        value = lambda var, values=snap.values: values[var.index]  # noqa: E731
        if level != LAST_LEVEL:
            model.add(objective <= round(snap.objective))
    _extract(dm, value, result)
    # The later levels hold weighted served at least at the primary's value, and may raise it.
    served = _scaled_served(index, result.chosen_slots)
    if served > best_primary:
        result.objective = served / scale
        primary_status = "OPTIMAL" if served >= bound else primary_status
    return finish(primary_status)


def _relaxation_seconds(primary_budget: float, options: SolveOptions) -> float | None:
    """Wall seconds for the first LP solve. Deterministic runs set no limit, so that a result never
    depends on the machine's speed (GLOP itself is deterministic)."""
    if options.deterministic:
        return None
    return primary_budget * RELAXATION_SHARE


def _round_relaxation(dm: DayModel, lp: LpRelaxation, unheld: list[str], enough: float, seconds: float,
                      options: SolveOptions) -> GreedyPlan | None:
    """The best plan rounded from the solved relaxation by diving (`rounding.dive`) that gives up exactly
    the bookings level 0 gave up. Deterministic runs limit the dive by rounds instead of seconds."""
    def score(plan: GreedyPlan) -> int | None:
        return _greedy_value(dm, plan) if set(plan.unheld_bookings) == set(unheld) else None

    if options.deterministic:
        return dive(dm, lp, score, enough, deadline=None, rounds=DETERMINISTIC_DIVE_ROUNDS)
    return dive(dm, lp, score, enough, deadline=time.monotonic() + seconds)


def _better(dm: DayModel, first: GreedyPlan | None, second: GreedyPlan | None,
            unheld: list[str]) -> GreedyPlan | None:
    """The constructive plan serving more, among those that give up exactly the bookings level 0 gave up."""
    fitting = [g for g in (first, second) if g is not None and set(g.unheld_bookings) == set(unheld)]
    return max(fitting, key=lambda g: _greedy_value(dm, g), default=None)


def _scaled_served(index: DayIndex, chosen_slots: list[int]) -> int:
    """Weighted served demand of these slot options, in the model's scaled units."""
    return sum(index.scaled_weight(index.slot_options[i].service) for i in chosen_slots)


def _greedy_value(dm: DayModel, plan: GreedyPlan) -> int:
    """The greedy plan's weighted served demand in the model's scaled units."""
    return _scaled_served(dm.index, plan.chosen_slots)


def _greedy_values(dm: DayModel, plan: GreedyPlan) -> Callable[[cp_model.IntVar], int]:
    """The greedy plan as values of the model's decisions."""
    ones = {dm.slot[i].index for i in plan.chosen_slots}
    ones |= {lit.index for (p, step), lit in dm.guide.items() if step in plan.guide_steps.get(p, ())}
    ones |= {lits[j].index for p, lits in dm.brk.items() for j in [plan.break_plan.get(p)] if j is not None}
    unheld = set(plan.unheld_bookings)
    ones |= {lit.index for b, lit in dm.held.items() if b not in unheld}
    return lambda var: int(var.index in ones)


def _extract(dm: DayModel, value: Callable[[cp_model.IntVar], int], result: DaySolution) -> None:
    result.chosen_slots = [i for i, lit in enumerate(dm.slot) if value(lit)]
    guide_steps: dict[int, list[int]] = {}
    for (p, step), lit in dm.guide.items():
        if value(lit):
            guide_steps.setdefault(p, []).append(step)
    result.guide_steps = {p: sorted(steps) for p, steps in guide_steps.items()}
    result.break_plan = {p: j for p, lits in dm.brk.items() for j, lit in enumerate(lits) if value(lit)}
