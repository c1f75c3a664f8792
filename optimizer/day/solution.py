"""What a day's solve is asked (`SolveOptions`) and what it returns (`DaySolution`), in index terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from ..plan import Status
from .index import DayIndex


class SolveStatus(StrEnum):
    """What a day's solve proved. OPTIMAL only when the bound is reached (zero gap)."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    MODEL_INVALID = "MODEL_INVALID"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class SolveParameters:
    """The day solve's tuning, in one place: each default with the measurement behind it.

    Shares are of the primary level's time (the limit less the secondary level's reserve) unless said.
    """

    plan_build_share: float = 0.025
    """Share of the time limit kept for building the plan after the solve (wall-clock runs): 500 staff,
    schedule and plan 1.9 s of 120 s; without it the whole `plan_day` ended 3-5 s past its limit."""
    secondary_share: float = 0.25
    """Share of the time limit reserved for the secondary level (it may also use what the primary leaves)."""
    secondary_max_s: float = 15.0
    secondary_min_s: float = 3.0
    """The re-plan's stability levels take at most twice the primary's time, within these and a quarter of
    the limit."""
    completion_s: float = 5.0
    """Most seconds for completing a solution with a new level's auxiliary variables."""
    hint_from_options: int = 15_000
    """Hint the primary level with the constructive plan only from this many slot options on (planning
    without sittings). Measured with the suite (30 staff has 7,000-9,000 options, 80 staff
    18,000-22,000): on 30-staff days CP-SAT's LP-guided search alone closed the gap (Monday with bookings:
    optimal in 3.4 s unhinted, 3.2 % gap hinted), on 80-staff Thursdays with bookings the hint won (3059
    against 2954 in 20 s)."""
    relaxation_share: float = 0.5
    """Most of the primary level's time that the first solve of its LP relaxation may take (`relaxation`)."""
    fluid_share: float = 0.45
    """For the fluid seating model (`seating.fluid_seating`): it decides who sits where, the largest lever on
    quality. Raised from 0.3 to 0.6 when its search did all the work (sample Thursday 790 with 2.4 s of
    seating, 965-1035 with 4.5 s); lowered to 0.45 once the exchanges between classes (`seat_exchange`)
    found most of its value within a second or a few, and its search after them added little (80 staff,
    booked Thursday: 2973.2 -> 2973.9 in 7 s) while the seated plan ran out of time (below). 0.3 with
    `seated_share` 0.5, with the hand-over (2026-12-02, deterministic, suite days and sample week): eight
    days better by 1-10.5, three worse by 4-8 (both booked Thursdays and the 80-staff booked Monday), two
    equal; not clearly better."""
    exchange_share: float = 0.5
    """Most of the fluid seating's time for exchanging people between counter classes before its search
    (`seat_exchange`); the exchanges usually end on their own well before."""
    seating_block_min: int = 30
    """Grid of the fluid seating's sittings: half hours found better seatings in 10 s than quarter hours
    (sample Thursday, load 4: 1047.6 against 890, and 1044 after 120 s on quarter hours) and than whole
    hours (981.6); the day model re-times them on its quarter hours."""
    seating_subsolvers: tuple[str, ...] = ("quick_restart_no_lp", "default_lp")
    """Workers of the fluid seating's search: without the LP, restarts find good seatings faster (sample
    Thursday in 10 s at load 4: 981 against 885 with CP-SAT's default workers and 736 with max_lp first)."""
    floors_share: float = 0.1
    """For the floors level (`model.add_floors`); it starts from the seated plan, which aims at the floors."""
    seated_share: float = 0.35
    """For the day model inside the seating (`seating.seated_model`), started from the seating's fill
    (`fill.fill_seating`). Raised from 0.2 with `fluid_share` 0.6 -> 0.45: at 80 staff (booked Thursday,
    30 s) 4.2 s left it 1.5 % below its seating, and it needs about 11 s to reach its optimum, 0.4 % below.
    Two seeds each, 0.6/0.2 against 0.45/0.35 (2026-12-01): 30 staff booked Thursday (10 s) 1071, 1064
    against 1080.5, 1081.5; 80 staff booked Thursday 2926.5, 2936 against 2934.5, 2964.5; 80 staff booked
    Monday 2013.5, 2040 against 2050, 2042; 80 staff Thursday 2879.5, 2878 against 2876, 2878.5; 200
    staff booked Thursday (60 s) 7168.5, 7161 against 7128.5, 7182.5."""
    replan_seated_share: float = 0.6
    """For the seated plan of a re-plan, which starts from the published day of everyone present."""
    first_plan_grace: float = 3.0
    """A seating stage with no solution when its share is up may take up to this many times its share to
    find its first one: without a first plan there is nothing to improve (seen under heavy load)."""
    replan_served_tolerance: float = 0.01
    """A re-plan's stability levels (people's days, published slots) may give up this share of the weighted
    served demand its primary level reached (a tolerance per level, as in Gurobi's multi-objective
    `ObjNRelTol`). Without it, a search that served half a request more than the plan started from the
    published day changed days and withdrew slots at will (sample Monday, 57 of 262 published slots
    withdrawn where the absent people held 28)."""
    replan_day_price: float = 0.01
    """In a re-plan's weighted served level, each present person whose day changes costs this share of the
    weighted served of the plan started from the published day: a day changes only for a gain that is worth
    it (filling an absent colleague's counter), not for a reshuffle that serves a request more. Without it,
    the lexicographic order let every gain change days, and more time changed more (sample Monday, two
    absent: 17 of 25 days kept at 60 s, 18-19 at 10 s under load, where the issue asks for 80 %)."""
    replan_slot_price: float = 0.5
    """In the same level, each published unbooked slot withdrawn costs this share of its own weight: a
    request type changes at a published time only where that serves clearly more, as the gaps the absent
    people leave are filled (sample Monday, two absent, 10 s under load: up to 31 more slots withdrawn than
    the absent people held, where the issue allows 10 % of the published, about 30)."""
    seated_polish_share: float = 0.3
    """For re-planning four people at a time from the seated plan (sample Monday: 628.5 -> 686.5 from the
    template's seating)."""
    dive_share: float = 0.4
    """For rounding the relaxation and diving (`rounding`; planning without sittings)."""
    deterministic_dive_rounds: int = 10
    """Deterministic runs limit the dive by rounds instead of seconds."""
    direct_share: float = 0.3
    """Share of the secondary budget for a plain CP-SAT solve before the people-by-people polish."""
    proving_subsolvers: tuple[str, ...] = (
        "max_lp",
        "default_lp",
        "quick_restart",
        "reduced_costs",
        "pseudo_costs",
        "core",
        "no_lp",
    )
    """Full-problem workers, best first, for the levels whose bound matters: with 2 workers the one full
    worker is max_lp, whose stronger relaxation proved the sample Monday optimal several times faster than
    default_lp (781 in 10 s against 779 of 790 after 30 s)."""
    polishing_subsolvers: tuple[str, ...] = (
        "quick_restart",
        "default_lp",
        "no_lp",
        "max_lp",
        "reduced_costs",
        "pseudo_costs",
        "core",
    )
    """For the secondary level, which starts from a complete hint and mostly needs fast local moves."""


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
    parameters: SolveParameters = SolveParameters()
    """The tuning (time shares, subsolvers); the defaults are measured, see `SolveParameters`."""


@dataclass(frozen=True)
class Progress:
    stage: str
    elapsed_s: float
    objective: float
    bound: float


@dataclass
class StageReport:
    name: str
    status: Status
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
    status: Status
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
