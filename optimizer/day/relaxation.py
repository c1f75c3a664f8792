"""The LP relaxation of a CP-SAT model, solved with GLOP: a proven bound and a guide for rounding.

CP-SAT's own LP worker adds the day model's many small at-most-one rows lazily and, on large staff-bound
days, stops tightening far above the relaxation's real optimum (80 staff, Thursday: 3043.5 against
2941.7). Solving the full relaxation once, outside CP-SAT, gives a bound that is valid for every plan
(each row is a row of the model, only integrality is dropped) and the fractional solution that the
constructive plan rounds (`rounding`).

Only rows without enforcement literals are taken; skipping a row only loosens the relaxation, so the bound
stays valid for any model.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

INFINITY = float("inf")
BOOL_ROWS = {"at_most_one": (-INFINITY, 1), "exactly_one": (1, 1), "bool_or": (1, INFINITY)}
FIRST_SOLVE = "use_dual_simplex: true, perturb_costs_in_dual_simplex: true"
"""The perturbed dual simplex solves the first relaxation fastest (200 staff: 9 s against 15.6 s);
re-solves after fixing variables are fastest with the primal simplex from the previous basis."""
RESOLVE = "use_dual_simplex: false"


class LpRelaxation:
    """A CP-SAT model's LP relaxation (minimising its objective) that can be solved, tightened by fixing
    variables to 1, and solved again from the previous basis."""

    def __init__(self, model: cp_model.CpModel):
        proto = model.proto
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.vars = [self.solver.NumVar(v.domain[0], v.domain[len(v.domain) - 1], "") for v in proto.variables]
        for c in proto.constraints:
            if len(c.enforcement_literal):
                continue
            if c.has_linear():
                lin = c.linear
                low, high = lin.domain[0], lin.domain[len(lin.domain) - 1]
                self._add_row(
                    zip(lin.vars, lin.coeffs),
                    low if low > cp_model.INT_MIN else -INFINITY,
                    high if high < cp_model.INT_MAX else INFINITY,
                )
                continue
            for kind, (low, high) in BOOL_ROWS.items():
                if getattr(c, f"has_{kind}")():
                    literals = list(getattr(c, kind).literals)
                    negated = sum(1 for lit in literals if lit < 0)  # a literal ¬x counts as 1 − x
                    self._add_row(
                        ((lit, 1) if lit >= 0 else (-lit - 1, -1) for lit in literals), low - negated, high - negated
                    )
        objective = self.solver.Objective()
        for var, coeff in zip(proto.objective.vars, proto.objective.coeffs):
            objective.SetCoefficient(self.vars[var], coeff)
        objective.SetMinimization()
        self.offset = proto.objective.offset
        self.scale = proto.objective.scaling_factor or 1.0
        self.solves = 0
        self.objective = INFINITY
        """Optimal value of the last solve, in the model's objective units."""
        self.values: list[float] = []
        """Each model variable's value (by proto index) in the last optimal solution."""

    def _add_row(self, terms: Iterable[tuple[int, int]], low: float, high: float) -> None:
        row = self.solver.RowConstraint(low, high, "")
        for var, coeff in terms:
            row.SetCoefficient(self.vars[var], coeff)

    def solve(self, seconds: float | None) -> bool:
        """Solve within `seconds` (None: no limit); True when optimal (then `objective`, `values` are set)."""
        self.solver.SetSolverSpecificParametersAsString(FIRST_SOLVE if self.solves == 0 else RESOLVE)
        if seconds is not None:
            self.solver.SetTimeLimit(max(1, int(seconds * 1000)))
        self.solves += 1
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return False
        self.objective = (self.solver.Objective().Value() + self.offset) * self.scale
        self.values = [x.solution_value() for x in self.vars]
        return True

    def fix_to_one(self, proto_indices: Iterable[int]) -> None:
        for i in proto_indices:
            self.vars[i].SetLb(1)
