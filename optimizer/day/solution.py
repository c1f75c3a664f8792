"""What a day's solve is asked (`SolveOptions`) and what it returns (`DaySolution`), in index terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .index import DayIndex


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    disabled: tuple[str, ...] = ()
    gap_limit: float = 0.0
    """Stop the primary level once the relative gap is at most this."""
    deterministic: bool = False
    """Count deterministic time instead of seconds and interleave the workers: repeatable runs."""
    sitting_rules: bool = True
    """Plan sittings at concrete counters (rule 11). Off only to measure the price of workability."""


@dataclass(frozen=True)
class Progress:
    stage: str
    elapsed_s: float
    objective: float
    bound: float


@dataclass
class StageReport:
    name: str
    status: str
    objective: float
    bound: float
    seconds: float


@dataclass(frozen=True)
class SittingChoice:
    """One chosen sitting: a person at a concrete counter over [start, end) minutes."""

    person: int
    counter: str
    start: int
    end: int


@dataclass
class DaySolution:
    """The chosen values, in index terms, and what the solver proved."""

    index: DayIndex
    status: str
    objective: float
    """Weighted served demand (real weights)."""
    bound: float
    seconds: float
    options: SolveOptions
    chosen_slots: list[int] = field(default_factory=list)
    guide_steps: dict[int, list[int]] = field(default_factory=dict)
    break_plan: dict[int, int] = field(default_factory=dict)
    unheld_bookings: list[str] = field(default_factory=list)
    stages: list[StageReport] = field(default_factory=list)
    sittings: list[SittingChoice] = field(default_factory=list)
    """The chosen sittings; empty when the day was planned without the sitting rules."""

    @property
    def gap(self) -> float:
        if self.bound <= 1e-9:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


ProgressFn = Callable[[Progress], None]
