"""Exact pricing by dynamic programming: one employee's cheapest schedule under all of their rules.

The schedule is a word over {off} ∪ shifts, read day by day by an automaton whose state is
(the shift worked today or `off`, the length of the current run, whether the run began on day 0), with
resources carried along: worked minutes (in units of the shift lengths' gcd), weekends worked and, for
shift types whose limit can bind, the number of shifts of that type. The DP keeps one numpy tensor of
minimal costs per day over (automaton state × resources) and recovers schedules by walking back.

Per-type limits start *relaxed* (no resource axis): if the cheapest schedule breaks one, that type gets an
axis and the DP runs again, so the answer stays exact while the tensors stay small. When the tensors would
grow too large, or a rule the DP does not model is present, `DPPricer.usable` is False and the caller
prices with CP-SAT instead.

Long horizons (Curtois 20-24: up to 364 days, 32 shift types) make the weekend and count axes too large.
There the DP runs *Lagrangian-relaxed*: weekends and per-type counts lose their axes and cost a multiplier
each instead (a weekend's first worked day, a shift of a limited type); only the minutes stay exact. The
multipliers rise on the resources the cheapest schedule overuses until it obeys every limit. For any
multipliers >= 0, `value - sum(multiplier * limit)` is a lower bound on the exact minimum, so the column
generation's bound stays valid; the schedules returned always obey every rule. Each call starts from the
multipliers that worked last time (the duals change little between rounds), which saves most updates.
`DPPricer.exact` says which mode is in use.

Rules modelled (the same as `compact_model.REGISTRY`): days off, allowed shift types and max shifts per type,
forbidden successors, min/max total minutes, min/max consecutive worked days, min consecutive days off
(runs touching the horizon's ends exempt from the minimums), max weekends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .problem import Employee, RosterProblem

INF = np.inf
MAX_CELLS = 300_000
"""Largest tensor (cells per day) of the exact DP; beyond it the relaxed DP (weekends and counts priced)."""
WIDE_DP_BYTES = 1_000_000_000
"""Memory the exact DP's tensors (one per day, 8 bytes a cell) may take when an employee's CP-SAT pricing is
too slow to stand in for the relaxed DP (`colgen.Pricer`): Curtois 19, 84 days, 1.5 million cells a day."""
MAX_RELAXED_CELLS = 400_000
"""Largest tensor of the relaxed DP (minutes axis only) before the caller falls back to CP-SAT."""
RELAXED_ROUNDS = 8
"""Multiplier updates of the relaxed DP before it gives up on a schedule that obeys every limit."""
WARM_DECAY = 0.7
"""Share of the last call's multipliers a call of the relaxed DP starts from."""


