"""The roster's compact CP-SAT model: every hard rule and every objective term as a named constraint family
(the column generation in `colgen.py` is the roster engine's other model).

`build_model` creates the decision variables (`x[e, d, s]`: employee `e` works shift `s` on day `d`;
`work[e, d]`: employee `e` works that day, their sum) and then runs each builder of `REGISTRY` in order.
Each builder adds its rule to the CP-SAT model and returns a `Family`. Tests, ablations and reports refer
to families by these names; `build_model(problem, disabled=[...])` leaves families out.

Encodings are chosen for propagation and for a tight LP relaxation (CP-SAT's linear relaxation does most
of the bounding work on these problems):
- min-consecutive rules are implications from a run's start (`work[d] & !work[d-1] -> work[d+j]`), which
  are stronger than forbidding each short pattern separately;
- max-consecutive is a sliding window over `max + 1` days;
- the rotation rule is one clique per (day, shift): `x[d, s] + sum(x[d+1, t] for forbidden t) <= 1`;
- cover slack is one integer pair per cover entry with `count + under - over == requirement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import Literal as BoolLiteral

from ..families import Family, FamilySpec, Penalty, select
from .problem import Employee, Roster, RosterProblem


@dataclass
class RosterCtx:
    """The model under construction, its variables and the problem, shared by all builders."""

    problem: RosterProblem
    model: cp_model.CpModel
    # x[e, d, s]: employee index e works shift s on day d (only where the employee may ever work s).
    x: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    # work[e, d]: employee index e works on day d; equals the sum of x[e, d, *].
    work: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # cover slack per entry of problem.cover (same index): (under, over)
    slack: list[tuple[cp_model.IntVar, cp_model.IntVar]] = field(default_factory=list)
    # weekend[e, w]: employee e works on some day of weekend w
    weekend: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return self.problem.days

    def emps(self) -> Sequence[tuple[int, Employee]]:
        return list(enumerate(self.problem.employees))

    def shifts_of(self, e: int, d: int) -> list[str]:
        return [s.id for s in self.problem.shifts if (e, d, s.id) in self.x]


# --- hard rules ---------------------------------------------------------------------------------------


def add_days_off(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, emp in ctx.emps():
        for d in sorted(emp.days_off):
            ctx.model.add(ctx.work[e, d] == 0)
    return Family(spec.name, spec.kind, spec.why)


def add_shift_limits(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, emp in ctx.emps():
        for s in ctx.problem.shifts:
            limit = emp.max_shifts.get(s.id)
            xs = [ctx.x[e, d, s.id] for d in range(ctx.days) if (e, d, s.id) in ctx.x]
            if limit is not None and xs and limit < len(xs):
                ctx.model.add(sum(xs) <= limit)
    return Family(spec.name, spec.kind, spec.why)


def add_rotation(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, _emp in ctx.emps():
        for d in range(ctx.days - 1):
            for s in ctx.problem.shifts:
                if (e, d, s.id) not in ctx.x:
                    continue
                after = [ctx.x[e, d + 1, t] for t in sorted(s.forbidden_next) if (e, d + 1, t) in ctx.x]
                if after:
                    ctx.model.add_at_most_one([ctx.x[e, d, s.id], *after])
    return Family(spec.name, spec.kind, spec.why)


def add_total_minutes(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    minutes = {s.id: s.minutes for s in ctx.problem.shifts}
    for e, emp in ctx.emps():
        total = sum(minutes[s] * v for (e2, _d, s), v in ctx.x.items() if e2 == e)
        ctx.model.add_linear_constraint(
            total, emp.min_minutes, emp.max_minutes if emp.max_minutes is not None else cp_model.INT32_MAX
        )
    return Family(spec.name, spec.kind, spec.why)


def add_weekly_minutes(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    minutes = {s.id: s.minutes for s in ctx.problem.shifts}
    for e, emp in ctx.emps():
        if emp.max_minutes_per_week is None:
            continue
        for week in ctx.problem.weeks():
            total = sum(minutes[s] * ctx.x[e, d, s] for d in week for s in ctx.shifts_of(e, d))
            ctx.model.add(total <= emp.max_minutes_per_week)
    return Family(spec.name, spec.kind, spec.why)


def add_max_consecutive(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, emp in ctx.emps():
        m = emp.max_consecutive
        if m is None or m >= ctx.days:
            continue
        for d in range(ctx.days - m):
            ctx.model.add(sum(ctx.work[e, d + j] for j in range(m + 1)) <= m)
    return Family(spec.name, spec.kind, spec.why)


def _min_runs(ctx: RosterCtx, e: int, k: int, working: bool) -> None:
    """Runs of `working` days that start after day 0 last at least `k` days or reach the last day."""
    n = ctx.days

    def lit(d: int) -> BoolLiteral:
        w = ctx.work[e, d]
        return w if working else w.Not()

    for d in range(1, n):
        for j in range(1, k):
            if d + j >= n:
                break
            # lit(d) and not lit(d-1) -> lit(d+j)
            ctx.model.add_bool_or([lit(d - 1), lit(d).Not(), lit(d + j)])


def add_min_consecutive(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, emp in ctx.emps():
        if emp.min_consecutive > 1:
            _min_runs(ctx, e, emp.min_consecutive, working=True)
    return Family(spec.name, spec.kind, spec.why)


def add_min_days_off(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    for e, emp in ctx.emps():
        if emp.min_days_off > 1:
            _min_runs(ctx, e, emp.min_days_off, working=False)
    return Family(spec.name, spec.kind, spec.why)


def add_max_weekends(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    weekends = ctx.problem.weekends()
    for e, emp in ctx.emps():
        if emp.max_weekends is None or emp.max_weekends >= len(weekends):
            continue
        for w, days in enumerate(weekends):
            lits = [ctx.work[e, d] for d in days]
            if len(lits) == 1:
                ctx.weekend[e, w] = lits[0]
                continue
            wk = ctx.model.new_bool_var(f"weekend[{e},{w}]")
            for lit in lits:
                ctx.model.add_implication(lit, wk)
            ctx.model.add_bool_or([wk.Not(), *lits])
            ctx.weekend[e, w] = wk
        ctx.model.add(sum(ctx.weekend[e, w] for w in range(len(weekends))) <= emp.max_weekends)
    return Family(spec.name, spec.kind, spec.why)


# --- objective terms ----------------------------------------------------------------------------------


def _requests(ctx: RosterCtx, spec: FamilySpec[RosterCtx], on: bool) -> Family:
    index = {emp.id: e for e, emp in ctx.emps()}
    family = Family(spec.name, spec.kind, spec.why)
    for r in ctx.problem.requests:
        if r.on != on or r.weight == 0:
            continue
        e = index[r.employee]
        var = ctx.work[e, r.day] if r.shift is None else ctx.x.get((e, r.day, r.shift))
        expr = (1 - var if var is not None else 1) if on else (var if var is not None else 0)
        if isinstance(expr, int) and expr == 0:
            continue
        word = "on" if on else "off"
        family.penalties.append(
            Penalty(expr, r.weight * spec.weight, f"{word} {r.employee} {r.day} {r.shift or 'any shift'}")
        )
    return family


def add_on_requests(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    return _requests(ctx, spec, on=True)


def add_off_requests(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    return _requests(ctx, spec, on=False)


def _cover_slack(ctx: RosterCtx) -> None:
    if ctx.slack:
        return
    for i, c in enumerate(ctx.problem.cover):
        xs = [ctx.x[e, c.day, c.shift] for e, emp in ctx.emps() if (e, c.day, c.shift) in ctx.x and c.counts(emp.id)]
        under = ctx.model.new_int_var(0, c.requirement, f"under[{i}]")
        over = ctx.model.new_int_var(0, max(0, len(xs) - c.requirement), f"over[{i}]")
        ctx.model.add(sum(xs) + under - over == c.requirement)
        ctx.slack.append((under, over))


def _cover_terms(ctx: RosterCtx, spec: FamilySpec[RosterCtx], under: bool) -> Family:
    """Penalties on the missing (`under`) or the extra employees of every cover entry."""
    _cover_slack(ctx)
    family = Family(spec.name, spec.kind, spec.why)
    word = "under" if under else "over"
    for c, slack in zip(ctx.problem.cover, ctx.slack):
        weight = c.under_weight if under else c.over_weight
        if weight:
            family.penalties.append(
                Penalty(slack[0 if under else 1], weight * spec.weight, f"{word} {c.day} {c.shift}")
            )
    return family


def add_cover_under(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    return _cover_terms(ctx, spec, under=True)


def add_cover_over(ctx: RosterCtx, spec: FamilySpec[RosterCtx]) -> Family:
    return _cover_terms(ctx, spec, under=False)


REGISTRY: tuple[FamilySpec[RosterCtx], ...] = (
    FamilySpec("days_off", "hard", "no work on an employee's fixed days off", add_days_off),
    FamilySpec("shift_limits", "hard", "at most max_shifts[s] shifts of each type per employee", add_shift_limits),
    FamilySpec("rotation", "hard", "a shift's forbidden successors never follow it the next day", add_rotation),
    FamilySpec("total_minutes", "hard", "worked minutes within the contract's min and max", add_total_minutes),
    FamilySpec(
        "weekly_minutes", "hard", "worked minutes per calendar week at most the contract's limit", add_weekly_minutes
    ),
    FamilySpec("max_consecutive", "hard", "no run of worked days longer than the maximum", add_max_consecutive),
    FamilySpec(
        "min_consecutive", "hard", "runs of worked days inside the horizon at least the minimum", add_min_consecutive
    ),
    FamilySpec("min_days_off", "hard", "runs of days off inside the horizon at least the minimum", add_min_days_off),
    FamilySpec("max_weekends", "hard", "at most max_weekends weekends with any work", add_max_weekends),
    FamilySpec(
        "on_requests",
        "objective",
        "a wish to work a shift that is not granted costs its weight",
        add_on_requests,
        weight=1,
    ),
    FamilySpec(
        "off_requests",
        "objective",
        "a wish not to work a shift that is not granted costs its weight",
        add_off_requests,
        weight=1,
    ),
    FamilySpec(
        "cover_under", "objective", "each missing employee on a shift costs the under weight", add_cover_under, weight=1
    ),
    FamilySpec(
        "cover_over", "objective", "each extra employee on a shift costs the over weight", add_cover_over, weight=1
    ),
)
"""Every family of the roster model in build order; objective weights multiply the problem's own."""


