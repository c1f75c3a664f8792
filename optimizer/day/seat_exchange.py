"""Local search over a fluid seating: better people at each counter class, each step valued exactly.

The fluid seating's CP-SAT search rarely finds a step that moves two people at once: exchanging the
counter classes of two people changes their class, their holds and their minutes of every type together,
and a random neighbourhood seldom frees just that pair. Yet that is the step a packed seating most often
misses, because the packing seats whoever can sit longest, not whoever is worth most at a class (sample
Thursday: a person with Übertrag, eAT and Nichterlöschen skills sat at a counter without a reader giving
Nichterlöschen, while emergency-trained colleagues filled the reader counters and 11 emergencies went
unserved). Each candidate here is completed without search (`complete_seating`, a min-cost flow: a few
milliseconds) and the first improvement is kept:

- **move**: a person goes to another class where a counter is free throughout their sittings;
- **exchange**: two people of different classes trade classes, where both classes keep a counter per
  sitter in every block;
- **swap days**: two people with the same presence and break plans trade whole days (class, sittings,
  guide turns and break), where each can serve or guide in the other's;
- **hand over**: a seated person's counter and sittings go to a colleague without a seat who is present
  throughout them, can serve at that class, and neither guides nor takes a break in them; the first does
  back office instead (sample Friday: a colleague with only Nichterlöschen sat at a counter all morning
  while colleagues trained for emergencies did back office).

The sittings stay as they are (a hand-over gives them to someone else who is present and free then),
and so do guide turns and breaks, so every candidate keeps rule 11. Candidates name the first counter of
their class; the caller gives concrete counters.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from .budget import Budget
from .seating_value import Completed, complete_seating
from .sitting_grid import Seating
from .variables import DayModel

EVALUATIONS_PER_SECOND = 250
"""Deterministic runs count completions instead of seconds: about what one second allows at 80 staff
(3-4 ms per completion on the 2-core machine)."""


def exchange_seats(dm: DayModel, start: Completed, budget: Budget, seconds: float) -> Completed:
    """`start` improved by moves, exchanges and day swaps until a full round over the people finds no
    improvement or `seconds` of `budget` are spent (deterministic runs: `seconds` ×
    `EVALUATIONS_PER_SECOND` completions, charged to the budget at that rate)."""
    sv = dm.sittings
    assert sv is not None
    deterministic = budget.options.deterministic
    due = time.monotonic() + seconds
    allowed = int(seconds * EVALUATIONS_PER_SECOND)
    people = sorted(sv.person_blocks)
    steps = _Steps(dm, start.seating)
    best, idle, i, evaluations = start, 0, 0, 0

    def spent() -> bool:
        return evaluations >= allowed if deterministic else time.monotonic() >= due

    while people and idle < len(people) and not spent():
        p = people[i % len(people)]
        i += 1
        idle += 1
        for candidate in steps.of(p):
            evaluations += 1
            completed = complete_seating(dm, candidate)
            if completed.objective.key() > best.objective.key():
                best, idle = completed, 0
                steps = _Steps(dm, completed.seating)
                break
            if spent():
                break
    if deterministic:
        budget.spend(evaluations / EVALUATIONS_PER_SECOND)
    return best


class _Steps:
    """The moves, exchanges and day swaps from one seating; who holds which class in which block is
    counted once per seating, not once per person."""

    def __init__(self, dm: DayModel, seating: Seating):
        ix, sv = dm.index, dm.sittings
        assert sv is not None
        self.dm, self.seating = dm, seating
        self.size = {cls.index: cls.size for cls in ix.classes}
        self.first_counter = {cls.index: cls.counters[0] for cls in ix.classes}
        self.usable = {q: {ix.class_of_counter[c] for c in counters} for q, counters in sv.person_counters.items()}
        self.classes = seating.seat_classes(ix.class_of_counter)
        self.hulls = {q: _hull(seating, sv.person_blocks[q], q) for q in self.classes}
        away = _away_blocks(dm, seating)
        self.free = {q: set(blocks) - away.get(q, set()) for q, blocks in sv.person_blocks.items()}
        """person -> the blocks in which they are present and neither guide nor take a break."""
        self.load: dict[tuple[int, int], int] = defaultdict(int)
        for q, cls in self.classes.items():
            for b in self.hulls[q]:
                self.load[(cls, b)] += 1

    def of(self, p: int) -> Iterator[Seating]:
        """The seatings one move, exchange or day swap of `p` (with people after p) leads to."""
        dm, seating, usable, classes = self.dm, self.seating, self.usable, self.classes
        sv = dm.sittings
        assert sv is not None
        mine = classes.get(p)
        if mine is not None:
            for cls in sorted(usable.get(p, set()) - {mine}):
                if all(self.load[(cls, b)] < self.size[cls] for b in self.hulls[p]):
                    yield self._seated({p: cls})
        sitting = {b for b in self.hulls.get(p, []) if seating.sits.get((p, b), 0)}
        for q in sorted(sv.person_blocks):
            if mine is not None and q not in classes and self._can_take_over(q, mine, sitting):
                yield self._handed_over(p, q)
            if q <= p:
                continue
            theirs = classes.get(q)
            if (
                mine is not None
                and theirs is not None
                and theirs != mine
                and theirs in usable.get(p, set())
                and mine in usable.get(q, set())
                and _exchange_fits(self.load, self.size, self.hulls[p], self.hulls[q], mine, theirs)
            ):
                yield self._seated({p: theirs, q: mine})
            if _twins(dm, p, q):
                swapped = _swap_days(seating, p, q)
                if all(
                    cls in usable.get(r, set()) for r, cls in swapped.seat_classes(dm.index.class_of_counter).items()
                ) and all(dm.index.people[r].can_guide for (r, _t), on in swapped.guide.items() if on):
                    yield swapped

    def _can_take_over(self, q: int, cls: int, sitting: set[int]) -> bool:
        """Whether q, without a seat, can sit these sitting blocks at class `cls`."""
        return bool(sitting) and cls in self.usable.get(q, set()) and sitting <= self.free.get(q, set())

    def _handed_over(self, p: int, q: int) -> Seating:
        """The seating with q at p's counter in p's sittings, and p without a seat."""
        seating, sv = self.seating, self.dm.sittings
        assert sv is not None
        seat = {(r, c): on for (r, c), on in seating.seat.items() if r != p}
        seat |= {(q, c): 1 for (r, c), on in seating.seat.items() if r == p and on}
        sits = {key: 0 if key[0] == p else on for key, on in seating.sits.items()}
        sits |= {(q, b): seating.sits.get((p, b), 0) for b in sv.person_blocks[q]}
        return replace(seating, seat=seat, sits=sits)

    def _seated(self, moved: dict[int, int]) -> Seating:
        """The seating with the people in `moved` at the first counter of their new class."""
        seat = {(q, c): on for (q, c), on in self.seating.seat.items() if q not in moved}
        return replace(self.seating, seat=seat | {(q, self.first_counter[cls]): 1 for q, cls in moved.items()})


def _hull(seating: Seating, blocks: list[int], p: int) -> list[int]:
    """p's blocks from their first sitting block to their last: the counter is theirs throughout."""
    sitting = [b for b in blocks if seating.sits.get((p, b), 0)]
    return [b for b in blocks if sitting[0] <= b <= sitting[-1]] if sitting else []


