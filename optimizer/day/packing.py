"""A seating packed block by block: counters filled with long sittings, the fluid seating's start.

The fluid seating's search improves a seating in many small steps; started from the template's seating
(a hand-style plan that leaves counters idle) it spends most of its time filling counters. `packed_seating`
fills them first, as an office manager would draw the wall chart: guide turns are handed out, then, going
through the day block by block (from the last block, or from the first), every free counter of the most
valuable class first is given to a free person (who leaves first, or who can sit there longest) for one
sitting up to their counter time, ending where a lawful break still fits; whoever still has counter time
afterwards returns to the same counter after a break, and first and last sittings grow into free blocks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .index import DayIndex, PersonDay
from .sitting_grid import Block, Seating, SittingVars
from .variables import DayModel


@dataclass
class _Desk:
    """One person's day while packing: their class, sitting blocks and guide steps."""

    pd: PersonDay
    blocks: set[int]
    classes: list[int]
    plans: list[set[int]]
    """Opening steps of each lawful break plan."""
    cls: int | None = None
    sits: list[int] = field(default_factory=list)
    guide: set[int] = field(default_factory=set)

    def busy(self, grid: list[Block]) -> set[int]:
        return self.guide | {t for b in self.sits for t in _steps(grid[b])}

    def time_left(self, grid: list[Block], step_min: int) -> int:
        """Counter minutes not yet given to guide duty or sittings."""
        return self.pd.counter_capacity_min - (len(self.guide) + sum(grid[r].steps for r in self.sits)) * step_min

    def breaks_fit(self, steps: set[int]) -> bool:
        return not self.plans or any(not plan & steps for plan in self.plans)


def packed_seating(dm: DayModel, backwards: bool = False, longest: bool = False) -> Seating | None:
    """A seating of `dm`'s sitting grid (see module docstring), going through the day from its first
    block, or from its last one `backwards` (then whoever arrives last sits first); a free counter goes
    to whoever leaves first, or, `longest`, to whoever can sit there longest (`_next_sitting`). None
    without sittings or without enough guides."""
    sv, ix = dm.sittings, dm.index
    if sv is None:
        return None
    desks = {p: _desk(ix, sv, p) for p in range(len(ix.people))}
    grid = sv.grid.blocks
    if not _hand_out_guide_turns(ix, grid, desks):
        return None
    way = -1 if backwards else 1
    density = {cls.index: _density(ix, ix.services, cls.index) for cls in ix.classes}
    held: dict[tuple[int, int], int] = defaultdict(int)
    for b in range(len(grid))[::way]:
        for cls in sorted(density, key=density.__getitem__, reverse=True):
            while held[(cls, b)] < ix.classes[cls].size:
                chosen = _next_sitting(ix, sv, desks, held, cls, b, way, longest)
                if chosen is None:
                    break
                p, run = chosen
                desks[p].cls, desks[p].sits = cls, run
                for r in run:
                    held[(cls, r)] += 1
    for back in (way, -way):
        for desk in desks.values():
            _return_after_break(ix, sv, desk, held, back)
    for desk in desks.values():
        _stretch(ix, sv, desk, held)
    return _as_seating(ix, sv, desks)


def _steps(block: Block) -> range:
    return range(block.first_step, block.last_step + 1)


def _desk(ix: DayIndex, sv: SittingVars, p: int) -> _Desk:
    pd = ix.people[p]
    plans = [ix.break_steps(p, j) for j in range(len(pd.break_plans))]
    classes = sorted({ix.class_of_counter[c] for c in sv.person_counters.get(p, [])})
    return _Desk(pd, set(sv.person_blocks.get(p, [])), classes, plans if pd.break_min else [])


def _density(ix: DayIndex, types: Iterable[str], cls: int) -> float:
    """The best weight per minute among `types` that class `cls` serves."""
    return max(
        (ix.services[k].weight / ix.services[k].duration_min for k in types if cls in ix.service_classes[k]),
        default=0.0,
    )