@dataclass
class RosterModel:
    """A built model: the context with its variables and what each family added."""

    ctx: RosterCtx
    families: list[Family]

    @property
    def model(self) -> cp_model.CpModel:
        return self.ctx.model

    def penalties(self) -> list[Penalty]:
        return [p for f in self.families for p in f.penalties]

    def objective_expr(self) -> cp_model.LinearExprT:
        return sum(p.weight * p.expr for p in self.penalties())


def build_model(problem: RosterProblem, disabled: Sequence[str] = ()) -> RosterModel:
    """Create the variables and run every enabled family's builder; set the objective."""
    model = cp_model.CpModel()
    ctx = RosterCtx(problem, model)
    for e, emp in ctx.emps():
        for d in range(problem.days):
            lits = []
            for s in problem.shifts:
                if emp.may_work(s.id) or "shift_limits" in disabled:
                    ctx.x[e, d, s.id] = model.new_bool_var(f"x[{emp.id},{d},{s.id}]")
                    lits.append(ctx.x[e, d, s.id])
            w = model.new_bool_var(f"work[{emp.id},{d}]")
            model.add(sum(lits) == w)
            ctx.work[e, d] = w
    families = [spec.build(ctx, spec) for spec in select(REGISTRY, disabled)]
    built = RosterModel(ctx, families)
    model.minimize(built.objective_expr())
    return built


