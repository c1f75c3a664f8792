"""Rest breaks under the German Working Hours Act (ArbZG §4), as the checker reads it.

Working time is presence minus breaks. Over 6 h of work need at least 30 min of breaks, over 9 h at
least 45 min; each break lasts at least 15 min; nobody works more than 6 h in a row without a break.
A break also has to interrupt work: it may not sit at the very start or end of a stretch of presence.
"""

from __future__ import annotations

from itertools import combinations

from ..clock import merge_intervals

MAX_STRETCH_MIN = 360
MIN_BREAK_MIN = 15
WORK_BEFORE_AND_AFTER_MIN = 60
"""A break leaves at least this much presence before and after it in its stretch (when the stretch allows)."""

Interval = tuple[int, int]
BreakPlan = tuple[Interval, ...]


def required_break(work_min: int) -> int:
    """Minutes of break the law asks for `work_min` minutes of working time."""
    return 45 if work_min > 540 else 30 if work_min > 360 else 0


def minimal_break(presence_min: int, grid: int) -> int:
    """The shortest total break that satisfies §4 for a presence of `presence_min` minutes."""
    candidate = 0
    while required_break(presence_min - candidate) > candidate:
        candidate = max(MIN_BREAK_MIN, candidate + grid)
        candidate += (-candidate) % grid
    return candidate


def work_stretches(windows: list[Interval], breaks: BreakPlan) -> list[int]:
    """Lengths of uninterrupted work: presence (touching windows joined) cut by the breaks."""
    stretches = []
    for start, end in merge_intervals(windows):
        cuts = sorted(b for b in breaks if start <= b[0] and b[1] <= end)
        cursor = start
        for b_start, b_end in cuts:
            stretches.append(b_start - cursor)
            cursor = b_end
        stretches.append(end - cursor)
    return stretches


def _single_blocks(windows: list[Interval], length: int, grid: int, margin: int) -> list[Interval]:
    blocks = []
    for start, end in merge_intervals(windows):
        first = start + margin
        first += (-first) % grid
        for b in range(first, end - margin - length + 1, grid):
            blocks.append((b, b + length))
    return blocks


def break_plans(windows: list[Interval], grid: int) -> tuple[int, list[BreakPlan]]:
    """Total break minutes and every lawful placement of them (one block, else two) for these windows.

    Returns `(0, [()])` when no break is needed, and `(minutes, [])` when no placement is lawful.
    """
    presence = sum(e - s for s, e in merge_intervals(windows))
    total = minimal_break(presence, grid)
    if total == 0:
        return 0, [()]

    def lawful(plan: BreakPlan) -> bool:
        return max(work_stretches(windows, plan)) <= MAX_STRETCH_MIN

    for margin in (WORK_BEFORE_AND_AFTER_MIN, MIN_BREAK_MIN, 0):
        plans: list[BreakPlan] = [
            (block,) for block in _single_blocks(windows, total, grid, margin) if lawful((block,))
        ]
        if plans:
            return total, plans
    two_total = max(total, 2 * MIN_BREAK_MIN)
    coarse = max(grid, 15)
    for first in range(MIN_BREAK_MIN, two_total - MIN_BREAK_MIN + 1, grid):
        blocks_a = _single_blocks(windows, first, coarse, MIN_BREAK_MIN)
        blocks_b = _single_blocks(windows, two_total - first, coarse, MIN_BREAK_MIN)
        plans = [
            (a, b)
            for a, b in combinations(sorted(set(blocks_a) | set(blocks_b)), 2)
            if a[1] < b[0] and (a[1] - a[0]) + (b[1] - b[0]) == two_total and lawful((a, b))
        ]
        if plans:
            return two_total, plans
    return total, []
