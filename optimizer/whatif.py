"""Vacancies what-if: what filling vacant posts would buy, in served requests per type and in weight.

Pure functions; the CLI (`slotplan whatif`) prints and writes.

- `hypothetical_staff(scenario, vacancy_ids, dates)` turns chosen vacancies into people present on
  each open date with the office's typical shift for their hours (`typical_shift`, rule below).
- `what_if(scenario, dates, fill, options)` plans the days as they are (*base*), with every chosen
  vacancy filled (*filled*), and with each chosen vacancy filled alone (its *marginal value*), and
  compares them.

**The typical shift** of a vacancy on an open date, derived from the office's hours:

1. Daily working time = weekly hours ÷ 5 (a five-day week), rounded down to the grid, at most 10 h
   (ArbZG §3).
2. Presence = that working time plus the shortest lawful break for it (ArbZG §4: 30 min over 6 h,
   45 min over 9 h); the planner places the break.
3. Placement against the day's opening span (first opening to last closing):
   - presence at least the span plus 30 min: start 30 min before opening (preparing the counter),
     the rest after closing (back office);
   - presence at least the span: end at closing, start as much before opening as is left;
   - shorter: start at opening (a part-time morning shift; the rest of the day stays uncovered).

On the sample Monday (07:30–12:30) a 39-hour post works 07:00–15:15, on Thursday (10:00–18:00)
09:45–18:00, close to the full-time shifts the office's own staff work.

**More staff never serves less.** A plan of a smaller staffing, with the added people in back office
(around a lawful break), is a plan of the larger one (`extend_plan`). Within a time limit the larger
model sometimes ends below the smaller one; then the what-if keeps the smaller staffing's plan,
extended (`best_known`, compared as the planner does: bookings held, then weighted served), and says
so per day (`Outcome.sources`). The filled outcome is the best of its own solve, the base and every
single-vacancy plan; a single vacancy's is the best of its solve and the base.

**Noise.** Plans are solved within a time limit, so each has a gap: its weighted served demand may lie
below the proven bound. The true optimum of a day lies in [objective, bound], so the true gain lies in
[filled objective − base bound, filled bound − base objective]; the base bound is also capped by the
filled bound (more staff never serves less). That interval's width, the gaps summed, is `Gain.noise`:
a gain not above it is flagged (`Gain.within_noise`); its lower end is `Gain.proven`, the gain the
bounds guarantee. Optimal plans have no noise.

**Identical posts.** Vacancies with the same skills and weekly hours give the planner the same person
(only the id and name differ), so one single-vacancy run serves all of them; the others say
`shared_with` and rank equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .clock import WEEKDAYS, merge_intervals
from .day.breaks import break_plans, minimal_break
from .day.solution import SolveOptions
from .errors import InputError
from .fluid_bounds import equipment_bound
from .office_days import closed_reason, opening_intervals
from .pipeline import plan_day
from .plan import Assignment, Plan
from .plan_build import kpis
from .scenario import GUIDE_SKILL, Availability, Person, Scenario, Vacancy

LEAD_MIN = 30
"""Presence before the doors open, when the hours allow it."""
DAYS_PER_WEEK = 5
"""Weekly hours are spread over a five-day week."""
MAX_DAILY_WORK_MIN = 600
"""ArbZG §3: at most 10 hours of work a day."""
DEFAULT_TIME_LIMIT_S = 20.0
DEFAULT_OPTIONS = SolveOptions(time_limit_s=DEFAULT_TIME_LIMIT_S)
EPS = 1e-6


# ---------------------------------------------------------------- hypothetical staff


@dataclass(frozen=True)
class Shift:
    """Where a filled vacancy would be present on one date (minutes since midnight)."""

    vacancy: str
    date: dt.date
    start: int
    end: int


def daily_work_min(weekly_hours: float, grid: int) -> int:
    """Working minutes a day for `weekly_hours` over a five-day week, rounded down to the grid, ≤ 10 h."""
    minutes = int(weekly_hours * 60 / DAYS_PER_WEEK + EPS)
    return min(MAX_DAILY_WORK_MIN, minutes - minutes % grid)


def presence_min(work_min: int, grid: int) -> int:
    """The shortest presence on the grid that leaves `work_min` of work after the lawful break."""
    presence = work_min
    while presence - minimal_break(presence, grid) < work_min:
        presence += grid
    return presence


def typical_shift(scenario: Scenario, weekly_hours: float, date: dt.date) -> tuple[int, int] | None:
    """The office's typical presence window on `date` for a post of `weekly_hours` (rule: module doc).

    None when the office is closed that day or the post has no hours.
    """
    opening = opening_intervals(scenario, date)
    grid = scenario.office.granularity_min
    work = daily_work_min(weekly_hours, grid)
    if not opening or work <= 0:
        return None
    presence = presence_min(work, grid)
    first, last = opening[0][0], opening[-1][1]
    span = last - first
    lead = LEAD_MIN + (-LEAD_MIN) % grid
    if presence >= span + lead:
        start = first - lead
    elif presence >= span:
        start = last - presence
    else:
        start = first
    start = max(0, min(start, 24 * 60 - presence))
    return start, min(24 * 60, start + presence)


def resolve_fill(scenario: Scenario, fill: Sequence[str] | None, option: str = "--fill") -> tuple[str, ...]:
    """The vacancy ids to fill, in the order given, duplicates dropped; every vacancy when `fill` is None.

    Raises `InputError` naming each unknown id, or when there is nothing to fill.
    """
    known = [v.id for v in scenario.vacancies]
    if fill is None:
        if not known:
            raise InputError("vacancies: the scenario has no vacancies to fill")
        return tuple(known)
    ids = tuple(dict.fromkeys(f.strip() for f in fill if f.strip()))
    if not ids:
        raise InputError(f"{option}: no vacancy id given")
    unknown = [i for i in ids if i not in known]
    if unknown:
        hint = f" (the scenario's vacancies: {', '.join(known)})" if known else " (the scenario has no vacancies)"
        raise InputError([f"{option}: unknown vacancy '{i}'{hint}" for i in unknown])
    return ids


def vacancy_shifts(scenario: Scenario, vacancy_ids: Sequence[str], dates: Sequence[dt.date]) -> list[Shift]:
    """The typical shift of each chosen vacancy on each open date."""
    ids = resolve_fill(scenario, list(vacancy_ids))
    vacancies = {v.id: v for v in scenario.vacancies}
    shifts = []
    for vid in ids:
        for date in sorted(set(dates)):
            window = typical_shift(scenario, vacancies[vid].weekly_hours, date)
            if window is not None:
                shifts.append(Shift(vid, date, *window))
    return shifts


def hypothetical_staff(scenario: Scenario, vacancy_ids: Sequence[str], dates: Sequence[dt.date]) -> Scenario:
    """The scenario with each chosen vacancy filled: a person (id = vacancy id, name = title, its skills and
    weekly hours) present on each open date of `dates` with the typical shift. Filled vacancies leave
    `vacancies`. Raises `InputError` for unknown ids."""
    ids = resolve_fill(scenario, list(vacancy_ids))
    vacancies = {v.id: v for v in scenario.vacancies}
    people = [
        Person(id=v.id, name=v.title, skills=list(v.skills), weekly_hours=v.weekly_hours)
        for v in (vacancies[i] for i in ids)
    ]
    presence = [
        Availability(staff=s.vacancy, date=s.date, start=s.start, end=s.end)
        for s in vacancy_shifts(scenario, ids, dates)
    ]
    return scenario.model_copy(
        update={
            "staff": [*scenario.staff, *people],
            "availability": [*scenario.availability, *presence],
            "vacancies": [v for v in scenario.vacancies if v.id not in set(ids)],
        }
    )


def counter_ceiling(scenario: Scenario, date: dt.date) -> float | None:
    """The most weighted demand *any* staffing could serve on `date` with the office's counters, equipment
    and opening hours: the equipment bound (`bounds.equipment_bound`, a linear relaxation) with the staff
    replaced by more than enough people who have every skill and are present all day. None when closed."""
    opening = opening_intervals(scenario, date)
    if not opening:
        return None
    extra = 45 + scenario.policy.back_office_min  # room outside the opening hours for break and back office
    start, end = max(0, opening[0][0] - extra), min(24 * 60, opening[-1][1] + extra)
    skills = sorted({t.skill for t in scenario.service_types} | {GUIDE_SKILL})
    count = 2 * (len(scenario.office.counters) + scenario.policy.guides_min)
    people = [Person(id=f"ceiling-{i}", skills=skills) for i in range(count)]
    unlimited = scenario.model_copy(
        update={
            "staff": people,
            "availability": [Availability(staff=p.id, date=date, start=start, end=end) for p in people],
        }
    )
    return equipment_bound(unlimited, date)


# ---------------------------------------------------------------- outcomes and gains


@dataclass(frozen=True)
class Outcome:
    """The plans of the dates under one staffing: the base, or with some vacancies filled."""

    filled: tuple[str, ...]
    plans: tuple[Plan, ...]
    sources: tuple[str, ...] = ()
    """Per date: "solved", or "kept <label>" when a plan of a smaller staffing, extended, beat the solve."""

    @property
    def served(self) -> dict[str, int]:
        """Served requests per request type, summed over the dates."""
        total: dict[str, int] = {}
        for plan in self.plans:
            for service, count in plan.kpis["served"].items():
                total[service] = total.get(service, 0) + count
        return total

    @property
    def weighted(self) -> float:
        return sum(_weighted(p) for p in self.plans)

    @property
    def weighted_demand(self) -> float:
        return sum(float(p.kpis.get("weighted_demand", 0.0)) for p in self.plans)

    @property
    def bound(self) -> float:
        """The proven upper bound on the weighted served demand, summed over the dates."""
        return sum(_bound(p) for p in self.plans)

    @property
    def slack(self) -> float:
        """Summed gaps in weighted units: how far the plans may lie below their optimum."""
        return self.bound - self.weighted

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(p.status for p in self.plans)

    def source(self, i: int) -> str:
        return self.sources[i] if i < len(self.sources) else "solved"


def _weighted(plan: Plan) -> float:
    return float(plan.kpis["weighted_served"])


def _bound(plan: Plan) -> float:
    return max(plan.solver.bound, _weighted(plan))


def _held(plan: Plan) -> int:
    return int(plan.kpis.get("bookings_held", 0))


@dataclass(frozen=True)
class Gain:
    """`other` against `base` over the same dates: totals over the dates."""

    served: dict[str, int]
    """Served requests gained per request type (may be negative for a type: the planner reallocates)."""
    weighted: float
    noise: float
    """The width of the interval the bounds leave for the true gain: the measured gain may be off by this."""
    proven: float
    """What the bounds guarantee: `other`'s weighted served minus `base`'s best bound."""

    @property
    def within_noise(self) -> bool:
        """True when the gain is not larger than what the gaps leave open: it may be solver noise."""
        return self.noise > EPS and abs(self.weighted) <= self.noise + EPS


def compare(base: Outcome, other: Outcome) -> Gain:
    """The gain of `other`, a staffing that adds people to `base`'s, over `base`.

    Per date the true gain lies in [other's objective − base's optimum bound, other's bound − base's
    objective]. More staff never serves less (the base plan, the added people in back office, is a plan
    of the larger staffing), so where both plans hold the same bookings the base optimum is also at most
    `other`'s bound, which narrows the interval.
    """
    served_base, served_other = base.served, other.served
    services = list(dict.fromkeys([*served_base, *served_other]))
    noise = proven = 0.0
    for b, o in zip(base.plans, other.plans):
        base_bound = _bound(b)
        if _held(b) == _held(o):
            base_bound = min(base_bound, _bound(o))
        base_bound = max(base_bound, _weighted(b))
        noise += (base_bound - _weighted(b)) + (_bound(o) - _weighted(o))
        proven += _weighted(o) - base_bound
    return Gain(
        served={k: served_other.get(k, 0) - served_base.get(k, 0) for k in services},
        weighted=round(other.weighted - base.weighted, 6),
        noise=round(noise, 6),
        proven=round(proven, 6),
    )


def extend_plan(plan: Plan, scenario: Scenario, bound: float | None = None, note: str = "") -> Plan | None:
    """`plan`, made for a smaller staffing, as a plan of `scenario`, whose staff adds people: each person
    present on the plan's date without assignments in it does back office around the lawful break (the
    planner's first placement). The added people take no counter, slot or guide duty, so every hard rule
    still holds. `bound` is the proven bound of `scenario`'s own solve (it stays valid). None when an
    added person's break cannot be placed lawfully.
    """
    grid = scenario.office.granularity_min
    date = plan.date
    planned = {a.staff for a in plan.assignments}
    windows: dict[str, list[tuple[int, int]]] = {}
    for a in scenario.availability:
        if a.date == date and a.staff not in planned:
            windows.setdefault(a.staff, []).append((a.start, a.end))
    added: list[Assignment] = []
    for person, spans in windows.items():
        merged = merge_intervals(spans)
        _total, placements = break_plans(merged, grid)
        if not placements:
            return None
        breaks = sorted(placements[0])
        for start, end in merged:
            cursor = start
            for b_start, b_end in (b for b in breaks if start <= b[0] and b[1] <= end):
                if b_start > cursor:
                    added.append(Assignment(staff=person, start=cursor, end=b_start, activity="back_office"))
                added.append(Assignment(staff=person, start=b_start, end=b_end, activity="break"))
                cursor = b_end
            if cursor < end:
                added.append(Assignment(staff=person, start=cursor, end=end, activity="back_office"))
    assignments = sorted([*plan.assignments, *added], key=lambda a: (a.staff, a.start))
    objective = _weighted(plan)
    top = max(objective, plan.solver.bound if bound is None else bound)
    gap = 0.0 if top <= EPS else round(max(0.0, (top - objective) / top), 6)
    strategy = plan.solver.strategy + (f"; {note}" if note else "")
    solver = plan.solver.model_copy(update={"bound": round(top, 4), "gap": gap, "strategy": strategy})
    return plan.model_copy(
        update={
            "status": "OPTIMAL" if gap <= 1e-9 else "FEASIBLE",
            "solver": solver,
            "assignments": assignments,
            "kpis": kpis(scenario, date, list(plan.slots), assignments),
        }
    )


def best_known(solved: Outcome, scenario: Scenario, smaller: Sequence[tuple[str, Outcome]]) -> Outcome:
    """Per date the better of `solved`'s plan and each smaller staffing's plan extended to `scenario`
    (`extend_plan`), in the planner's own order: bookings held, then weighted served; ties keep the solve.

    Within a time limit a larger model can end below a smaller one; this keeps the what-if monotone
    (more staff never looks worse) without pretending: the kept plan is a real plan of the staffing.
    """
    plans, sources = [], []
    for i, plan in enumerate(solved.plans):
        best, source = plan, solved.source(i)
        for label, outcome in smaller:
            candidate = outcome.plans[i]
            if _held(candidate) < _held(best) or (
                _held(candidate) == _held(best) and _weighted(candidate) <= _weighted(best) + EPS
            ):
                continue
            extended = extend_plan(candidate, scenario, _bound(plan), f"kept the {label} plan")
            if extended is not None:
                best, source = extended, f"kept {label}"
        plans.append(best)
        sources.append(source)
    return Outcome(solved.filled, tuple(plans), tuple(sources))


@dataclass(frozen=True)
class VacancyValue:
    """The marginal value of one vacancy filled alone."""

    vacancy: Vacancy
    rank: int
    gain: Gain
    outcome: Outcome
    shared_with: str | None = None
    """The vacancy whose run this one reuses (same skills and hours), or None."""


@dataclass(frozen=True)
class ServiceRow:
    service: str
    name: str
    weight: float
    base: int
    filled: int

    @property
    def gain(self) -> int:
        return self.filled - self.base

    @property
    def weighted_gain(self) -> float:
        return self.gain * self.weight


@dataclass(frozen=True)
class WhatIfReport:
    scenario: Scenario
    filled_scenario: Scenario
    dates: tuple[dt.date, ...]
    """The open dates planned."""
    skipped: tuple[tuple[dt.date, str], ...]
    """Closed dates of the range, with the reason."""
    fill: tuple[str, ...]
    shifts: tuple[Shift, ...]
    base: Outcome
    filled: Outcome
    gain: Gain
    singles: tuple[VacancyValue, ...]
    """Ranked: the largest weighted gain first."""
    options: SolveOptions
    ceilings: tuple[float | None, ...] = ()
    """Per date, `counter_ceiling`: what no staffing could exceed with these counters and hours."""

    @property
    def ceiling(self) -> float | None:
        """`counter_ceiling` summed over the dates (None if unknown)."""
        if not self.ceilings or any(c is None for c in self.ceilings):
            return None
        return float(sum(c for c in self.ceilings if c is not None))

    @property
    def headroom(self) -> float | None:
        """The most any staffing could add to the base: the counter ceiling minus the base's weighted served."""
        return None if self.ceiling is None else max(0.0, self.ceiling - self.base.weighted)

    def limit(self) -> str | None:
        """What stops the filled plans from serving more, when it is not staff: "demand" (all of it is
        served), "counters" (every day at its counter ceiling, within its gap or 2 %), else None."""
        filled = self.filled
        if filled.weighted >= filled.weighted_demand - EPS:
            return "demand"
        if not self.ceilings or any(c is None for c in self.ceilings):
            return None
        if all(
            c - _weighted(p) <= max(_bound(p) - _weighted(p), 0.02 * c)
            for p, c in zip(filled.plans, self.ceilings)
            if c is not None
        ):
            return "counters"
        return None

    @property
    def days_per_week(self) -> int:
        """Opening weekdays of the office: a week's figures are the mean day's times this."""
        return sum(1 for day in WEEKDAYS if self.scenario.office.opening_hours.get(day)) or DAYS_PER_WEEK

    def unplanned_weekdays(self) -> list[str]:
        """Opening weekdays (mon..sun) none of the planned dates falls on: per-week figures assume they are
        like the planned days, which may be far off (a long late day is not a short morning)."""
        planned = {WEEKDAYS[d.weekday()] for d in self.dates}
        return [day for day in WEEKDAYS if self.scenario.office.opening_hours.get(day) and day not in planned]

    def per_day(self, total: float) -> float:
        return total / len(self.dates)

    def per_week(self, total: float) -> float:
        return total * self.days_per_week / len(self.dates)

    def service_rows(self) -> list[ServiceRow]:
        base, filled = self.base.served, self.filled.served
        return [
            ServiceRow(t.id, t.name, t.weight, base.get(t.id, 0), filled.get(t.id, 0))
            for t in self.scenario.service_types
        ]

    def vacancy(self, vacancy_id: str) -> Vacancy:
        return next(v for v in self.scenario.vacancies if v.id == vacancy_id)

    def counter_bound_days(self) -> list[tuple[dt.date, float]]:
        """Dates whose base plan is already within 2 % of the counter ceiling, with the most any staffing
        could add there: on these days counters, not staff, are short."""
        out = []
        for plan, ceiling in zip(self.base.plans, self.ceilings):
            if ceiling is not None and ceiling - _weighted(plan) <= 0.02 * ceiling:
                out.append((plan.date, max(0.0, ceiling - _weighted(plan))))
        return out

    def notes(self) -> list[str]:
        """Plain-language caveats for the reader (noise, the counters' ceiling)."""
        notes = []
        if self.gain.within_noise and self.gain.proven > EPS:
            notes.append(
                f"The gain {self.gain.weighted:g} over the planned days is not larger than the plans' summed "
                f"gaps ({self.gain.noise:g}), so its size is uncertain; but at least {self.gain.proven:g} is "
                "proven. Allow more --time-limit for a sharper figure."
            )
        elif self.gain.within_noise:
            notes.append(
                f"The gain {self.gain.weighted:g} over the planned days is within the plans' summed gaps "
                f"({self.gain.noise:g}): it may be solver noise; allow more --time-limit."
            )
        noisy = [v.vacancy.id for v in self.singles if v.gain.within_noise]
        if noisy:
            notes.append(f"Single-vacancy gains within the gaps (may be noise): {', '.join(noisy)}.")
        missing = self.unplanned_weekdays()
        if missing:
            notes.append(
                f"Per-week figures extrapolate the planned day(s) to {self.days_per_week} opening days; "
                f"no {', '.join(missing)} was planned, and other weekdays may differ: plan a whole week "
                "for a week's figures."
            )
        tight = self.counter_bound_days()
        if tight and len(tight) < len(self.dates):
            notes.append(
                f"On {', '.join(f'{d:%a %d.%m.}' for d, _ in tight)} the base plans are within 2 % of the "
                f"counter ceiling: no staffing can add more than {sum(h for _, h in tight):g} there; "
                "those days lack counters, not staff."
            )
        limit = self.limit()
        if limit == "demand":
            notes.append("The filled plans serve all demand: more posts cannot add anything.")
        elif limit == "counters":
            notes.append(
                f"The filled plans serve {self.filled.weighted:g} (weighted, summed over the days) of at "
                f"most {self.ceiling:.1f} that the counters, their equipment and the opening hours allow "
                f"with any staffing (base {self.base.weighted:g}): counters, not staff, limit the gain."
            )
        return notes


