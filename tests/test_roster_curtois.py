"""The roster engine on the Curtois & Qu benchmark format, and each constraint family on a tiny problem."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.roster import master_lp
from optimizer.roster.colgen import ColumnGeneration, InfeasibleEmployee, Pricer
from optimizer.roster.compact_model import REGISTRY, build_model
from optimizer.roster.curtois import parse_curtois, read_curtois, roster_csv, write_roster_csv
from optimizer.roster.descent import Descent
from optimizer.roster.dp import DPPricer
from optimizer.roster.engine import SolveOptions, solve
from optimizer.roster.problem import Cover, Employee, Request, RosterProblem, ShiftType, objective, violations

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CURTOIS = SHARED / "benchmarks" / "curtois"
EVAL = SHARED / "tools" / "curtois_eval.py"

needs_benchmark = pytest.mark.skipif(
    not CURTOIS.is_dir(),
    reason=f"reads the Curtois & Qu instances in ../shared/benchmarks, not beside this checkout ({CURTOIS})",
)


def section_rows(path: Path, section: str) -> int:
    rows, inside = 0, False
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("SECTION_"):
            inside = line == section
        elif inside and line and not line.startswith("#"):
            rows += 1
    return rows


# --- reader --------------------------------------------------------------------------------------------


@needs_benchmark
@pytest.mark.parametrize("number, days, staff, shifts", [(1, 14, 8, 1), (7, 28, 20, 3), (12, 28, 60, 10)])
def test_reader_counts_match_the_file(number: int, days: int, staff: int, shifts: int) -> None:
    path = CURTOIS / f"Instance{number}.txt"
    p = read_curtois(path)
    assert (p.days, len(p.employees), len(p.shifts)) == (days, staff, shifts)
    assert len(p.cover) == section_rows(path, "SECTION_COVER")
    assert sum(r.on for r in p.requests) == section_rows(path, "SECTION_SHIFT_ON_REQUESTS")
    assert sum(not r.on for r in p.requests) == section_rows(path, "SECTION_SHIFT_OFF_REQUESTS")
    assert p.first_weekday == 0 and p.validate() == []


@needs_benchmark
def test_reader_reads_contract_fields() -> None:
    p = read_curtois(CURTOIS / "Instance7.txt")
    k = next(e for e in p.employees if e.id == "K")  # K,E=28|D=28|L=9,8640,7560,6,2,3,2 ; days off 9, 25
    assert dict(k.max_shifts) == {"E": 28, "D": 28, "L": 9}
    assert (k.max_minutes, k.min_minutes, k.max_consecutive, k.min_consecutive, k.min_days_off, k.max_weekends) == (
        8640,
        7560,
        6,
        2,
        3,
        2,
    )
    assert k.days_off == {9, 25}
    assert p.shift("L").forbidden_next == {"E", "D"}


GOOD = """SECTION_HORIZON
7
SECTION_SHIFTS
D,480,
SECTION_STAFF
A,D=7,3360,0,5,1,1,2
"""


@pytest.mark.parametrize(
    "text, message",
    [
        (GOOD.replace("D,480,", "D,abc,"), "bad.txt:4: shift length 'abc' is not a whole number"),
        (GOOD + "SECTION_COVER\n9,D,1,100,1\n", "bad.txt:8: day 9 is outside the horizon 0..6"),
        (GOOD + "SECTION_COVER\n1,X,1,100,1\n", "bad.txt:8: unknown shift 'X'"),
        (GOOD + "SECTION_SHIFT_ON_REQUESTS\nZ,1,D,1\n", "bad.txt:8: unknown employee 'Z'"),
        (GOOD.replace("A,D=7,3360,0,5,1,1,2", "A,D=7,3360"), "bad.txt:6: a staff row needs 8 fields, got 3"),
        (GOOD + "SECTION_NONSENSE\n1\n", "bad.txt:7: unknown section 'SECTION_NONSENSE'"),
        ("SECTION_HORIZON\n7\n", "bad.txt: section SECTION_SHIFTS is missing or empty"),
    ],
)
def test_reader_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_curtois(text, "bad.txt")
    assert message in err.value.problems


def test_roster_csv_has_header_and_sorted_lines(tmp_path: Path) -> None:
    p = parse_curtois(GOOD)
    path = write_roster_csv(tmp_path / "r.csv", p, {("A", 3): "D", ("A", 1): "D"})
    assert path.read_text() == "employee,day,shift\nA,1,D\nA,3,D\n"
    assert roster_csv(p, {}) == "employee,day,shift\n"


# --- each family binds on a tiny problem -------------------------------------------------------------

D, E, L = ShiftType("D", 480), ShiftType("E", 480), ShiftType("L", 480, frozenset({"E"}))


def tiny(
    days: int,
    employees: list[Employee],
    cover: list[tuple[int, str, int, int, int]] = (),
    requests: list[Request] = (),
    shifts: tuple[ShiftType, ...] = (D,),
) -> RosterProblem:
    return RosterProblem(
        days=days,
        shifts=shifts,
        employees=tuple(employees),
        requests=tuple(requests),
        cover=tuple(Cover(*c) for c in cover),
        name="tiny",
    )


def every_day(days: int, shift: str = "D", req: int = 1, under: int = 10, over: int = 1) -> list[tuple]:
    return [(d, shift, req, under, over) for d in range(days)]


def runs_of(roster, emp: str, days: int, working: bool = True) -> list[tuple[int, int]]:
    flags = [((emp, d) in roster) == working for d in range(days)] + [False]
    out, start = [], None
    for d, f in enumerate(flags):
        if f and start is None:
            start = d
        elif not f and start is not None:
            out.append((start, d - start))
            start = None
    return out


CASES = {
    "days_off": (tiny(3, [Employee("A", days_off=frozenset({1}))], every_day(3)), lambda r: ("A", 1) not in r),
    "shift_limits": (tiny(3, [Employee("A", max_shifts={"D": 1})], every_day(3)), lambda r: len(r) <= 1),
    "rotation": (
        tiny(2, [Employee("A")], [(0, "L", 1, 10, 1), (1, "E", 1, 10, 1)], shifts=(E, L)),
        lambda r: not (r.get(("A", 0)) == "L" and r.get(("A", 1)) == "E"),
    ),
    "total_minutes": (
        tiny(
            4,
            [Employee("A", max_minutes=960), Employee("B", min_minutes=3 * 480)],
            every_day(4, req=0) + [(d, "E", 1, 10, 1) for d in range(4)],
            shifts=(D, E),
            requests=[Request(x, d, "E", 1, on=x == "A") for x in "AB" for d in range(4)],
        ),
        lambda r: sum(1 for k in r if k[0] == "A") <= 2 and sum(1 for k in r if k[0] == "B") >= 3,
    ),
    "weekly_minutes": (tiny(7, [Employee("A", max_minutes_per_week=2 * 480)], every_day(7)), lambda r: len(r) <= 2),
    "max_consecutive": (
        tiny(5, [Employee("A", max_consecutive=2)], every_day(5)),
        lambda r: all(n <= 2 for _s, n in runs_of(r, "A", 5)),
    ),
    "min_consecutive": (
        tiny(5, [Employee("A", min_consecutive=3)], [(2, "D", 1, 10, 1)]),
        lambda r: all(n >= 3 or s == 0 or s + n == 5 for s, n in runs_of(r, "A", 5)),
    ),
    "min_days_off": (
        tiny(5, [Employee("A", min_days_off=2)], [*every_day(5)[:2], (2, "D", 0, 10, 1), *every_day(5)[3:]]),
        lambda r: all(n >= 2 or s == 0 or s + n == 5 for s, n in runs_of(r, "A", 5, working=False)),
    ),
    "max_weekends": (
        tiny(14, [Employee("A", max_weekends=1)], [(d, "D", 1, 10, 1) for d in (5, 6, 12, 13)]),
        lambda r: sum(1 for days in ((5, 6), (12, 13)) if any(("A", d) in r for d in days)) <= 1,
    ),
    "on_requests": (
        tiny(3, [Employee("A")], every_day(3, req=0), requests=[Request("A", 1, "D", 5, on=True)]),
        lambda r: r.get(("A", 1)) == "D",
    ),
    "off_requests": (
        tiny(3, [Employee("A")], every_day(3, under=1), requests=[Request("A", 1, "D", 5, on=False)]),
        lambda r: ("A", 1) not in r,
    ),
    "cover_under": (
        tiny(
            3,
            [Employee("A"), Employee("B")],
            every_day(3, req=2),
            requests=[Request("B", d, "D", 1, on=False) for d in range(3)],
        ),
        lambda r: len(r) == 6,
    ),
    "cover_over": (
        tiny(
            3,
            [Employee("A"), Employee("B")],
            every_day(3, req=1, over=3),
            requests=[Request(x, d, "D", 1, on=True) for x in "AB" for d in range(3)],
        ),
        lambda r: len(r) == 3,
    ),
}


def test_every_family_has_a_binding_case() -> None:
    assert set(CASES) == {spec.name for spec in REGISTRY}


@pytest.mark.parametrize("family", sorted(CASES))
def test_family_binds(family: str) -> None:
    problem, obeys = CASES[family]
    result = solve(problem, SolveOptions(time_limit_s=10, workers=1))
    assert result.status == "optimal"
    assert violations(problem, result.roster) == []
    assert obeys(result.roster), result.roster
    assert result.objective == objective(problem, result.roster)
    # without the family the optimum breaks it: the case really binds
    loose = solve(problem, SolveOptions(time_limit_s=10, workers=1, disabled=(family,)))
    assert loose.objective is not None and not obeys(loose.roster), loose.roster


def test_compact_model_alone_agrees_with_column_generation() -> None:
    for family, (problem, _obeys) in sorted(CASES.items()):
        plain = solve(problem, SolveOptions(time_limit_s=10, workers=1, column_generation=False))
        full = solve(problem, SolveOptions(time_limit_s=10, workers=1))
        assert plain.status == full.status == "optimal", family
        assert plain.objective == full.objective, family


def test_infeasible_contract_is_reported() -> None:
    problem = tiny(3, [Employee("A", min_minutes=3 * 480, days_off=frozenset({1}))], every_day(3))
    result = solve(problem, SolveOptions(time_limit_s=5, workers=1))
    assert result.status == "infeasible" and "A" in result.reason


# --- the column generation bound is a bound ----------------------------------------------------------


@st.composite
def small_problems(draw) -> RosterProblem:
    days = draw(st.integers(5, 9))
    emps = []
    for i in range(draw(st.integers(1, 3))):
        emps.append(
            Employee(
                f"P{i}",
                max_shifts={"E": draw(st.integers(0, days)), "L": draw(st.integers(0, days))},
                min_minutes=480 * draw(st.integers(0, 2)),
                max_minutes=480 * draw(st.integers(3, days)),
                min_consecutive=draw(st.integers(1, 3)),
                max_consecutive=draw(st.integers(3, 5)),
                min_days_off=draw(st.integers(1, 2)),
                max_weekends=draw(st.integers(0, 1)),
                days_off=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=2))),
            )
        )
    cover = [
        (d, s, draw(st.integers(0, 2)), draw(st.integers(1, 9)), draw(st.integers(0, 3)))
        for d in range(days)
        for s in "EL"
    ]
    requests = [
        Request(
            e.id,
            draw(st.integers(0, days - 1)),
            draw(st.sampled_from("EL")),
            draw(st.integers(1, 3)),
            draw(st.booleans()),
        )
        for e in emps
        for _ in range(2)
    ]
    return tiny(days, emps, cover, requests, shifts=(E, L))


@settings(max_examples=25, deadline=None)
@given(small_problems())
def test_lagrangian_bound_never_exceeds_the_optimum(problem: RosterProblem) -> None:
    import time

    from ortools.sat.python import cp_model

    built = build_model(problem)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(built.model)
    cg = ColumnGeneration(problem)
    try:
        cg.generate(time.monotonic() + 20)
    except InfeasibleEmployee as err:  # an employee without any schedule: the compact model agrees
        assert status == cp_model.INFEASIBLE, err
        return
    assert status == cp_model.OPTIMAL
    assert cg.lower_bound() <= round(solver.objective_value)
    assert cg.stats.lp_value <= solver.objective_value + 1e-6


@settings(max_examples=25, deadline=None)
@given(small_problems())
def test_relaxed_pricing_converges_to_the_exact_master_lp(problem: RosterProblem) -> None:
    """With every employee priced by the Lagrangian-relaxed DP, the generation still converges to the bound
    exact pricing proves: where the relaxed DP cannot prove its answer, CP-SAT prices exactly. The master
    LP's value itself may differ: the objective is integral, so the generation stops as soon as the
    rounded-up bound meets it (one example: exact pricing stopped at LP 2.0, relaxed at 1.5, both with
    bound 2)."""
    import time

    def converged_bound(relaxed: bool) -> int | None:
        cg = ColumnGeneration(problem)
        if relaxed:
            for pricer, emp in zip(cg.pricers, problem.employees, strict=True):
                pricer.dp = DPPricer(problem, emp, relaxed=True)
        try:
            cg.generate(time.monotonic() + 60)
        except InfeasibleEmployee:
            return None
        assert cg.stats.converged
        bound = cg.lower_bound()
        assert bound == math.ceil(cg.stats.lp_value - 1e-6)
        return bound

    exact = converged_bound(relaxed=False)
    if exact is not None:
        assert converged_bound(relaxed=True) == exact


@st.composite
def one_employee_and_costs(draw) -> tuple[RosterProblem, dict]:
    days = draw(st.integers(3, 12))
    shifts = (
        ShiftType("E", 480),
        ShiftType("L", 480, frozenset({"E"})),
        ShiftType("N", draw(st.sampled_from([480, 600])), frozenset({"E", "L"})),
    )
    limits = {s.id: draw(st.integers(0, days)) for s in shifts if draw(st.booleans())}
    emp = Employee(
        "A",
        max_shifts=limits,
        min_minutes=480 * draw(st.integers(0, 4)),
        max_minutes=draw(st.one_of(st.none(), st.integers(0, days).map(lambda n: 480 * n + 120))),
        min_consecutive=draw(st.integers(1, 4)),
        max_consecutive=draw(st.one_of(st.none(), st.integers(1, 6))),
        min_days_off=draw(st.integers(1, 3)),
        max_weekends=draw(st.one_of(st.none(), st.integers(0, 2))),
        days_off=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=3))),
    )
    problem = RosterProblem(days=days, shifts=shifts, employees=(emp,), first_weekday=draw(st.integers(0, 6)))
    costs = {(d, s.id): draw(st.integers(-20, 10)) / 4 for d in range(days) for s in shifts}
    return problem, costs


@settings(max_examples=60, deadline=None)
@given(one_employee_and_costs())
def test_dp_pricing_matches_cp_sat(case: tuple[RosterProblem, dict]) -> None:
    problem, costs = case
    dp, cp = DPPricer(problem, problem.employees[0]), Pricer(problem, 0, (), 0)
    cp.dp = None  # price with the CP-SAT model of the same rules
    found, value = dp.solve(costs)
    try:
        cp_found, _bound = cp.solve(costs)
    except InfeasibleEmployee:
        assert found == [] and value == float("inf")
        return
    best = cp_found[-1]
    assert found, "the DP missed a feasible schedule"
    assert abs(value - sum(costs[k] for k in best)) < 1e-6
    single = {(problem.employees[0].id, d): s for d, s in found[-1]}
    assert violations(problem, single) == []
    assert abs(sum(costs[k] for k in found[-1]) - value) < 1e-9
    for other in found:  # every extra column obeys the rules too
        assert violations(problem, {(problem.employees[0].id, d): s for d, s in other}) == []


def _slow_cp(pricer: Pricer) -> Pricer:
    """The pricer with a relaxed DP and CP-SAT measured too slow to stand in for it."""
    pricer.dp = DPPricer(pricer.problem, pricer.emp, relaxed=True)
    pricer.cp_calls, pricer.cp_seconds = 1, 60.0
    return pricer


def test_slow_cp_pricing_gives_way_to_a_wider_exact_dp() -> None:
    """Where CP-SAT is too slow to stand in for the relaxed DP, a DP with a larger tensor prices exactly:
    here the relaxed DP proves only -24.70 and its schedules cost more; the exact minimum is -23.75."""
    emp = Employee(
        "A",
        max_shifts={"E": 3},
        min_minutes=1920,
        max_minutes=5400,
        min_consecutive=3,
        min_days_off=3,
        max_weekends=0,
        days_off=frozenset({3}),
    )
    shifts = (ShiftType("E", 480), ShiftType("L", 480, frozenset({"E"})), ShiftType("N", 480, frozenset({"E", "L"})))
    problem = RosterProblem(days=12, shifts=shifts, employees=(emp,), first_weekday=2)
    quarters = [
        (-18, 6, -12), (-18, 4, -6), (-18, 0, -2), (0, -10, 10), (-13, -8, 10), (-11, -19, -10),
        (-15, -10, 5), (7, -2, 8), (9, -11, -13), (-10, -17, -3), (-1, -2, 5), (-1, -18, -13),
    ]  # fmt: skip
    costs = {(d, s.id): q / 4 for d, row in enumerate(quarters) for s, q in zip(shifts, row, strict=True)}
    relaxed_found, relaxed_low = DPPricer(problem, emp, relaxed=True).solve(costs)
    assert Pricer._unproven(relaxed_found, relaxed_low, costs)  # the case the widening is for
    pricer = _slow_cp(Pricer(problem, 0, (), 0))
    found, low = pricer.solve(costs)
    assert pricer.exact and pricer.cp_calls == 1  # a wider exact DP, no CP-SAT call
    assert low == pytest.approx(-23.75)
    assert sum(costs[k] for k in found[-1]) == pytest.approx(-23.75)
    assert violations(problem, {("A", d): s for d, s in found[-1]}) == []


@settings(max_examples=40, deadline=None)
@given(one_employee_and_costs())
def test_slow_cp_pricing_stays_a_proven_bound(case: tuple[RosterProblem, dict]) -> None:
    """With CP-SAT too slow to stand in, pricing still returns a lower bound on the exact minimum and
    schedules that obey every rule, and the exact minimum itself wherever the relaxed DP cannot prove its."""
    problem, costs = case
    emp = problem.employees[0]
    _found, exact = DPPricer(problem, emp).solve(costs)
    pricer = _slow_cp(Pricer(problem, 0, (), 0))
    try:
        found, low = pricer.solve(costs)
    except InfeasibleEmployee:
        assert exact == float("inf")
        return
    assert low <= exact + 1e-6
    for a in found:
        assert violations(problem, {(emp.id, d): s for d, s in a}) == []
    if pricer.dp is not None and not pricer.dp.relaxed:  # widened: exact
        assert low == pytest.approx(exact)
        assert sum(costs[k] for k in found[-1]) == pytest.approx(exact)


# --- Instance 1 and 2 through the independent evaluator ---------------------------------------------


def evaluate(instance: Path, roster_path: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, str(EVAL), str(instance), str(roster_path)], capture_output=True, text=True, check=False
    ).stdout
    values = dict(line.rsplit(" ", 1) for line in out.splitlines() if line.startswith(("hard", "objective")))
    return int(values["hard violations"]), int(values["objective"])


@needs_benchmark
@pytest.mark.parametrize("number, best_known", [(1, 607), (2, 828)])
def test_instance_solved_and_checked_by_the_evaluator(number: int, best_known: int, tmp_path: Path) -> None:
    instance = CURTOIS / f"Instance{number}.txt"
    problem = read_curtois(instance)
    result = solve(problem, SolveOptions(time_limit_s=20, workers=2, seed=1))
    path = write_roster_csv(tmp_path / "roster.csv", problem, result.roster)
    hard, value = evaluate(instance, path)
    assert hard == 0
    assert value == result.objective
    assert result.bound is not None and result.bound <= best_known <= result.objective
    assert result.objective <= best_known * 1.02


@needs_benchmark
def test_deterministic_for_a_seed() -> None:
    problem = read_curtois(CURTOIS / "Instance2.txt")
    options = SolveOptions(time_limit_s=20, workers=2, seed=3, deterministic=True)
    first, second = solve(problem, options), solve(problem, options)
    assert first.roster == second.roster and first.objective == second.objective


# --- command line --------------------------------------------------------------------------------------


def test_cli_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(GOOD.replace("D,480,", "D,abc,"))
    result = CliRunner().invoke(app, ["roster", "--curtois", str(bad), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert "bad.txt:4" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["roster", "--curtois", str(tmp_path / "nope.txt"), "--out", "r.csv"])
    assert missing.exit_code == 2


@needs_benchmark
def test_cli_writes_a_roster_the_evaluator_accepts(tmp_path: Path) -> None:
    out = tmp_path / "roster.csv"
    result = CliRunner().invoke(
        app,
        [
            "roster",
            "--curtois",
            str(CURTOIS / "Instance1.txt"),
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--workers",
            "1",
            "--seed",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "objective 607" in result.output
    assert evaluate(CURTOIS / "Instance1.txt", out) == (0, 607)


# --- a failed master LP solve never loses the roster ---------------------------------------------------


def two_week_problem() -> RosterProblem:
    """Four people, two shift types, two weeks: small, but the root needs several LP solves and dives."""
    emps = [
        Employee(x, max_minutes=8 * 480, min_minutes=6 * 480, max_consecutive=4, min_days_off=2, max_weekends=1)
        for x in "ABCD"
    ]
    cover = [(d, s, 1 + (d % 3 == 0), 100, 1) for d in range(14) for s in "EL"]
    requests = [Request(x, (3 * i + 2) % 14, "EL"[i % 2], 2 + i % 3, on=i % 2 == 0) for i, x in enumerate("ABCDABCD")]
    return tiny(14, emps, cover, requests, shifts=(E, L))


def glop_for(solves: int, failed: list[str]) -> master_lp.Rung:
    """A master-LP solver that returns ABNORMAL from its `solves + 1`-th solve on (mid column generation)."""
    glop = master_lp.LADDER[0]
    done: list[int] = []

    def solve(lp):
        if len(done) >= solves:
            failed.append("abnormal")
            return None
        done.append(1)
        return glop.solve(lp)

    return master_lp.Rung(f"GLOP, abnormal after {solves} solves", solve)


def test_master_lp_ladder_recovers_from_a_failed_rung() -> None:
    import time

    problem = two_week_problem()
    plain = ColumnGeneration(problem)
    plain.generate(time.monotonic() + 30)
    flaky = ColumnGeneration(problem)
    always_abnormal = master_lp.Rung("abnormal", lambda lp: None)
    ladder = master_lp.LADDER
    try:
        master_lp.LADDER = (always_abnormal, *ladder[1:])  # the warm start fails on every solve
        flaky.generate(time.monotonic() + 30)
    finally:
        master_lp.LADDER = ladder
    assert flaky.stats.lp_failures.count("abnormal") == flaky.stats.lp_solves > 0
    assert abs(flaky.stats.lp_value - plain.stats.lp_value) < 1e-6
    assert flaky.lower_bound() == plain.lower_bound()


def test_every_rung_failing_raises_after_dropping_columns() -> None:
    problem = two_week_problem()
    cg = ColumnGeneration(problem)
    cg.initial_columns()
    ladder = master_lp.LADDER
    try:
        master_lp.LADDER = (master_lp.Rung("abnormal", lambda lp: None),)
        with pytest.raises(master_lp.LPFailed):
            cg.solve_lp()
    finally:
        master_lp.LADDER = ladder
    assert cg.stats.lp_rebuilds == 1 and cg.stats.lp_failures == ["abnormal", "abnormal"]
    assert len(cg.columns) == cg.n_emp  # one column per employee survives the rebuild
    cg.solve_lp()  # and the rebuilt master solves normally again


def test_failed_master_solve_keeps_the_best_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = two_week_problem()
    failed: list[str] = []
    monkeypatch.setattr(master_lp, "LADDER", (glop_for(3, failed),))
    result = solve(problem, SolveOptions(time_limit_s=10, workers=1))
    names = [p.name for p in result.phases]
    assert failed and names[:2] == ["start", "failed"], result.phases
    start = result.phases[0]
    assert start.objective is not None and result.phases[1].objective == start.objective
    assert "best roster so far kept" in result.phases[1].note
    assert result.objective is not None and result.objective <= start.objective
    assert violations(problem, result.roster) == []
    assert result.objective == objective(problem, result.roster)


@settings(max_examples=60, deadline=None)
@given(one_employee_and_costs())
def test_relaxed_dp_returns_valid_schedules_and_a_lower_bound(case: tuple[RosterProblem, dict]) -> None:
    problem, costs = case
    emp = problem.employees[0]
    _exact_found, exact = DPPricer(problem, emp).solve(costs)
    relaxed = DPPricer(problem, emp, relaxed=True)
    found, bound = relaxed.solve(costs)
    assert not relaxed.exact_pricing
    if exact == float("inf"):
        assert found == []
        return
    assert bound <= exact + 1e-6  # the Lagrangian value never exceeds the true minimum
    for a in found:  # every schedule the relaxation returns obeys every rule, weekends and counts included
        assert violations(problem, {(emp.id, d): s for d, s in a}) == []
        assert sum(costs[k] for k in a) >= exact - 1e-6
    if found:
        assert sum(costs[k] for k in found[-1]) == min(sum(costs[k] for k in a) for a in found)


def test_column_purge_keeps_the_lp_value() -> None:
    import time

    cg = ColumnGeneration(two_week_problem())
    cg.generate(time.monotonic() + 30)
    value, mu, pi = cg.solve_lp()
    before = len(cg.columns)
    used = sum(1 for v in cg.lp_values() if v > 1e-9)
    dropped = cg.purge(cg.n_emp, mu, pi)
    assert dropped == before - len(cg.columns) > 0
    assert len(cg.columns) == max(cg.n_emp, used)
    assert abs(cg.solve_lp()[0] - value) < 1e-6


def test_dive_fixes_more_per_step_when_time_is_short() -> None:
    import time

    problem = two_week_problem()
    cg = ColumnGeneration(problem)
    cg.generate(time.monotonic() + 30)
    cg.stats.round_seconds = 1000.0  # as if a pricing round took 1000 s: two steps of one round each
    rounds = cg.stats.iterations
    choice = cg.dive(time.monotonic() + 30, rounds_per_step=5, share=0.0)
    assert cg.stats.iterations - rounds <= 2  # not one step per employee, nor five rounds a step
    assert len(cg.fixed) == cg.n_emp and sorted(choice) == list(range(cg.n_emp))
    assert violations(problem, cg.roster(choice)) == []


def test_noisy_dive_takes_other_paths_and_repeats_for_a_seed() -> None:
    import time

    problem = two_week_problem()

    def path(noise: float, seed: int) -> list[tuple[int, frozenset]]:
        """The columns one dive fixes, in order; its roster must keep every rule."""
        cg = ColumnGeneration(problem)
        cg.generate(time.monotonic() + 30)
        order: list[tuple[int, frozenset]] = []
        fix = cg.fix

        def record(e: int, j: int) -> None:
            order.append(cg.columns[j])
            fix(e, j)

        cg.fix = record  # type: ignore[method-assign]
        choice = cg.dive(time.monotonic() + 30, rounds_per_step=1, share=0.0, noise=noise, seed=seed)
        assert sorted(choice) == list(range(cg.n_emp))
        assert violations(problem, cg.roster(choice)) == []
        return order

    exact = path(0.0, 0)
    assert path(0.0, 5) == exact  # without noise the seed changes nothing
    noisy = [path(1.0, seed) for seed in range(5)]
    assert path(1.0, 3) == noisy[3]  # a seed repeats its dive
    assert any(order != exact for order in noisy)


def test_descent_never_worsens_and_ends_in_a_local_optimum() -> None:
    problem = two_week_problem()
    cg = ColumnGeneration(problem)
    cg.initial_columns()
    descent = Descent(cg, {e: a for e, a in cg.columns})
    start = descent.value()
    assert start == objective(problem, cg.roster(descent.choice()))
    values = [start]
    for _sweep in range(3):
        for e in range(cg.n_emp):
            descent.improve(e)
            values.append(descent.value())
    assert values == sorted(values, reverse=True) and values[-1] < start
    descent.run(float("inf"))
    assert not any(descent.improve(e) for e in range(cg.n_emp))  # no employee can do better alone
    roster = cg.roster(descent.choice())
    assert violations(problem, roster) == []
    assert descent.value() == objective(problem, roster)
