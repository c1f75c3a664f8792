"""Best-response descent: re-plan one employee at a time, exactly, against everybody else's schedules.

With the other employees' schedules fixed, adding one person to a cover row changes its cost by a known
amount: ``-under_weight`` while the row is short of its requirement, ``+over_weight`` once it is met. So
the best schedule of one employee against the rest is a pricing problem (`colgen.Pricer`) with these
marginal costs in place of the cover duals, and replacing their schedule by it never makes the roster
worse. Sweeping over the employees until a sweep improves nothing is a cheap, strong local search (each
step optimises over *all* schedules of one person): it turns the first columns of a large instance into a
sensible roster long before the column generation converges, and it polishes the rosters of the dives.
"""

from __future__ import annotations

import time

from .colgen import Assignment, ColumnGeneration

PLATEAU_SWEEPS = 3
"""Sweeps with plateau moves (see `Descent.improve`) after a local optimum before the descent gives up."""


class Descent:
    """A roster held as one schedule per employee, with the staffing of every cover row."""

    def __init__(self, cg: ColumnGeneration, schedules: dict[int, Assignment]):
        self.cg = cg
        self.schedules = dict(schedules)
        self.staffed = [0] * len(cg.cover)
        for e, a in self.schedules.items():
            self._count(e, a, 1)

    def _count(self, e: int, a: Assignment, step: int) -> None:
        rows = self.cg.rows_of[e]
        for k in a:
            for i in rows.get(k, ()):
                self.staffed[i] += step

    def value(self) -> int:
        """The roster's objective: request costs plus cover slack costs."""
        cg = self.cg
        total = sum(cg.cost(e, a) for e, a in self.schedules.items())
        for (under, over), c, have in zip(cg.weights, cg.cover, self.staffed):
            total += under * max(0, c.requirement - have) + over * max(0, have - c.requirement)
        return total

    def _marginal(self, e: int) -> dict[tuple[int, str], float]:
        """Employee e's cost per worked (day, shift) against the others' staffing (e's own removed)."""
        cg = self.cg
        cost = {k: float(v) for k, v in cg.base[e].items()}
        for k, rows in cg.rows_of[e].items():
            delta = 0.0
            for i in rows:
                under, over = cg.weights[i]
                delta += -under if self.staffed[i] < cg.cover[i].requirement else over
            if delta:
                cost[k] = cost.get(k, 0.0) + delta
        return cost

    def improve(self, e: int, sideways: bool = False) -> bool:
        """Replace employee e's schedule by their best response; True if the roster got cheaper.

        With `sideways`, a different schedule of the same cost is taken too (a plateau move: it changes
        which rows are staffed, which may let another employee improve).
        """
        current = self.schedules[e]
        self._count(e, current, -1)
        cost = self._marginal(e)
        found, _low = self.cg.pricers[e].solve(cost)
        best, best_cost = current, sum(cost.get(k, 0.0) for k in current)
        for a in found:
            value = sum(cost.get(k, 0.0) for k in a)
            if value < best_cost - 1e-6:
                best, best_cost = a, value
        improved = best is not current
        if not improved and sideways:
            best = next(
                (a for a in reversed(found) if a != current and sum(cost.get(k, 0.0) for k in a) <= best_cost + 1e-6),
                current,
            )
        self._count(e, best, 1)
        if best is not current:
            self.schedules[e] = best
            self.cg.add_column(e, best)
        return improved

    def run(self, deadline: float, plateau_sweeps: float = PLATEAU_SWEEPS) -> int:
        """Re-plan the employees in turn until a whole sweep improves nothing (a local optimum) or the
        deadline. From a local optimum, a sweep with plateau moves and a plain sweep again, until
        `plateau_sweeps` of them in a row improve nothing. Returns the steps."""
        order = sorted(self.schedules)
        stale = steps = flat = 0  # plain steps since the last improvement; plateau sweeps since then
        plateau = 0  # steps left in the current sweep with plateau moves
        while time.monotonic() < deadline:
            if stale >= len(order):  # a local optimum
                if flat >= plateau_sweeps:
                    break
                flat, stale, plateau = flat + 1, 0, len(order)
            e = order[steps % len(order)]
            steps += 1
            if self.improve(e, sideways=plateau > 0):
                stale = flat = plateau = 0
            elif plateau > 0:
                plateau -= 1
            else:
                stale += 1
        return steps

    def choice(self) -> dict[int, int]:
        """Per employee the index of their schedule in the column pool (added to it if missing)."""
        for e, a in self.schedules.items():
            self.cg.add_column(e, a)
        index = {(e, a): j for j, (e, a) in enumerate(self.cg.columns)}
        return {e: index[e, a] for e, a in self.schedules.items()}
