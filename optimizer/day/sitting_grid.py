"""The sitting grid and the sitting decisions' containers: plain data, no model families.

Sittings (contract rule 11) are decided on blocks of the opening hours (`SittingGrid`); `SittingVars`
holds a day model's sitting variables and `Seating` a decided seating (`sittings`, `seating`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .index import DayIndex

BLOCK_MIN = 15
"""Sittings begin and end on quarter hours of the opening interval. Breaks are placed in 15-minute
blocks too, so a finer grid gains little and a coarser one loses the steps around breaks."""


@dataclass(frozen=True)
class Block:
    """A run of opening steps that a sitting covers whole."""

    index: int
    first_step: int
    steps: int
    interval: int

    @property
    def last_step(self) -> int:
        return self.first_step + self.steps - 1


@dataclass
class SittingGrid:
    """The sitting rules of the day and the block grid they are decided on."""

    max_sittings: int
    min_sitting_min: int
    blocks: list[Block]
    block_of_step: list[int]

    def min_blocks(self, index: DayIndex, b: int) -> int | None:
        """Blocks a sitting that starts at block b must span, or None when its interval ends first."""
        interval = self.blocks[b].interval
        start, end = index.opening[interval]
        want = min(self.min_sitting_min, end - start)
        minutes, n = 0, 0
        while minutes < want:
            if b + n >= len(self.blocks) or self.blocks[b + n].interval != interval:
                return None
            minutes += self.blocks[b + n].steps * index.grid
            n += 1
        return max(1, n)


def build_sitting_grid(index: DayIndex, block_min: int = BLOCK_MIN) -> SittingGrid:
    """Blocks of `block_min` minutes from each opening interval's start (the last one may be shorter)."""
    per_block = max(1, block_min // index.grid)
    blocks: list[Block] = []
    block_of_step = [0] * len(index.step_start)
    count = 0
    interval = -1
    for step, first in enumerate(index.step_first_of_interval):
        if first:
            interval, count = interval + 1, 0
        if count % per_block == 0:
            blocks.append(Block(len(blocks), step, 0, interval))
        last = blocks[-1]
        blocks[-1] = Block(last.index, last.first_step, last.steps + 1, last.interval)
        block_of_step[step] = last.index
        count += 1
    _counters, max_sittings, min_sitting = index.scenario.policy.sitting_rules()
    return SittingGrid(max_sittings, min_sitting, blocks, block_of_step)


@dataclass
class Seating:
    """Seats, sittings, guide duty and breaks of a day, keyed like the day model's decisions."""

    guide: dict[tuple[int, int], int]
    """(person, step) -> on guide duty."""
    breaks: dict[int, int]
    """person -> index of the break plan."""
    seat: dict[tuple[int, str], int]
    sits: dict[tuple[int, int], int]
    """(person, block) -> may sit in that block (the full model may sit less)."""
    value: float = 0.0
    """Weighted served demand of the fluid model (real weights), 0 for the template's seating."""
    minutes: dict[int, dict[str, int]] = field(default_factory=dict)
    """person -> request type -> steps the fluid model gives them (empty for other seatings)."""
    holders: dict[str, int] = field(default_factory=dict)
    """Booking id -> the person who holds it in the fluid model (empty for the template's and the
    published seating)."""

    def seat_classes(self, class_of: dict[str, int]) -> dict[int, int]:
        """person -> counter class of their seat, for the seated people."""
        return {p: class_of[c] for (p, c), on in self.seat.items() if on}


@dataclass
class SittingVars:
    """The sitting decisions of one day model."""

    grid: SittingGrid
    seat: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    """(person, counter) -> the person serves at that counter today."""
    sits: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    """(person, block) -> the person sits at their counter during the block."""
    starts: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    ends: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    person_blocks: dict[int, list[int]] = field(default_factory=dict)
    """Blocks during all of which each person (with slot options) is present."""
    person_counters: dict[int, list[str]] = field(default_factory=dict)
    """Counters of the classes at which each person has slot options."""

    def of_person(self, p: int) -> list[cp_model.IntVar]:
        """The sitting decisions of one person (for polishing a few people at a time)."""
        return [self.sits[(p, b)] for b in self.person_blocks.get(p, [])] + [
            self.seat[(p, c)] for c in self.person_counters.get(p, [])
        ]

    def decisions(self) -> list[cp_model.IntVar]:
        return list(self.sits.values()) + list(self.seat.values())