def _away_blocks(dm: DayModel, seating: Seating) -> dict[int, set[int]]:
    """person -> the sitting blocks in which they guide or take a break."""
    sv, ix = dm.sittings, dm.index
    assert sv is not None
    steps: dict[int, set[int]] = defaultdict(set)
    for (q, t), on in seating.guide.items():
        if on:
            steps[q].add(t)
    for q, j in seating.breaks.items():
        steps[q] |= ix.break_steps(q, j)
    return {q: {sv.grid.block_of_step[t] for t in ts} for q, ts in steps.items()}


def _exchange_fits(
    load: dict[tuple[int, int], int], size: dict[int, int], hull_p: list[int], hull_q: list[int], a: int, b: int
) -> bool:
    """Whether p (at class a) and q (at class b) can trade classes with a counter for every sitter."""
    change: dict[tuple[int, int], int] = defaultdict(int)
    for blk in hull_p:
        change[(a, blk)] -= 1
        change[(b, blk)] += 1
    for blk in hull_q:
        change[(b, blk)] -= 1
        change[(a, blk)] += 1
    return all(load[key] + delta <= size[key[0]] for key, delta in change.items() if delta > 0)


def _twins(dm: DayModel, p: int, q: int) -> bool:
    """Whether p and q could live each other's day: same presence, break plans and counter time."""
    a, b, sv = dm.index.people[p], dm.index.people[q], dm.sittings
    assert sv is not None
    return (
        a.windows == b.windows
        and a.break_plans == b.break_plans
        and a.counter_capacity_min == b.counter_capacity_min
        and sv.person_blocks.get(p) == sv.person_blocks.get(q)
    )


def _swap_days(seating: Seating, p: int, q: int) -> Seating:
    """`seating` with p and q trading their whole days."""

    def other(r: int) -> int:
        return q if r == p else p if r == q else r

    return replace(
        seating,
        guide={(other(r), t): on for (r, t), on in seating.guide.items()},
        breaks={other(r): j for r, j in seating.breaks.items()},
        seat={(other(r), c): on for (r, c), on in seating.seat.items()},
        sits={(other(r), b): on for (r, b), on in seating.sits.items()},
    )
