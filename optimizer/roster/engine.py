"""The roster engine: column generation for the bound and first rosters, CP-SAT to polish and prove.

`solve(problem, options)` runs these phases within one time limit and returns a `RosterResult`:

1. **start** – every employee's own best schedule (cover ignored), improved by best-response descent
   (`descent.Descent`: one employee at a time re-planned exactly against the others): a sensible roster
   within seconds, even where the column generation is far from converging in the time limit. When the
   first pricing pass alone takes more than 1/`MIN_PASSES` of the root's time, the column generation is
   skipped and the descent (with plateau moves) runs until the polish.
2. **root** – column generation (`colgen.ColumnGeneration`) until no column improves the master LP. Every
   complete pricing pass proves a lower bound (Lagrangian), at convergence the Dantzig-Wolfe bound.
3. **dive** – fixes the schedules the LP is surest about and generates columns again, until every employee
   has one: a roster close to the LP value, then improved by descent. When the root did not converge and
   the dive ends far above the LP value (`FAR_FROM_LP`), the columns are astray: the rest goes to the polish.
   So it does when the dives are over and the best roster is still that far above the LP (the master MIP
   found nothing on Curtois 13 in any run, the polish's LNS does).
4. **master** – the master problem over every column generated, as an integer program (SCIP through
   OR-Tools), started from the best roster; then descent from the best roster once more.
5. **polish** – the compact CP-SAT model (`compact_model.REGISTRY`) hinted with the best roster so far; its LNS
   improves the roster and its search may prove optimality where the column bound is not tight. It stops as
   soon as the roster reaches the best proven bound. Between a short solve of the whole model and a last
   one, `lns.improve` re-plans small neighbourhoods around the worst covered shifts.

Phase budgets are shares of the time limit; a phase that finishes early leaves its time to the next.
The engine never prints; it returns the status, the objective, the proven bound, the seconds, the roster
and a record of each phase.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from . import lns
from .colgen import ColumnGeneration, InfeasibleEmployee
from .compact_model import RosterModel, build_model, hint_roster, solved_roster
from .descent import PLATEAU_SWEEPS, Descent
from .master_lp import LPFailed
from .problem import OBJECTIVE_TERMS, Roster, RosterProblem, objective, violations

Status = Literal["optimal", "feasible", "infeasible", "unknown"]

# cumulative shares of the time limit at which each phase must end; the start's descent takes at most
# START_SHARE after the first columns (Curtois 13 at 600 s: 90 s of descent for a roster of 4756 that never
# counted, while the root needed 170 s)
START_SHARE, ROOT_SHARE, DIVE_SHARE, MASTER_SHARE = 0.05, 0.45, 0.70, 0.82
# share of the time limit a descent after a dive, or after the master, may take at most
DESCENT_SHARE = 0.05
# pricing passes the root needs at least to be worth it: when the first pass (the first columns) takes
# longer than the root's time over this, descent alone makes the roster (at 120 s: Curtois 13, 20, 22-24)
MIN_PASSES = 15
# where the first roster and descent alone must end when no polish follows
LAST_SHARE = 0.97
# dives tried in turn while time is left: (column generation rounds per step, least share fixed per step)
DIVES = ((5, 0.1), (15, 0.0), (5, 0.05), (3, 0.2))
# while the best roster is more than NOISY_ABOVE over the LP value, the next dive is a quick one, NOISY_DIVE,
# that ranks its columns with noise (`ColumnGeneration.dive`), as often as time allows: a root may converge
# at a vertex from which the exact ranking always takes the same wrong turn. Curtois 8 (LP 1296.58, best
# known 1300): six dives from one root ended at 1412 exactly; with noise 0.3, at 1307, 1309, 1310, 1407, 1420,
# 1510. A slow dive (15 rounds a step) with noise had only two tries in the time and ended at 1409. With
# noise the first dive is worse where the exact one is good (Curtois 12: 4058 exact, 4258-4397 with noise
# 0.1), so the first dive stays exact. NOISY_STALL noisy dives in a row without a better roster end them:
# where the gap is the LP's own (Curtois 1: LP 558, optimum 607), they would run until the dive time ends
# (84 s) where the master and the polish prove the optimum in a second.
NOISY_ABOVE, DIVE_NOISE, NOISY_DIVE, NOISY_STALL = 0.01, 0.3, (5, 0.1), 3
# a root that has not converged and whose dive ends this far above the LP value leaves the rest of the time
# to the polish: its columns do not lead to good rosters, CP-SAT's search on the compact model does. Curtois
# 13 at 600 s: dive 2399 against LP 1419, further dives and master MIP 108 s without gain, polish 2396 -> 2218
# in its 82 s; with this rule polish 2709 -> 2066 in 190 s. At 5 % it also sent Curtois 19 (dive 9 % above
# its LP) to the polish: 4669 -> 4128 in 208 s, against 4231 -> 3725 in 93 s after the master in a run
# without it; one run each, the dives themselves varied that much, so it stays at 10 %. The roots that
# converge (1-12, 14, 16, 18) are not affected, nor 15 and 17, whose dives end within 1.1 % of the LP.
FAR_FROM_LP = 0.10
# the polish builds the compact model in Python (about 20 000 variables a CPU second, 3.4 KB each): above
# this size it is left out when the column generation has a roster (Curtois 23 and 24 have 0.4-1.1 million),
# and without one unless the time left is three times the build's estimate
POLISH_MAX_VARIABLES = 300_000
BUILD_RATE = 20_000
# failures of a column generation phase after which the engine carries on with the best roster so far:
# the master LP ladder exhausted, a CP-SAT pricer without answer, a DP walk that lost its way numerically
SOLVER_FAILURES = (LPFailed, RuntimeError, AssertionError, MemoryError)
# the polish: a first solve of the whole model takes this share of its time (small instances are proven
# there), `lns.improve` this share of the rest, the whole model again what is left
POLISH_PROBE, POLISH_LNS = 0.1, 0.75


@dataclass(frozen=True)
class SolveOptions:
    """Limits and switches of one solve."""

    time_limit_s: float = 120.0
    workers: int = 2
    seed: int = 0
    disabled: tuple[str, ...] = ()
    column_generation: bool = True
    # CP-SAT polish with interleaved search and deterministic time, so that a run repeats exactly
    deterministic: bool = False


@dataclass(frozen=True)
class Phase:
    """What one phase achieved: best objective and bound after it, and the seconds since the start."""

    name: str
    objective: int | None
    bound: int | None
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class RosterResult:
    status: Status
    objective: int | None
    bound: int | None
    seconds: float
    roster: Roster
    phases: tuple[Phase, ...] = ()
    reason: str = ""

    @property
    def gap(self) -> float | None:
        """Relative gap to the proven bound, (objective - bound) / objective, or None."""
        if self.objective is None or self.bound is None:
            return None
        return 0.0 if self.objective <= self.bound else (self.objective - self.bound) / max(self.objective, 1)


@dataclass
class _Best:
    roster: Roster | None = None
    value: int | None = None
    bound: int | None = None
    phases: list[Phase] = field(default_factory=list)
    skip: tuple[str, ...] = ()  # objective terms left out (ablations)

    def offer(self, problem: RosterProblem, roster: Roster) -> None:
        value = objective(problem, roster, skip=self.skip)
        if self.value is None or value < self.value:
            self.roster, self.value = roster, value

    def raise_bound(self, bound: int | None) -> None:
        if bound is not None and (self.bound is None or bound > self.bound):
            self.bound = bound

    def closed(self) -> bool:
        return self.value is not None and self.bound is not None and self.value <= self.bound


def solve(
    problem: RosterProblem, options: SolveOptions = SolveOptions(), on_phase: Callable[[Phase], None] | None = None
) -> RosterResult:
    """Solve the roster problem within `options.time_limit_s` seconds."""
    problems = problem.validate()
    if problems:
        raise ValueError("; ".join(problems))
    start = time.monotonic()
    best = _Best(skip=options.disabled)

    def at(share: float) -> float:
        return start + share * options.time_limit_s

    def record(name: str, note: str = "") -> None:
        phase = Phase(name, best.value, best.bound, round(time.monotonic() - start, 2), note)
        best.phases.append(phase)
        if on_phase:
            on_phase(phase)

    if options.column_generation and problem.employees:
        cg: ColumnGeneration | None = None
        try:
            cg = ColumnGeneration(problem, options.disabled, options.workers, options.seed)
            _column_phases(problem, cg, best, at, record, options.seed)
        except InfeasibleEmployee as err:
            return RosterResult(
                "infeasible", None, None, round(time.monotonic() - start, 2), {}, tuple(best.phases), str(err)
            )
        except SOLVER_FAILURES as err:
            # the LP ladder and its smaller master both failed (or a pricer did): keep what we have
            if cg is not None:
                best.raise_bound(cg.lower_bound())
            record("failed", f"column generation stopped: {err}; best roster so far kept")

    size = _compact_size(problem)
    left = start + options.time_limit_s - time.monotonic()
    if not best.closed() and size > POLISH_MAX_VARIABLES and (best.roster is not None or left < 3 * size / BUILD_RATE):
        record("polish", f"skipped: the compact model would have {size} variables, {left:.0f} s left")
    elif not best.closed():
        status = _polish(problem, options, best, start + options.time_limit_s, record)
        if status == "infeasible":
            return RosterResult(
                "infeasible",
                None,
                best.bound,
                round(time.monotonic() - start, 2),
                {},
                tuple(best.phases),
                "the rules of the employees admit no roster",
            )
        record("polish")

    seconds = round(time.monotonic() - start, 2)
    if best.roster is None:
        return RosterResult("unknown", None, best.bound, seconds, {}, tuple(best.phases), "no roster found in time")
    # never expected: every phase builds rosters from the rules (unless an ablation left a rule out)
    broken = violations(problem, best.roster)
    if broken and not set(options.disabled) - set(OBJECTIVE_TERMS):
        raise RuntimeError(f"internal error, the roster breaks rules: {broken[:3]}")
    return RosterResult(
        "optimal" if best.closed() else "feasible", best.value, best.bound, seconds, best.roster, tuple(best.phases)
    )


def _compact_size(problem: RosterProblem) -> int:
    """The number of shift variables `x[e, d, s]` of the compact model."""
    return problem.days * sum(sum(1 for s in problem.shifts if emp.may_work(s.id)) for emp in problem.employees)


def _column_phases(
    problem: RosterProblem,
    cg: ColumnGeneration,
    best: _Best,
    at: Callable[[float], float],
    record: Callable[..., None],
    seed: int,
) -> None:
    """First roster, root, dives and master MIP; every roster found is offered to `best` as soon as it exists.

    The first columns (every employee's own best schedule) improved by best-response descent give a
    roster before the column generation starts (the descent gets `START_SHARE` of the time limit after the
    first columns); every later roster is improved the same way.
    """
    # without a polish to come (the compact model too large), the first roster and descent may take all
    polish_follows = _compact_size(problem) <= POLISH_MAX_VARIABLES
    end = at(MASTER_SHARE) if polish_follows else at(LAST_SHARE)
    if not cg.initial_columns(end):
        record("start", "pricing had not given every employee a schedule in time")
        return
    started = time.monotonic() - at(0.0)  # about one pricing pass (at zero duals, so rather less)
    if started * MIN_PASSES > at(ROOT_SHARE) - at(0.0):  # too few passes for the root to get anywhere
        _descend(problem, cg, best, cg.roster(cg.rounded()), end, plateau_sweeps=math.inf)
        record("start", f"column generation skipped (a pricing pass took {started:.0f} s): descent alone")
        return
    _descend(problem, cg, best, cg.roster(cg.rounded()), min(at(ROOT_SHARE), at(START_SHARE) + started))
    record("start", f"own best schedules, then best-response descent; {len(cg.columns)} columns")
    try:
        cg.generate(at(ROOT_SHARE))
    finally:  # a failed LP still leaves the bound of the complete pricing rounds before it
        best.raise_bound(cg.lower_bound())
    best.offer(problem, cg.roster(cg.rounded()))
    record(
        "root",
        f"LP {cg.stats.lp_value:.2f}, {len(cg.columns)} columns, "
        f"{'converged' if cg.stats.converged else 'not converged'}{_lp_note(cg)}",
    )
    exact, dives, stalled = list(DIVES), 0, 0
    while not best.closed() and time.monotonic() < at(DIVE_SHARE):
        noisy = dives > 0 and stalled < NOISY_STALL and _far_from_lp(cg, best, NOISY_ABOVE)
        if not noisy and not exact:
            break
        rounds, share = NOISY_DIVE if noisy else exact.pop(0)
        if dives:
            cg.unfix()
        noise = DIVE_NOISE if noisy else 0.0
        before = best.value
        dived = cg.roster(cg.dive(at(DIVE_SHARE), rounds, share, noise, seed=1000 * seed + dives))
        dives += 1
        _descend(problem, cg, best, dived, min(at(DIVE_SHARE), time.monotonic() + at(DESCENT_SHARE) - at(0)))
        if noisy:
            stalled = 0 if best.value != before else stalled + 1
        record(
            "dive",
            f"{rounds} rounds a step, fixing at least {share:.0%}{', ranked with noise' if noise else ''}; "
            f"{len(cg.columns)} columns{_lp_note(cg)}",
        )
        if polish_follows and _columns_astray(cg, best):
            record("dive", f"root not converged, dive far above LP {cg.stats.lp_value:.0f}: the rest to the polish")
            return
    if polish_follows and _far_from_lp(cg, best):
        record("dive", f"best roster far above LP {cg.stats.lp_value:.0f}: the rest to the polish")
        return
    if not best.closed() and time.monotonic() < at(MASTER_SHARE):
        roster = _master_mip(cg, best.roster, at(MASTER_SHARE))
        if roster is not None:
            best.offer(problem, roster)
        record("master", f"{len(cg.columns)} columns")
    if not best.closed() and best.roster is not None:
        _descend(problem, cg, best, best.roster, max(time.monotonic(), at(MASTER_SHARE)) + at(DESCENT_SHARE) - at(0))
        record("descent", "best-response descent from the best roster")


def _columns_astray(cg: ColumnGeneration, best: _Best) -> bool:
    """The column generation did not converge in the root and its best roster is `FAR_FROM_LP` above the LP."""
    return not cg.stats.converged and _far_from_lp(cg, best)


def _far_from_lp(cg: ColumnGeneration, best: _Best, share: float = FAR_FROM_LP) -> bool:
    """The best roster is more than `share` above the root's LP value."""
    lp = cg.stats.lp_value
    return best.value is not None and math.isfinite(lp) and lp > 0 and best.value > (1 + share) * lp


def _descend(
    problem: RosterProblem,
    cg: ColumnGeneration,
    best: _Best,
    roster: Roster,
    deadline: float,
    plateau_sweeps: float = PLATEAU_SWEEPS,
) -> None:
    """Offer `roster`, then the roster best-response descent makes of it by `deadline`."""
    best.offer(problem, roster)
    if best.closed():
        return
    ids = {emp.id: e for e, emp in enumerate(problem.employees)}
    schedules: dict[int, set[tuple[int, str]]] = {e: set() for e in range(cg.n_emp)}
    for (emp, d), s in roster.items():
        schedules[ids[emp]].add((d, s))
    descent = Descent(cg, {e: frozenset(a) for e, a in schedules.items()})
    descent.run(deadline, plateau_sweeps)
    best.offer(problem, cg.roster(descent.choice()))


def _lp_note(cg: ColumnGeneration) -> str:
    """How many employees price with a wider exact DP, and how often the master LP needed a fallback, if ever."""
    stats = cg.stats
    wide = sum(pricer.widened for pricer in cg.pricers)
    note = f"; {wide} priced by a wider exact DP" if wide else ""
    if not stats.lp_failures:
        return note
    return f"{note}; LP fallbacks {len(stats.lp_failures)}, rebuilt {stats.lp_rebuilds}×"


def _master_mip(cg: ColumnGeneration, incumbent: Roster | None, deadline: float) -> Roster | None:
    """The master problem over all columns as an integer program (SCIP), hinted with the incumbent."""
    seconds = deadline - time.monotonic()
    mip = pywraplp.Solver.CreateSolver("SCIP")
    if mip is None or seconds <= 0.5:
        return None
    inf = mip.infinity()
    pick = [mip.BoolVar(f"l{j}") for j in range(len(cg.columns))]
    one = [mip.Constraint(1, 1) for _ in range(cg.n_emp)]
    rows = [mip.Constraint(c.requirement, c.requirement) for c in cg.cover]
    goal = mip.Objective()
    for i, _c in enumerate(cg.cover):
        lo, hi = cg.slack_bounds[i]
        under, over = mip.NumVar(0, inf, f"u{i}"), mip.NumVar(0, inf, f"o{i}")
        rows[i].SetCoefficient(under, 1)
        rows[i].SetCoefficient(over, -1)
        goal.SetCoefficient(under, hi)
        goal.SetCoefficient(over, -lo)
    for j, (e, a) in enumerate(cg.columns):
        one[e].SetCoefficient(pick[j], 1)
        goal.SetCoefficient(pick[j], cg.cost(e, a))
        for k in a:
            for i in cg.rows_of[e].get(k, ()):
                rows[i].SetCoefficient(pick[j], 1)
    goal.SetMinimization()
    if incumbent is not None:
        ids = [emp.id for emp in cg.problem.employees]
        chosen = {
            j
            for j, (e, a) in enumerate(cg.columns)
            if a == frozenset((d, s) for (emp, d), s in incumbent.items() if emp == ids[e])
        }
        mip.SetHint(pick, [1.0 if j in chosen else 0.0 for j in range(len(pick))])
    mip.SetNumThreads(1)
    mip.SetTimeLimit(int(seconds * 1000))
    status = mip.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    choice = {}
    for j, (e, _a) in enumerate(cg.columns):
        if pick[j].solution_value() > 0.5:
            choice[e] = j
    return cg.roster(choice) if len(choice) == cg.n_emp else None


class _StopAtBound(cp_model.CpSolverSolutionCallback):
    def __init__(self, bound: int | None):
        super().__init__()
        self.bound = bound

    def on_solution_callback(self) -> None:
        if self.bound is not None and self.objective_value <= self.bound:
            self.stop_search()


def _polish(
    problem: RosterProblem, options: SolveOptions, best: _Best, deadline: float, record: Callable[..., None]
) -> str:
    """CP-SAT on the compact model, hinted with the best roster: a short solve of the whole model (quick
    proofs on small instances), then `lns.improve` on neighbourhoods it can solve, then the whole model again
    for the rest of the time (it may still improve the roster or prove the bound)."""
    built = build_model(problem, options.disabled)
    status = _solve_whole(built, options, best, time.monotonic() + POLISH_PROBE * (deadline - time.monotonic()))
    if status == "infeasible" or best.closed() or best.roster is None or best.value is None:
        return status
    before, started = best.value, time.monotonic()
    share = POLISH_LNS * (deadline - started)
    roster, _value = lns.improve(
        built,
        best.roster,
        math.inf if options.deterministic else started + share,
        value=best.value,
        bound=best.bound,
        workers=options.workers,
        seed=options.seed,
        deterministic_budget=share if options.deterministic else None,
    )
    best.offer(problem, roster)
    record("lns", f"{before} -> {best.value} in {time.monotonic() - started:.0f} s")
    if best.closed():
        return status
    return _solve_whole(built, options, best, deadline)


def _solve_whole(built: RosterModel, options: SolveOptions, best: _Best, deadline: float) -> str:
    """One CP-SAT solve of the whole compact model until `deadline`, hinted with the best roster; offers
    its roster and raises the bound."""
    problem = built.ctx.problem
    if best.roster is not None:
        hint_roster(built, best.roster)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, options.workers)
    params.random_seed = options.seed
    remaining = max(0.1, deadline - time.monotonic())
    if options.deterministic:
        params.interleave_search = True
        params.max_deterministic_time = remaining
    else:
        params.max_time_in_seconds = remaining
    status = solver.solve(built.model, _StopAtBound(best.bound))
    if status == cp_model.INFEASIBLE:
        return "infeasible"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best.offer(problem, solved_roster(built, solver))
        if status == cp_model.OPTIMAL:
            best.raise_bound(round(solver.objective_value))
        else:
            best.raise_bound(math.ceil(solver.best_objective_bound - 1e-6))
    return "done"
