"""Column generation for the roster problem: a proven lower bound and near-optimal rosters.

All hard rules of a roster problem are rules of one employee; only the cover couples employees, and
cover is soft. So the problem decomposes (Dantzig-Wolfe):

- a *column* is one employee's whole schedule that obeys all of their rules;
- the *master* LP picks a convex combination of columns per employee and pays for cover slack:
  ``min sum c_p l_p + sum(under_w u + over_w o)`` s.t. ``sum_p l_p = 1`` per employee and
  ``sum_p a_p[d, s] l_p + u[d, s] - o[d, s] = requirement[d, s]`` per cover entry;
- the *pricing* problem of an employee finds the schedule of least reduced cost (request costs minus the
  cover duals), exactly: by dynamic programming over an automaton with resources (`dp.DPPricer`), or,
  where the DP does not apply (ablations, per-week minute limits, too many resources), by the compact
  CP-SAT model of a one-employee problem (the very families of `compact_model.REGISTRY`).

For any cover duals `pi` within `[-over_w, under_w]`, ``sum pi * requirement + sum_e min_p (c_p - pi a_p)``
is a lower bound on every roster's cost (Lagrangian relaxation of the cover rows). Every pricing round
therefore gives a proven bound, whether or not the column generation has converged, and at convergence it
equals the master LP's value, the Dantzig-Wolfe bound, which is much stronger than the compact model's LP.

Any choice of one column per employee is a feasible roster, which makes rounding easy: `dive` fixes the
columns the LP is surest about, generates columns again for the others, and repeats until every employee
has a schedule.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from .compact_model import build_model
from .dp import MAX_CELLS, WIDE_DP_BYTES, DPPricer, TooLarge
from .master_lp import LPFailed, LPSolution, solve_master
from .problem import Roster, RosterProblem

SMOOTHING = 0.5
"""Weight of the stability center in the smoothed duals (0 = plain Kelley column generation)."""

SCALE = 10_000
"""Pricing objectives are integers: reduced costs are scaled by this factor and rounded."""

POOL_LIMIT = 20_000
"""Column management: above this many columns the master keeps the used ones and those of least reduced
cost, half the limit in all (the LP value does not change; GLOP's solve time grows with the pool)."""

PARTIAL_MIN = 24
"""Partial pricing: from this many free employees on, a round prices a share of them (see `generate`)."""
PARTS = 4
"""Partial pricing: a round prices this share (1 / PARTS) of the free employees."""
FULL_EVERY = 4
"""Partial pricing: every this many passes over the employees, one is priced whole (for the bound)."""

CP_FALLBACK_S = 2.0
"""Where the relaxed DP cannot prove its schedule the least costly, CP-SAT prices the employee exactly, for
at most this long (Curtois 8: a relaxed answer of reduced cost +404 where CP-SAT finds -150 in 0.06 s)."""
CP_FALLBACK_MEAN_S = 0.5
"""... but only while CP-SAT's pricing of that employee has taken at most this long on average."""

Assignment = frozenset[tuple[int, str]]
"""One employee's schedule: the (day, shift) pairs worked."""


class InfeasibleEmployee(Exception):
    """An employee has no schedule that obeys their own rules."""

    def __init__(self, employee: str):
        self.employee = employee
        super().__init__(f"employee {employee} has no schedule that obeys their contract rules")


class _Collector(cp_model.CpSolverSolutionCallback):
    def __init__(self, xs: list[tuple[tuple[int, str], cp_model.IntVar]]):
        super().__init__()
        self.xs = xs
        self.found: list[Assignment] = []

    def on_solution_callback(self) -> None:
        self.found.append(frozenset(k for k, v in self.xs if self.value(v)))


class Pricer:
    """The pricing problem of one employee: exact DP (`dp.DPPricer`) where it applies, else CP-SAT.

    The CP-SAT pricer is the compact model of a one-employee problem, re-solved per objective.
    """

    def __init__(self, problem: RosterProblem, e: int, disabled: Sequence[str], seed: int):
        emp = problem.employees[e]
        self.problem = problem
        self.emp = emp
        self.employee = emp.id
        self.disabled = [d for d in disabled if d not in _OBJECTIVE_FAMILIES]
        self.seed = seed
        self.dp: DPPricer | None = None
        if not self.disabled:  # the DP knows every rule; ablations price with CP-SAT
            dp = DPPricer(problem, emp)
            self.dp = dp if dp.usable else None
        self.model: cp_model.CpModel | None = None
        self.xs: list[tuple[tuple[int, str], cp_model.IntVar]] = []
        self.hint: Assignment | None = None
        self.cp_calls = 0
        self.cp_seconds = 0.0
        self.fallback = True
        """CP-SAT stands in for the relaxed DP where that cannot prove its answer (see `CP_FALLBACK_S`)."""
        self.widen_tried = False
        self.narrow: DPPricer | None = None
        """The relaxed DP a widening replaced: the dives still price with it (quick answers)."""

    def solve(self, cost: dict[tuple[int, str], float]) -> tuple[list[Assignment], float]:
        """Schedules found while minimising `sum cost[d, s] x[d, s]` (best last) and a proven lower bound."""
        # the dives keep the quick answers: a widened employee's relaxed DP, not the slower exact one
        dp = self.narrow if not self.fallback and self.narrow is not None else self.dp
        if dp is not None:
            try:
                found, value = dp.solve(cost)
            except TooLarge:
                self.dp = None
            else:
                if value == math.inf:
                    raise InfeasibleEmployee(self.employee)
                low = value - 1e-9 * (1.0 + abs(value))
                if not self.fallback or self.exact or not self._unproven(found, value, cost):
                    return found, low
                if self._cp_cheap():
                    exact, bound = self.solve_cp(cost, CP_FALLBACK_S)
                    return exact or found, max(low, bound)
                if self._widen():
                    return self.solve(cost)
                return found, low
        return self.solve_cp(cost)

    def _widen(self) -> bool:
        """CP-SAT is too slow to stand in for this employee's relaxed DP: price exactly with a DP allowed
        `dp.WIDE_DP_BYTES` of tensors instead (tried once; it may relax again beyond that). Curtois 19 (84
        days): CP-SAT took 1.5-2 s a pricing, the relaxed DP's answers then stood alone for 15 of 40
        employees, and the root LP was at 4910 after 70 s; with the wider DP, 4323 (optimum 3149)."""
        assert self.dp is not None
        cells = WIDE_DP_BYTES // (8 * max(1, self.problem.days))
        # at 364 days the budget buys 343,000 cells, hardly more than MAX_CELLS: not worth a slower pricer
        if self.widen_tried or not self.dp.relaxed or cells < 2 * MAX_CELLS:
            return False
        self.widen_tried = True
        wide = DPPricer(self.problem, self.emp, max_cells=cells)
        if wide.relaxed:  # not even the wider tensor holds the weekends and the minutes
            return False
        self.narrow, self.dp = self.dp, wide
        return True

    @property
    def widened(self) -> bool:
        """CP-SAT was too slow here: the exact DP was given `WIDE_DP_BYTES` (`_widen`)."""
        return self.narrow is not None

    @staticmethod
    def _unproven(found: list[Assignment], value: float, cost: dict[tuple[int, str], float]) -> bool:
        """The relaxed DP's best schedule costs more than its bound: the least cost may lie in between."""
        best = min((sum(cost.get(k, 0.0) for k in a) for a in found), default=math.inf)
        return best - value > 1e-6 * (1.0 + abs(value))

    def _cp_cheap(self) -> bool:
        """CP-SAT prices this employee fast enough to stand in for the relaxed DP (always tried once)."""
        return self.cp_calls == 0 or self.cp_seconds / self.cp_calls <= CP_FALLBACK_MEAN_S

    @property
    def exact(self) -> bool:
        """True when `solve` proves the least cost (CP-SAT, or the DP in its exact mode)."""
        return self.dp is None or self.dp.exact_pricing

    def solve_cp(self, cost: dict[tuple[int, str], float], seconds: float = math.inf) -> tuple[list[Assignment], float]:
        if self.model is None:
            single = RosterProblem(
                days=self.problem.days,
                shifts=self.problem.shifts,
                employees=(self.emp,),
                first_weekday=self.problem.first_weekday,
                name=self.emp.id,
            )
            built = build_model(single, disabled=self.disabled)
            self.model = built.model
            self.xs = [((d, s), v) for (_e, d, s), v in built.ctx.x.items()]
        variables = [v for _k, v in self.xs]
        coeffs = [round(cost.get(k, 0.0) * SCALE) for k, _v in self.xs]
        self.model.minimize(cp_model.LinearExpr.weighted_sum(variables, coeffs))
        self.model.clear_hints()
        if self.hint is not None:
            for k, v in self.xs:
                self.model.add_hint(v, k in self.hint)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.max_deterministic_time = 20.0
        if seconds < math.inf:
            solver.parameters.max_time_in_seconds = max(0.1, seconds)
        collector = _Collector(self.xs)
        status = solver.solve(self.model, collector)
        self.cp_calls += 1
        self.cp_seconds += solver.wall_time
        if status == cp_model.INFEASIBLE:
            raise InfeasibleEmployee(self.employee)
        if not collector.found:
            if seconds < math.inf:  # time-limited: no column this time, the bound still holds
                return [], solver.best_objective_bound / SCALE - self.problem.days * 0.5 / SCALE
            raise RuntimeError(f"pricing for {self.employee} found no schedule ({solver.status_name(status)})")
        self.hint = collector.found[-1]
        # true minimum >= scaled bound minus the rounding of at most one term per day
        bound = solver.best_objective_bound / SCALE - self.problem.days * 0.5 / SCALE
        return collector.found, bound


_OBJECTIVE_FAMILIES = ("on_requests", "off_requests", "cover_under", "cover_over")


@dataclass
class CGStats:
    iterations: int = 0
    pricings: int = 0
    pricing_seconds: float = 0.0
    lp_value: float = math.inf
    converged: bool = False
    lp_solves: int = 0
    lp_failures: list[str] = field(default_factory=list)  # failed rungs of the master LP's ladder
    lp_rebuilds: int = 0  # masters rebuilt with fewer columns after every rung failed
    purged: int = 0  # columns dropped by column management
    round_seconds: float = 0.0  # mean wall-clock seconds of a round over every free employee with its LP solve
    whole_rounds: int = 0  # the rounds in that mean


class ColumnGeneration:
    """The master LP over a growing pool of columns, its pricing problems and the bound they prove."""

    def __init__(self, problem: RosterProblem, disabled: Sequence[str] = (), workers: int = 1, seed: int = 0):
        self.problem = problem
        self.n_emp = len(problem.employees)
        self.workers = max(1, workers)
        index = {emp.id: e for e, emp in enumerate(problem.employees)}
        self.use_requests = [f not in disabled for f in ("on_requests", "off_requests")]
        # request cost per employee: a constant plus a cost per worked (day, shift)
        self.const = [0] * self.n_emp
        self.base: list[dict[tuple[int, str], int]] = [{} for _ in range(self.n_emp)]
        for r in problem.requests:
            if not self.use_requests[0 if r.on else 1]:
                continue
            e = index[r.employee]
            if r.on:
                self.const[e] += r.weight
            # at most one shift a day, so "any shift" is the sum over the day's shifts
            for shift in [r.shift] if r.shift is not None else [s.id for s in problem.shifts]:
                key = (r.day, shift)
                self.base[e][key] = self.base[e].get(key, 0) + (-r.weight if r.on else r.weight)
        weights = [
            (
                c.under_weight if "cover_under" not in disabled else 0,
                c.over_weight if "cover_over" not in disabled else 0,
            )
            for c in problem.cover
        ]
        self.cover = list(problem.cover)
        # rows_of[e][(day, shift)]: the cover rows that count employee e working that shift that day
        self.rows_of: list[dict[tuple[int, str], list[int]]] = [{} for _ in range(self.n_emp)]
        for i, c in enumerate(self.cover):
            for e, emp in enumerate(problem.employees):
                if c.counts(emp.id):
                    self.rows_of[e].setdefault((c.day, c.shift), []).append(i)
        self.pricers = [Pricer(problem, e, disabled, seed) for e in range(self.n_emp)]

        self.weights = weights
        self.slack_bounds = [(-over, under) for under, over in weights]
        self._new_lp()
        self.columns: list[tuple[int, Assignment]] = []
        self.column_vars: list[pywraplp.Variable] = []
        self.column_index: list[int] = []  # each column's variable index in the master
        self.seen: set[tuple[int, Assignment]] = set()
        self.fixed: dict[int, int] = {}
        self.bound = -math.inf
        self.stats = CGStats()
        self._solution: LPSolution | None = None
        self._values: list[float] | None = None  # column weights of the last solution, read on demand
        self._dirty = True
        self.ready = False  # every employee has a column: the master can be solved

    def _new_lp(self) -> None:
        """An empty master: convexity rows, cover rows with their slacks, no columns."""
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp.SetNumThreads(1)
        inf = self.lp.infinity()
        self.convexity = [self.lp.Constraint(1, 1, f"one[{e}]") for e in range(self.n_emp)]
        self.cover_rows = []
        objective = self.lp.Objective()
        for i, c in enumerate(self.cover):
            row = self.lp.Constraint(c.requirement, c.requirement, f"cover[{c.day},{c.shift}]")
            under = self.lp.NumVar(0, inf, f"u{i}")
            over = self.lp.NumVar(0, inf, f"o{i}")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            objective.SetCoefficient(under, self.weights[i][0])
            objective.SetCoefficient(over, self.weights[i][1])
            self.cover_rows.append(row)
        objective.SetMinimization()

    # --- the master ---------------------------------------------------------------------------------------

    def cost(self, e: int, a: Assignment) -> int:
        """The request cost of schedule `a` for employee `e`."""
        base = self.base[e]
        return self.const[e] + sum(base.get(k, 0) for k in a)

    def add_column(self, e: int, a: Assignment) -> bool:
        if (e, a) in self.seen:
            return False
        self.seen.add((e, a))
        var = self.lp.NumVar(0, self.lp.infinity(), f"l{len(self.columns)}")
        self.convexity[e].SetCoefficient(var, 1)
        for k in a:
            for i in self.rows_of[e].get(k, ()):
                self.cover_rows[i].SetCoefficient(var, 1)
        self.lp.Objective().SetCoefficient(var, self.cost(e, a))
        self.columns.append((e, a))
        self.column_vars.append(var)
        self.column_index.append(var.index())
        self._dirty = True
        return True

    def solve_lp(self) -> tuple[float, list[float], list[float]]:
        """Solve the master (`master_lp.solve_master`); if every rung fails, drop columns and try once more.

        Returns the LP value, the convexity duals and the cover duals (clipped to the slack costs).
        Raises `LPFailed` when the smaller master fails too.
        """
        self.stats.lp_solves += 1
        try:
            solution = solve_master(self.lp, self.stats.lp_failures)
        except LPFailed:
            self._drop_columns()
            solution = solve_master(self.lp, self.stats.lp_failures)
        self._solution, self._values, self._dirty = solution, None, False
        mu = [solution.duals[row.index()] for row in self.convexity]
        pi = [
            min(max(solution.duals[row.index()], lo), hi) for row, (lo, hi) in zip(self.cover_rows, self.slack_bounds)
        ]
        return solution.value, mu, pi

    def _drop_columns(self) -> None:
        """Rebuild the master from scratch with the fixed columns, those the last solution used and, for an
        employee with neither, their latest column."""
        self.stats.lp_rebuilds += 1
        self._rebuild(self._used_columns())

    def _used_columns(self) -> set[int]:
        """The fixed columns and those with a positive weight in the last solution of the master."""
        used = set(self.fixed.values())
        if self._values is not None:
            used |= {j for j, v in enumerate(self._values) if v > 1e-9}
        return used

    def purge(self, keep: int, mu: list[float], pi: list[float]) -> int:
        """Column management: keep the used columns and at most `keep` in all, those of least reduced cost.

        Dropping columns of weight 0 leaves the LP value unchanged; a dropped column that prices out again
        later is simply added again. Returns the number of columns dropped.
        """
        if len(self.columns) <= keep:
            return 0
        self.lp_values()
        used = self._used_columns()
        reduced = sorted(
            (self.cost(e, a) - mu[e] - self._covered(e, a, pi), j)
            for j, (e, a) in enumerate(self.columns)
            if j not in used
        )
        chosen = used | {j for _rc, j in reduced[: max(0, keep - len(used))]}
        dropped = len(self.columns) - len(chosen)
        self._rebuild(chosen)
        self.stats.purged += dropped
        return dropped

    def _rebuild(self, keep: set[int]) -> None:
        """A new master with columns `keep` (fixed ones stay fixed) and a column for every employee."""
        latest = {e: j for j, (e, _a) in enumerate(self.columns)}
        covered = {self.columns[j][0] for j in keep}
        keep = keep | {j for e, j in latest.items() if e not in covered}
        old, fixed = self.columns, self.fixed
        self._new_lp()
        self.columns, self.column_vars, self.column_index, self.seen, self.fixed = [], [], [], set(), {}
        renumbered = {}
        for j in sorted(keep):
            renumbered[j] = len(self.columns)
            self.add_column(*old[j])
        for e, j in fixed.items():
            self.fix(e, renumbered[j])
        self._solution = self._values = None

    def lp_values(self) -> list[float]:
        """The column weights of the master LP over the current pool (re-solved if the pool changed)."""
        if self._dirty or self._solution is None:
            self.solve_lp()
        if self._values is None:
            assert self._solution is not None
            copied = self._solution.values
            self._values = (
                [v.solution_value() for v in self.column_vars]
                if copied is None
                else [copied[i] for i in self.column_index]
            )
        return self._values

    # --- pricing ------------------------------------------------------------------------------------------

    def _price_all(
        self, employees: list[int], pi: list[float], deadline: float = math.inf
    ) -> list[tuple[list[Assignment], float] | None]:
        """Each employee's pricing answer, in order; None for those not priced before the deadline."""

        def one(e: int) -> tuple[list[Assignment], float]:
            return self.pricers[e].solve(self._pricing_cost(e, pi))

        start = time.perf_counter()
        out: list[tuple[list[Assignment], float] | None] = [None] * len(employees)
        if self.workers > 1 and len(employees) > 1:
            pool = ThreadPoolExecutor(self.workers)
            futures = [pool.submit(one, e) for e in employees]
            try:
                for n, future in enumerate(futures):
                    out[n] = future.result(
                        timeout=max(0.0, deadline - time.monotonic()) if deadline < math.inf else None
                    )
            except FutureTimeout:  # keep the answers already there; running pricings are not waited for
                for n, future in enumerate(futures):
                    if out[n] is None and future.done() and not future.cancelled() and future.exception() is None:
                        out[n] = future.result()
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
        else:
            for n, e in enumerate(employees):
                if time.monotonic() >= deadline:
                    break
                out[n] = one(e)
        self.stats.pricing_seconds += time.perf_counter() - start
        self.stats.pricings += sum(r is not None for r in out)
        return out

    def _pricing_cost(self, e: int, pi: list[float]) -> dict[tuple[int, str], float]:
        """Employee e's cost per worked (day, shift): request costs minus the cover duals it earns."""
        cost = {k: float(v) for k, v in self.base[e].items()}
        for k, rows in self.rows_of[e].items():
            dual = sum(pi[i] for i in rows)
            if dual:
                cost[k] = cost.get(k, 0.0) - dual
        return cost

    def initial_columns(self, deadline: float = math.inf) -> bool:
        """One column per employee: the schedule best for their own requests (cover ignored).

        Returns False if the deadline came first (then the master cannot be solved yet).
        """
        zero = [0.0] * len(self.cover)
        missing = [e for e in range(self.n_emp) if not any(c[0] == e for c in self.columns)]
        for e, result in zip(missing, self._price_all(missing, zero, deadline)):
            if result is None:
                continue
            found = result[0]
            if not found:  # the relaxed DP found no schedule within the limits: ask the CP-SAT model
                found, _bound = self.pricers[e].solve_cp(self._pricing_cost(e, zero))
            self.add_column(e, found[-1])
        self.ready = len({e for e, _a in self.columns}) == self.n_emp
        return self.ready

    def generate(
        self, deadline: float, max_iterations: int = 10_000, smoothing: float = SMOOTHING, partial: bool = True
    ) -> float:
        """Price and re-solve until no column improves, the deadline passes or `max_iterations` rounds.

        Duals are smoothed (Wentges): pricing uses ``a * center + (1 - a) * pi`` where the center is the
        best Lagrangian duals so far; a pass that finds no column at the smoothed duals is repeated at the
        LP duals before it may end the generation. Stops early when the bound rounded up reaches the LP
        value (the integer bound cannot improve). Returns the master LP value.

        With `partial` and at least `PARTIAL_MIN` free employees, a round prices only the next
        ``1 / PARTS`` of them (in turn) and the master is re-solved as soon as a round adds columns: duals
        improve several times per pass over the employees instead of once. A pass over all employees at
        one set of duals proves a Lagrangian bound (and raises `self.bound` when none is fixed); every
        `FULL_EVERY`-th pass is priced whole so that the bound keeps improving.
        """
        if not self.ready and not self.initial_columns(deadline):
            return math.inf
        value, mu, pi = self.solve_lp()
        center: list[float] | None = None
        best = -math.inf
        alpha = smoothing
        pending: list[int] = []  # free employees not yet priced at the duals `at`
        results: list[tuple[int, tuple[list[Assignment], float]]] = []
        at = pi
        pass_added = passes = 0
        cursor = 0  # where the next pass starts, so that partial rounds price every employee in turn
        for _ in range(max_iterations):
            round_start = time.monotonic()
            if round_start >= deadline:
                break
            free = [e for e in range(self.n_emp) if e not in self.fixed]
            if not pending:  # a new pass at new duals
                at = pi if center is None or alpha == 0 else [alpha * c + (1 - alpha) * p for c, p in zip(center, pi)]
                cursor %= max(1, len(free))
                pending, results, pass_added = free[cursor:] + free[:cursor], [], 0
                passes += 1
            whole = not partial or len(free) < PARTIAL_MIN or passes % FULL_EVERY == 0
            batch = pending if whole else pending[: math.ceil(len(free) / PARTS)]
            pending = pending[len(batch) :]
            cursor += len(batch)
            answers = self._price_all(batch, at, deadline)
            added = 0
            for e, answer in zip(batch, answers):
                for a in answer[0] if answer is not None else ():
                    if self.cost(e, a) - mu[e] - self._covered(e, a, pi) < -1e-6:
                        added += self.add_column(e, a)
            pass_added += added
            if any(answer is None for answer in answers):  # the deadline cut the round: no bound from it
                if added:
                    value, mu, pi = self.solve_lp()
                break
            results += [(e, answer) for e, answer in zip(batch, answers) if answer is not None]
            self.stats.iterations += 1
            if not pending:  # every free employee priced at `at`: a proven bound
                if at is pi and pass_added == 0:  # about to converge: no relaxed answer may hide a column
                    pass_added = added = self._reprice_exactly(results, mu, pi, deadline)
                lagrangian = self._lagrangian(at, results)
                if lagrangian > best:
                    best, center = lagrangian, at
                if not self.fixed:
                    self.bound = max(self.bound, lagrangian)
                if math.ceil(best - 1e-6) >= value - 1e-6:
                    self.stats.converged = self.stats.converged or not self.fixed
                    break
                if pass_added == 0:
                    if at is pi:
                        self.stats.converged = self.stats.converged or not self.fixed
                        break
                    alpha = 0.0  # mispricing: price at the LP duals
                    continue
            if added == 0:
                continue  # the rest of the pass at the same duals
            alpha, pending = smoothing, []
            value, mu, pi = self.solve_lp()
            if len(self.columns) > POOL_LIMIT and self.purge(POOL_LIMIT // 2, mu, pi):
                value, mu, pi = self.solve_lp()
            if whole:
                self.stats.whole_rounds += 1
                mean, n = self.stats.round_seconds, self.stats.whole_rounds
                self.stats.round_seconds += (time.monotonic() - round_start - mean) / n
        if not self.fixed:
            self.stats.lp_value = value
        return value

    def _reprice_exactly(
        self,
        results: list[tuple[int, tuple[list[Assignment], float]]],
        mu: list[float],
        pi: list[float],
        deadline: float,
    ) -> int:
        """Employees priced by the relaxed DP whose lower bound leaves room for a column of negative reduced
        cost, though the DP's schedules have none, priced again exactly by CP-SAT. The relaxed DP's schedules
        come from Lagrangian multipliers, not from the least reduced cost, so without this the generation
        stopped short: Curtois 8 at LP 1499.5 with a bound of 1249.6 (best known 1300). Their columns are
        added and their bounds in `results` tightened; returns the columns added."""
        added = 0
        for n, (e, (_found, low)) in enumerate(results):
            pricer = self.pricers[e]
            if pricer.exact or self.const[e] + low - mu[e] >= -1e-6:
                continue
            if time.monotonic() >= deadline:
                break
            found, exact_low = pricer.solve_cp(self._pricing_cost(e, pi), deadline - time.monotonic())
            for a in found:
                if self.cost(e, a) - mu[e] - self._covered(e, a, pi) < -1e-6:
                    added += self.add_column(e, a)
            results[n] = (e, (found, max(low, exact_low)))
        return added

    def _covered(self, e: int, a: Assignment, pi: list[float]) -> float:
        """The cover duals that schedule `a` of employee `e` earns."""
        rows = self.rows_of[e]
        return sum(pi[i] for k in a for i in rows.get(k, ()))

    def _lagrangian(self, pi: list[float], results: list[tuple[int, tuple[list[Assignment], float]]]) -> float:
        """Lower bound at duals `pi` on every roster that keeps the fixed employees' columns, from the
        pricing answers (employee, (schedules, least reduced cost)) of every free employee."""
        value = sum(p * c.requirement for p, c in zip(pi, self.cover))
        value += sum(self.const[e] + low for e, (_found, low) in results)
        for e, j in self.fixed.items():
            a = self.columns[j][1]
            value += self.cost(e, a) - self._covered(e, a, pi)
        return value

    # --- rosters from the pool ----------------------------------------------------------------------------

    def rounded(self) -> dict[int, int]:
        """Per employee the column of the largest LP weight (fixed columns stay)."""
        values = self.lp_values()
        best: dict[int, int] = dict(self.fixed)
        for j, (e, _a) in enumerate(self.columns):
            if e not in self.fixed and (e not in best or values[j] > values[best[e]] + 1e-9):
                best[e] = j
        return best

    def fix(self, e: int, j: int) -> None:
        self.fixed[e] = j
        self.column_vars[j].SetBounds(1, 1)
        self._dirty = True

    def unfix(self) -> None:
        """Release every fixed column (after a dive), keeping the pool."""
        for j in self.fixed.values():
            self.column_vars[j].SetBounds(0, self.lp.infinity())
        self.fixed = {}
        self._dirty = True

    def dive(
        self, deadline: float, rounds_per_step: int = 5, share: float = 0.1, noise: float = 0.0, seed: int = 0
    ) -> dict[int, int]:
        """Fix columns the LP is surest about, re-generate, repeat; the rest rounded at the deadline.

        Each step fixes every column at (nearly) 1 and at least `share` of the free employees (at least
        one), the columns of largest LP value first. When the pricing rounds that fit before the deadline
        (at the mean round time so far) are too few, a step gets fewer rounds, then fixes more employees
        (never all at once), so that a slow (large or loaded) run still ends its dive instead of rounding.
        With `noise`, each column's LP value is scaled by a random factor in ``[1, 1 + noise)`` for the
        ranking (seeded by `seed`), so that a repeated dive takes another path.
        A dive wants many cheap rounds: its pricers keep the relaxed DP's quick answers (no CP-SAT fallback).
        """
        for pricer in self.pricers:
            pricer.fallback = False
        rng = random.Random(seed)
        while len(self.fixed) < self.n_emp and time.monotonic() < deadline:
            started = time.monotonic()
            values = self.lp_values()
            best = {e: j for e, j in self.rounded().items() if e not in self.fixed}
            factor = {e: 1 + noise * rng.random() for e in sorted(best)}
            ranked = sorted(best.items(), key=lambda kv: (-values[kv[1]] * factor[kv[0]], kv[0]))
            least = max(1, math.ceil(share * len(ranked)))
            rounds = rounds_per_step
            if self.stats.round_seconds > 0:  # fit the steps left into the rounds left before the deadline
                budget = int((deadline - started) / self.stats.round_seconds)
                steps = math.ceil(len(ranked) / least)
                if budget < steps * rounds:
                    rounds = max(1, budget // steps)  # fewer rounds a step first,
                    if budget < steps:  # then more fixed a step, but never all at once (that is rounding)
                        least = max(least, math.ceil(len(ranked) / max(2, budget)))
            for n, (e, j) in enumerate(ranked):
                if n < least or values[j] > 0.99:
                    self.fix(e, j)
            self.generate(deadline, max_iterations=rounds, partial=False)
        return self.rounded()

    def roster(self, choice: dict[int, int]) -> Roster:
        out: Roster = {}
        for e, j in choice.items():
            emp = self.problem.employees[e].id
            for d, s in self.columns[j][1]:
                out[emp, d] = s
        return out

    def lower_bound(self) -> int | None:
        """The proven lower bound on the objective (integral), or None before a complete pricing round."""
        return None if self.bound == -math.inf else math.ceil(self.bound - 1e-6)