def _hand_out_guide_turns(ix: DayIndex, grid: list[Block], desks: dict[int, _Desk]) -> bool:
    """`guides_min` guides in every block, whole blocks at a time: whoever guided the block before goes
    on while their counter time and a lawful break allow; else those with the fewest counters to serve
    at. False when some block finds too few guides (then there is no packed seating)."""
    need = ix.scenario.policy.guides_min
    current: list[int] = []
    for block in grid:
        steps = set(_steps(block))
        able = [
            p
            for p, d in desks.items()
            if d.pd.can_guide
            and steps <= set(d.pd.steps)
            and (len(d.guide) + len(steps)) * ix.grid <= d.pd.counter_capacity_min
            and d.breaks_fit(d.guide | steps)
        ]
        ranked = sorted(able, key=lambda p: (p not in current, len(desks[p].classes), p))
        current = ranked[:need]
        if len(current) < need:
            return False
        for p in current:
            desks[p].guide |= steps
    return True


def _next_sitting(
    ix: DayIndex,
    sv: SittingVars,
    desks: dict[int, _Desk],
    held: dict[tuple[int, int], int],
    cls: int,
    b: int,
    way: int,
    longest: bool,
) -> tuple[int, list[int]] | None:
    """Who sits at class `cls` from block `b` on (going `way`), and for how long, of the free people who
    can sit there for a whole shortest sitting: the one who leaves first (arrives last, going backwards),
    so that those who stay are kept for later, then the longest sitting, then value per minute; or,
    `longest`, the longest sitting first, then whoever can serve at the fewest classes. None when nobody
    can."""
    best: tuple[tuple[float, ...], int, list[int]] | None = None
    for p, d in desks.items():
        if d.cls is not None or cls not in d.classes or b not in d.blocks:
            continue
        run = _run_from(ix, sv, d, held, cls, b, way, d.time_left(sv.grid.blocks, ix.grid))
        if not run:
            continue
        leaves = max(d.blocks) if way > 0 else -min(d.blocks)
        density = _density(ix, d.pd.services, cls)
        key = (len(run), -len(d.classes), density, -leaves, -p) if longest else (-leaves, len(run), density, -p)
        if best is None or key > best[0]:
            best = (key, p, run)
    return None if best is None else (best[1], best[2])


def _run_from(
    ix: DayIndex,
    sv: SittingVars,
    d: _Desk,
    held: dict[tuple[int, int], int],
    cls: int,
    b: int,
    way: int,
    minutes: int,
) -> list[int]:
    """The longest sitting of `d` at `cls` from block `b` on, going `way`: present, not busy, a counter
    free, at most `minutes` long, a lawful break still fitting beside it; empty when shorter than the
    shortest sitting. Blocks in time order."""
    grid = sv.grid.blocks
    busy = d.busy(grid)
    run: list[int] = []
    r, used = b, 0
    while _open(ix, grid, d, held, cls, r, grid[b].interval, busy) and used + grid[r].steps * ix.grid <= minutes:
        run.append(r)
        used += grid[r].steps * ix.grid
        r += way
    while run and not d.breaks_fit(busy | {t for x in run for t in _steps(grid[x])}):
        run.pop()
    run.sort()
    if not run or (first := sv.grid.min_blocks(ix, run[0])) is None or len(run) < first:
        return []
    return run


def _open(
    ix: DayIndex,
    grid: list[Block],
    d: _Desk,
    held: dict[tuple[int, int], int],
    cls: int,
    r: int,
    interval: int,
    busy: set[int],
) -> bool:
    """Whether `d` could sit at `cls` in block `r`: a block of `interval`, present, not `busy`, a counter
    of the class free."""
    return (
        0 <= r < len(grid)
        and grid[r].interval == interval
        and r in d.blocks
        and not busy & set(_steps(grid[r]))
        and held[(cls, r)] < ix.classes[cls].size
    )