def _profile(v: Vacancy) -> tuple[tuple[str, ...], float]:
    return tuple(sorted(set(v.skills))), v.weekly_hours


Progress = Callable[[str], None]


def plan_outcome(
    scenario: Scenario,
    dates: Sequence[dt.date],
    filled: Sequence[str],
    options: SolveOptions,
    on_progress: Progress | None = None,
    label: str = "base",
) -> Outcome:
    """Plan every date of `dates` with the vacancies `filled` (none: the base). Raises `InfeasibleError`."""
    staffed = hypothetical_staff(scenario, filled, dates) if filled else scenario
    plans = []
    for date in dates:
        if on_progress:
            on_progress(f"{label}: {date}")
        plans.append(plan_day(staffed, date, options))
    return Outcome(tuple(filled), tuple(plans))


def open_dates(scenario: Scenario, dates: Sequence[dt.date]) -> tuple[list[dt.date], list[tuple[dt.date, str]]]:
    """The open dates of `dates` (sorted, unique), and the closed ones with the reason."""
    opened, closed = [], []
    for date in sorted(set(dates)):
        reason = closed_reason(scenario, date)
        if reason:
            closed.append((date, reason))
        else:
            opened.append(date)
    return opened, closed


def what_if(
    scenario: Scenario,
    dates: Sequence[dt.date],
    fill: Sequence[str] | None = None,
    options: SolveOptions = DEFAULT_OPTIONS,
    on_progress: Progress | None = None,
) -> WhatIfReport:
    """Plan `dates` as they are, with the vacancies `fill` (None: every vacancy) filled, and with each filled
    alone; compare. Runs: base and filled per open date, plus one per date for each distinct post
    (skills, hours) among `fill` when more than one vacancy is filled.

    Raises `InputError` (unknown vacancy, no open date) or `InfeasibleError` (a day cannot be planned).
    """
    ids = resolve_fill(scenario, fill)
    days, skipped = open_dates(scenario, dates)
    if not days:
        raise InputError(
            ["dates: the office is closed on every date asked for"] + [f"{d}: {reason}" for d, reason in skipped]
        )
    vacancies = {v.id: v for v in scenario.vacancies}
    base = plan_outcome(scenario, days, (), options, on_progress, "base")
    filled_scenario = hypothetical_staff(scenario, ids, days)
    solved_filled = plan_outcome(scenario, days, ids, options, on_progress, f"filled ({len(ids)} vacancies)")

    runs: dict[tuple[tuple[str, ...], float], tuple[str, Outcome]] = {}
    per_vacancy: list[tuple[Vacancy, str | None]] = []
    for vid in ids:
        key = _profile(vacancies[vid])
        if key in runs:
            per_vacancy.append((vacancies[vid], runs[key][0]))
            continue
        if len(ids) == 1:
            outcome = solved_filled
        else:
            solved = plan_outcome(scenario, days, (vid,), options, on_progress, f"alone {vid}")
            outcome = best_known(solved, hypothetical_staff(scenario, [vid], days), [("base", base)])
        runs[key] = (vid, outcome)
        per_vacancy.append((vacancies[vid], None))
    smaller = [("base", base)] + [
        (f"{vid} alone", outcome) for vid, outcome in runs.values() if outcome is not solved_filled
    ]
    filled = best_known(solved_filled, filled_scenario, smaller)
    if len(ids) == 1:
        runs = {key: (vid, filled) for key, (vid, _) in runs.items()}
    values = []
    for vacancy, shared in per_vacancy:
        outcome = runs[_profile(vacancy)][1]
        values.append((vacancy, compare(base, outcome), outcome, shared))
    order = sorted(range(len(values)), key=lambda i: (-values[i][1].weighted, i))
    ranked: list[VacancyValue] = []
    for position, i in enumerate(order):
        vacancy, gain, outcome, shared = values[i]
        rank = position + 1
        if ranked and abs(ranked[-1].gain.weighted - gain.weighted) <= EPS:
            rank = ranked[-1].rank
        ranked.append(VacancyValue(vacancy, rank, gain, outcome, shared))
    return WhatIfReport(
        scenario=scenario,
        filled_scenario=filled_scenario,
        dates=tuple(days),
        skipped=tuple(skipped),
        fill=ids,
        shifts=tuple(vacancy_shifts(scenario, ids, days)),
        base=base,
        filled=filled,
        gain=compare(base, filled),
        singles=tuple(ranked),
        options=options,
        ceilings=tuple(counter_ceiling(scenario, d) for d in days),
    )


__all__ = [
    "Gain",
    "Outcome",
    "ServiceRow",
    "Shift",
    "VacancyValue",
    "WhatIfReport",
    "best_known",
    "compare",
    "counter_ceiling",
    "daily_work_min",
    "extend_plan",
    "hypothetical_staff",
    "open_dates",
    "plan_outcome",
    "presence_min",
    "resolve_fill",
    "typical_shift",
    "vacancy_shifts",
    "what_if",
]