def hint_roster(built: RosterModel, roster: Roster) -> None:
    """Hint every variable of the model with its value in `roster` (a complete, consistent hint)."""
    ctx, model = built.ctx, built.model
    model.clear_hints()
    ids = [emp.id for emp in ctx.problem.employees]
    for (e, d, s), v in ctx.x.items():
        model.add_hint(v, roster.get((ids[e], d)) == s)
    for (e, d), v in ctx.work.items():
        model.add_hint(v, (ids[e], d) in roster)
    weekends = ctx.problem.weekends()
    for (e, w), v in ctx.weekend.items():
        if v.index not in {ctx.work[e, d].index for d in weekends[w]}:
            model.add_hint(v, any((ids[e], d) in roster for d in weekends[w]))
    for c, (under, over) in zip(ctx.problem.cover, ctx.slack):
        have = c.staffed(roster)
        model.add_hint(under, max(0, c.requirement - have))
        model.add_hint(over, max(0, have - c.requirement))


def solved_roster(built: RosterModel, solver: cp_model.CpSolver) -> Roster:
    """The roster of the solver's last solution of `built`."""
    ids = [emp.id for emp in built.ctx.problem.employees]
    return {(ids[e], d): s for (e, d, s), v in built.ctx.x.items() if solver.value(v)}