def _return_after_break(ix: DayIndex, sv: SittingVars, d: _Desk, held: dict[tuple[int, int], int], way: int) -> None:
    """A second sitting at the same counter after the first one (before it, `way` < 0) and a gap of one
    to three blocks for the break, while the person has counter time left; the counter stays
    theirs through the gap (one counter per person)."""
    grid, cls = sv.grid.blocks, d.cls
    if cls is None or not d.sits or sv.grid.max_sittings < 2 or _sittings(d.sits) >= 2:
        return
    left = d.time_left(grid, ix.grid)
    edge = d.sits[-1] if way > 0 else d.sits[0]
    for gap in range(1, 4):
        between = [edge + way * i for i in range(1, gap + 1)]
        start = edge + way * (gap + 1)
        if not 0 <= start < len(grid) or any(
            held[(cls, r)] >= ix.classes[cls].size or grid[r].interval != grid[edge].interval for r in between
        ):
            return
        run = _run_from(ix, sv, d, held, cls, start, way, left)
        if run:
            d.sits = sorted(d.sits + run)
            for r in between + run:
                held[(cls, r)] += 1
            return


def _sittings(blocks: list[int]) -> int:
    """Runs in a sorted list of blocks."""
    return sum(1 for i, b in enumerate(blocks) if not i or blocks[i - 1] != b - 1)


def _stretch(ix: DayIndex, sv: SittingVars, d: _Desk, held: dict[tuple[int, int], int]) -> None:
    """Lengthen the person's first sitting to the front and their last one to the back, a block at a
    time, while they have counter time left and a counter of their class is free."""
    cls = d.cls
    if cls is None:
        return
    grid = sv.grid.blocks
    for way, edge in ((-1, 0), (1, -1)):
        while True:
            r, busy = d.sits[edge] + way, d.busy(grid)
            if not (
                _open(ix, grid, d, held, cls, r, grid[d.sits[edge]].interval, busy)
                and grid[r].steps * ix.grid <= d.time_left(grid, ix.grid)
                and d.breaks_fit(busy | set(_steps(grid[r])))
            ):
                break
            d.sits = sorted([*d.sits, r])
            held[(cls, r)] += 1


def _as_seating(ix: DayIndex, sv: SittingVars, desks: dict[int, _Desk]) -> Seating:
    """The packing as a seating: a lawful break plan clear of each person's duties, and a counter of
    their class each, by first fit over the span from their first sitting to their last."""
    grid = sv.grid.blocks
    breaks: dict[int, int] = {}
    for p, d in desks.items():
        busy = d.busy(grid)
        fitting = [j for j, plan in enumerate(d.plans) if not plan & busy]
        if fitting:
            breaks[p] = fitting[0]
    seat: dict[tuple[int, str], int] = {}
    for cls in ix.classes:
        spans = {p: set(range(d.sits[0], d.sits[-1] + 1)) for p, d in desks.items() if d.cls == cls.index}
        seat |= {(p, counter): 1 for p, counter in first_fit(list(spans), cls.counters, spans).items()}
    return Seating(
        {(p, t): 1 for p, d in desks.items() for t in d.guide},
        breaks,
        seat,
        {(p, r): 1 for p, d in desks.items() if d.cls is not None for r in d.sits},
    )


def first_fit(people: list[int], counters: Sequence[str], blocks_of: dict[int, set[int]]) -> dict[int, str]:
    """Each person, by first block, at the first counter free in all their blocks (never leaves anybody
    out when each person's blocks are one stretch and no block has more people than counters)."""
    used: dict[str, set[int]] = {c: set() for c in counters}
    fitted: dict[int, str] = {}
    for p in sorted(people, key=lambda p: (min(blocks_of[p]), -len(blocks_of[p]), p)):
        counter = next((c for c in counters if not used[c] & blocks_of[p]), None)
        if counter is not None:
            fitted[p] = counter
            used[counter] |= blocks_of[p]
    return fitted