class DPPricer:
    """Cheapest schedules of one employee for a cost per (day, shift)."""

    def __init__(self, problem: RosterProblem, emp: Employee, relaxed: bool = False, max_cells: int = MAX_CELLS):
        self.n = n = problem.days
        self.max_cells = max_cells
        self.emp = emp
        self.shifts = [s for s in problem.shifts if emp.max_shifts.get(s.id, n) > 0]
        self.sid = [s.id for s in self.shifts]
        self.usable = emp.max_minutes_per_week is None
        lengths = [s.minutes for s in self.shifts]
        self.unit = math.gcd(*lengths) if lengths and any(lengths) else 0
        self.units = [m // self.unit if self.unit else 0 for m in lengths]
        longest = max(self.units, default=0)
        cap = n * longest
        if self.unit and emp.max_minutes is not None:
            cap = min(cap, emp.max_minutes // self.unit)
        self.max_units = max(0, cap)
        self.min_units = math.ceil(emp.min_minutes / self.unit) if self.unit else (0 if emp.min_minutes <= 0 else 1)
        weekends = problem.weekends()
        self.track_weekends = emp.max_weekends is not None and emp.max_weekends < len(weekends)
        self.weekend_axis = (emp.max_weekends + 1) if self.track_weekends and emp.max_weekends is not None else 1
        # weekend increment per day: 'first' day of a weekend counts when worked; a later day only after a day off
        self.weekend_first: list[bool] = [False] * n
        self.weekend_later: list[bool] = [False] * n
        for days in weekends:
            self.weekend_first[days[0]] = True
            for d in days[1:]:
                self.weekend_later[d] = True
        self.kw = emp.max_consecutive if emp.max_consecutive is not None else max(1, emp.min_consecutive)
        self.kw = max(1, min(self.kw, n))
        self.saturate = emp.max_consecutive is None or emp.max_consecutive >= n
        self.ko = max(1, emp.min_days_off)
        self.preds = [[p for p, s in enumerate(self.shifts) if t.id not in s.forbidden_next] for t in self.shifts]
        self.days_off = set(emp.days_off)
        available = n - len(self.days_off)
        self.limits = {
            j: emp.max_shifts[s]
            for j, s in enumerate(self.sid)
            if s in emp.max_shifts
            and emp.max_shifts[s] < min(available, self.max_units // max(1, self.units[j]) if self.unit else n)
        }
        self.exact: list[int] = []  # shift indices with a count axis
        # shift indices with the same allowed predecessors share one minimum over them
        by_preds: dict[tuple[int, ...], list[int]] = {}
        for j, preds in enumerate(self.preds):
            by_preds.setdefault(tuple(preds), []).append(j)
        self.pred_groups = list(by_preds.items())
        self.relaxed = False  # weekends and per-type limits priced by multipliers, not tracked
        self.track_weekends_limit = self.track_weekends
        if relaxed or self._cells() > max_cells:
            self._relax()

    @property
    def exact_pricing(self) -> bool:
        """True when `solve` returns the exact minimum, False when a Lagrangian lower bound of it."""
        return not self.relaxed

    def _relax(self) -> None:
        """Drop the weekend and count axes (priced by multipliers instead), or give up on the DP."""
        self.relaxed = True
        self.warm: tuple[float, dict[int, float]] = (0.0, {})
        self.track_weekends = False
        self.weekend_axis = 1
        self.exact = []
        if self._cells() > MAX_RELAXED_CELLS:
            self.usable = False

    def _cells(self, exact: list[int] | None = None) -> int:
        counts = math.prod(self.limits[j] + 1 for j in (exact if exact is not None else self.exact))
        per_resource = (self.max_units + 1) * self.weekend_axis * counts
        return (2 * len(self.shifts) * self.kw + self.ko) * per_resource

    # --- the DP ---------------------------------------------------------------------------------------

    def solve(
        self, cost: Mapping[tuple[int, str], float], extra: int = 4
    ) -> tuple[list[frozenset[tuple[int, str]]], float]:
        """Schedules (best last, up to `extra` more) and the minimum; ([], inf) when none exists.

        Exact mode: the minimum itself. Relaxed mode: a lower bound on it, and possibly no schedule at all
        (a finite bound with an empty list) when the multipliers found none that obeys every limit.
        """
        if not self.shifts:  # never works: the empty schedule, if the contract allows it
            return ([frozenset()], 0.0) if self.min_units <= 0 else ([], INF)
        if self.relaxed:
            return self._solve_relaxed(cost, extra)
        while True:
            ws, os_ = self._forward(cost)
            finals = self._finals(ws[-1], os_[-1])
            if not finals:
                return [], INF
            best_value = finals[0][0]
            best = self._walk(ws, os_, finals[0][1], cost)
            broken = [
                j
                for j, limit in self.limits.items()
                if j not in self.exact and sum(1 for _d, s in best if s == self.sid[j]) > limit
            ]
            if not broken:
                break
            if self._cells(self.exact + broken) > self.max_cells:
                self._relax()
                if not self.usable:
                    raise TooLarge
                return self._solve_relaxed(cost, extra)
            self.exact = sorted(self.exact + broken)
        found = [best]
        for _value, state in finals[1 : extra + 1]:
            a = self._walk(ws, os_, state, cost)
            if self._obeys_limits(a):
                found.append(a)
        return [*found[1:][::-1], best], best_value

    def _usage(self, a: frozenset[tuple[int, str]]) -> tuple[int, dict[int, int]]:
        """Weekends worked and shifts per limited type of schedule `a`."""
        days = {d for d, _s in a}
        weekends = 0
        for d in days:
            if self.weekend_first[d] or (self.weekend_later[d] and d - 1 not in days):
                weekends += 1
        counts = {j: sum(1 for _d, s in a if s == self.sid[j]) for j in self.limits}
        return weekends, counts

    def _obeys_limits(self, a: frozenset[tuple[int, str]]) -> bool:
        weekends, counts = self._usage(a)
        if self.relaxed and self.track_weekends_limit and weekends > (self.emp.max_weekends or 0):
            return False
        return all(counts[j] <= limit for j, limit in self.limits.items())

    def _solve_relaxed(
        self, cost: Mapping[tuple[int, str], float], extra: int
    ) -> tuple[list[frozenset[tuple[int, str]]], float]:
        """Lagrangian relaxation of the weekend and per-type limits, multipliers raised where overused and
        lowered where under the limit; if no round obeys every limit, `_repaired` restricts the types."""
        max_weekends = self.emp.max_weekends if self.track_weekends_limit else None
        scale = max([abs(v) for v in cost.values()] + [1.0])
        # warm start: the multipliers (relative to the cost scale) that gave the last compliant schedule,
        # lowered a little so that they can also fall
        weekend_price = WARM_DECAY * self.warm[0] * scale
        prices = {j: WARM_DECAY * self.warm[1].get(j, 0.0) * scale for j in self.limits}
        bound = -INF
        cheapest: frozenset[tuple[int, str]] = frozenset()
        for _round in range(RELAXED_ROUNDS):
            priced = self._priced(cost, prices)
            start_price = self._weekend_priced(priced, weekend_price)
            ws, os_ = self._forward(priced, start_price)
            finals = self._finals(ws[-1], os_[-1])
            if not finals:
                return [], INF  # not even the relaxation has a schedule
            value = (
                finals[0][0] - weekend_price * (max_weekends or 0) - sum(p * self.limits[j] for j, p in prices.items())
            )
            bound = max(bound, value)
            cheapest = self._walk(ws, os_, finals[0][1], priced, start_price)
            weekends, counts = self._usage(cheapest)
            over_weekends = max_weekends is not None and weekends > max_weekends
            if not over_weekends and all(counts[j] <= limit for j, limit in self.limits.items()):
                self.warm = (weekend_price / scale, {j: p / scale for j, p in prices.items()})
                # the walks back cost time: the others only now
                others = [self._walk(ws, os_, state, priced, start_price) for _v, state in finals[1 : extra + 1]]
                found = [a for a in dict.fromkeys([cheapest, *others]) if self._obeys_limits(a)]
                found.sort(key=lambda a: -sum(cost.get(k, 0.0) for k in a))  # best last
                return found[-(extra + 1) :], bound
            # up where overused, down where under the limit: a bisection on each multiplier
            if over_weekends:
                weekend_price = max(2 * weekend_price, 0.25 * scale)
            elif max_weekends is not None and weekends < max_weekends:
                weekend_price /= 2
            for j, limit in self.limits.items():
                if counts[j] > limit:
                    prices[j] = max(2 * prices[j], 0.25 * scale / (counts[j] - limit))
                elif counts[j] < limit:
                    prices[j] /= 2
        repaired = self._repaired(cost, cheapest, weekend_price and 1e3 * scale, 1e6 * scale)
        return ([repaired] if repaired is not None else []), bound

    def _priced(self, cost: Mapping[tuple[int, str], float], prices: Mapping[int, float]) -> dict:
        """`cost` plus `prices[j]` on every day for each shift type j."""
        priced = dict(cost)
        for j, price in prices.items():
            if price:
                for d in range(self.n):
                    priced[d, self.sid[j]] = priced.get((d, self.sid[j]), 0.0) + price
        return priced

    def _weekend_priced(self, priced: dict, weekend_price: float) -> list[float]:
        """Adds `weekend_price` to working a weekend's first day (in `priced`); returns the price per day of
        a run that starts on a weekend's later day."""
        start_price = [0.0] * self.n
        if weekend_price:
            for d in range(self.n):
                if self.weekend_first[d]:
                    for sid in self.sid:
                        priced[d, sid] = priced.get((d, sid), 0.0) + weekend_price
                elif self.weekend_later[d]:
                    start_price[d] = weekend_price
        return start_price

    def _repaired(
        self,
        cost: Mapping[tuple[int, str], float],
        schedule: frozenset[tuple[int, str]],
        weekend_price: float,
        forbidden: float,
    ) -> frozenset[tuple[int, str]] | None:
        """A schedule that obeys every limit, near `schedule` (which breaks some): each overused type is
        allowed only on the `limit` days of `schedule` where it beats the day's other choices by most, and
        the cheapest schedule is sought again, until none is overused (or None).

        Multipliers swing whole blocks of days between interchangeable types when costs tie (a shift short
        every day costs the same in each type); restricting the types by day splits them instead.
        """
        allowed: dict[int, set[int]] = {}
        for _try in range(len(self.limits) + 1):
            _weekends, counts = self._usage(schedule)
            over = [j for j, limit in self.limits.items() if counts[j] > limit]
            if not over and self._obeys_limits(schedule):
                return schedule
            for j in over:
                sid = self.sid[j]

                def advantage(d: int, sid: str = sid) -> float:
                    others = min([0.0] + [cost.get((d, t), 0.0) for t in self.sid if t != sid])
                    return cost.get((d, sid), 0.0) - others

                used = sorted((d for d, s in schedule if s == sid), key=lambda d: (advantage(d), d))
                allowed[j] = set(used[: self.limits[j]])
            priced = dict(cost)
            for j, days in allowed.items():
                for d in range(self.n):
                    if d not in days:
                        priced[d, self.sid[j]] = priced.get((d, self.sid[j]), 0.0) + forbidden
            start_price = self._weekend_priced(priced, weekend_price)
            ws, os_ = self._forward(priced, start_price)
            finals = self._finals(ws[-1], os_[-1])
            if not finals:
                return None
            schedule = self._walk(ws, os_, finals[0][1], priced, start_price)
        return schedule if self._obeys_limits(schedule) else None

    def _shape(self) -> tuple[int, ...]:
        return (self.max_units + 1, self.weekend_axis, *(self.limits[j] + 1 for j in self.exact))

    def _moves(self, j: int, weekend: bool, lead: int) -> list[tuple[int, int]]:
        """(axis, steps) of the resources shift j consumes, for tensors with `lead` non-resource axes."""
        moves = [(lead, self.units[j]), (lead + 1, 1 if weekend and self.track_weekends else 0)]
        return moves + [(lead + 2 + i, 1) for i, t in enumerate(self.exact) if t == j]

    @staticmethod
    def _shifted(a: np.ndarray, moves: list[tuple[int, int]]) -> np.ndarray:
        """`a` moved `steps` along each axis, cells moved past the end dropped, the vacated ones INF."""
        out = np.full_like(a, INF)
        src: list[slice] = [slice(None)] * a.ndim
        dst: list[slice] = [slice(None)] * a.ndim
        for axis, k in moves:
            if k >= a.shape[axis]:
                return out
            if k:
                src[axis] = slice(0, a.shape[axis] - k)
                dst[axis] = slice(k, None)
        out[tuple(dst)] = a[tuple(src)]
        return out

    def _groups(self) -> list[list[int]]:
        """Shift indices that consume the same resources, so that they move together."""
        groups: dict[tuple, list[int]] = {}
        for j in range(len(self.shifts)):
            groups.setdefault((self.units[j], j if j in self.exact else -1), []).append(j)
        return list(groups.values())

    def _forward(
        self, cost: Mapping[tuple[int, str], float], start_price: list[float] | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Minimal costs per day; `start_price[d]` is added to a run that starts on day d (relaxed weekends)."""
        S, kw, ko = len(self.shifts), self.kw, self.ko
        start_price = start_price or [0.0] * self.n
        shape = self._shape()
        nres = len(shape)
        groups = self._groups()
        origin = np.full(shape, INF)
        origin[(0,) * nres] = 0.0
        costs = np.array([[cost.get((d, s), 0.0) for s in self.sid] for d in range(self.n)]).reshape(
            (self.n, S) + (1,) * (1 + nres)
        )
        # W[f, j, k-1, resources]: working shift j today in a run of k days (f=1: the run began on day 0)
        # O[k-1, resources]: off today, k days off in a row (k = ko means "at least ko", or began on day 0)
        W = np.full((2, S, kw, *shape), INF)
        O = np.full((ko, *shape), INF)
        O[ko - 1] = origin
        if 0 not in self.days_off:
            first = self.weekend_first[0] or self.weekend_later[0]
            for group in groups:
                W[1, group, 0] = self._shifted(origin, self._moves(group[0], first, 0))
            W[1, :, 0] += costs[0, :, 0] + start_price[0]
        ws, os_ = [W], [O]
        for d in range(1, self.n):
            if d in self.days_off:
                Wn = np.full_like(W, INF)
            else:
                cont = np.empty_like(W)  # (2, S, kw, *shape): the best allowed predecessor per shift
                for preds, targets in self.pred_groups:
                    if not preds:
                        cont[:, targets] = INF
                        continue
                    best_pred = W[:, preds[0]].copy()
                    for p in preds[1:]:
                        np.minimum(best_pred, W[:, p], out=best_pred)
                    cont[:, targets] = best_pred[:, None]
                moved = np.full_like(cont, INF)
                moved[:, :, 1:] = cont[:, :, :-1]
                if self.saturate:
                    moved[:, :, -1] = np.minimum(moved[:, :, -1], cont[:, :, -1])
                Wn = np.empty_like(W)
                start = O[ko - 1][None]
                start_weekend = self.weekend_first[d] or self.weekend_later[d]
                for group in groups:
                    Wn[:, group] = self._shifted(moved[:, group], self._moves(group[0], self.weekend_first[d], 3))
                    began = self._shifted(
                        np.broadcast_to(start, (len(group), *shape)), self._moves(group[0], start_weekend, 1)
                    )
                    Wn[0, group, 0] = np.minimum(Wn[0, group, 0], began + start_price[d])
                Wn += costs[d]
            On = np.full_like(O, INF)
            On[0] = self._end_work(W)
            for k in range(ko):
                nxt = min(k + 1, ko - 1)
                On[nxt] = np.minimum(On[nxt], O[k])
            W, O = Wn, On
            ws.append(W)
            os_.append(O)
        return ws, os_

    def _end_work(self, W: np.ndarray) -> np.ndarray:
        """Cheapest way to be off tomorrow after working today: runs long enough, or begun on day 0."""
        done = W[1].min(axis=(0, 1))
        m = self.emp.min_consecutive
        if m - 1 < self.kw:
            done = np.minimum(done, W[0, :, m - 1 :].min(axis=(0, 1)))
        return done

    def _finals(self, W: np.ndarray, O: np.ndarray) -> list[tuple[float, tuple]]:
        """Final states with enough minutes, cheapest first: (value, state)."""
        out = []
        for kind, arr in (("w", W), ("o", O)):
            lead = 3 if kind == "w" else 1
            view = arr.copy()
            view[(slice(None),) * lead + (slice(0, self.min_units),)] = INF
            flat = view.ravel()
            k = min(len(flat), 8)
            idx = np.argpartition(flat, k - 1)[:k] if len(flat) > k else np.arange(len(flat))
            for i in idx:
                if flat[i] < INF:
                    out.append((float(flat[i]), (kind, np.unravel_index(i, arr.shape))))
        out.sort(key=lambda t: (t[0], t[1][0], tuple(int(x) for x in t[1][1])))
        return out

    def _walk(
        self,
        ws: list[np.ndarray],
        os_: list[np.ndarray],
        state: tuple,
        cost: Mapping[tuple[int, str], float],
        start_price: list[float] | None = None,
    ) -> frozenset[tuple[int, str]]:
        """The schedule that reaches `state` on the last day, by walking back through the tensors."""
        start_price = start_price or [0.0] * self.n
        kind, idx = state
        idx = tuple(int(i) for i in idx)
        out: list[tuple[int, str]] = []
        for d in range(self.n - 1, 0, -1):
            W, O = ws[d - 1], os_[d - 1]
            if kind == "w":
                f, j, k, *res = idx
                out.append((d, self.sid[j]))
                value = ws[d][idx] - cost.get((d, self.sid[j]), 0.0)
                candidates: list[tuple[str, tuple]] = []
                cont = self._unshift(res, j, self.weekend_first[d])
                if cont is not None and k > 0:
                    candidates += [("w", (f, p, k - 1, *cont)) for p in self.preds[j]]
                if cont is not None and self.saturate and k == self.kw - 1:
                    candidates += [("w", (f, p, k, *cont)) for p in self.preds[j]]
                start = self._unshift(res, j, self.weekend_first[d] or self.weekend_later[d])
                if start is not None and k == 0 and f == 0:
                    candidates.append(("o", (self.ko - 1, *start)))
            else:
                k, *res = idx
                value = os_[d][idx]
                candidates = []
                if k == 0:
                    m = self.emp.min_consecutive
                    candidates += [("w", (1, p, q, *res)) for p in range(len(self.sid)) for q in range(self.kw)]
                    candidates += [("w", (0, p, q, *res)) for p in range(len(self.sid)) for q in range(m - 1, self.kw)]
                if k > 0:
                    candidates.append(("o", (k - 1, *res)))
                if k == self.ko - 1:
                    candidates.append(("o", (k, *res)))
            for ckind, cidx in candidates:
                held = (W if ckind == "w" else O)[cidx]
                expected = value - start_price[d] if kind == "w" and ckind == "o" else value
                if held < INF and abs(held - expected) <= 1e-9 * max(1.0, abs(expected)):
                    kind, idx = ckind, cidx
                    break
            else:
                raise AssertionError(f"DP walk: no predecessor on day {d}")
        if kind == "w":
            out.append((0, self.sid[idx[1]]))
        return frozenset(out)

    def _unshift(self, res: list[int], j: int, weekend: bool) -> list[int] | None:
        prev = list(res)
        prev[0] -= self.units[j]
        if weekend and self.track_weekends:
            prev[1] -= 1
        for i, t in enumerate(self.exact):
            if t == j:
                prev[2 + i] -= 1
        return None if min(prev) < 0 else prev


class TooLarge(Exception):
    """Neither the exact DP (within its `max_cells`) nor the relaxed DP (`MAX_RELAXED_CELLS`) fits."""
