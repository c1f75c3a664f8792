"""The day model's variables: `DayModel` (the CP-SAT model and handles to its decisions) and
`create_variables`, which makes every decision of the day before any family constrains them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..families import Family, FamilySpec, switch_literal
from .index import DayIndex
from .sitting_grid import BLOCK_MIN, SittingGrid, SittingVars, build_sitting_grid


@dataclass
class DayModel:
    """The CP-SAT model of one office-day and handles to its variables."""

    index: DayIndex
    model: cp_model.CpModel
    slot: list[cp_model.IntVar]
    guide: dict[tuple[int, int], cp_model.IntVar]
    brk: dict[int, list[cp_model.IntVar]]
    held: dict[str, cp_model.IntVar]
    explain: bool = False
    disabled: tuple[str, ...] = ()
    families: list[Family] = field(default_factory=list)
    cover: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    """(person, step) -> literals of everything that occupies the person in that step."""
    activity_cover: dict[tuple[int, int, str], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    """(person, step, service id or "guide") -> literals of that activity in that step."""
    class_cover: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    """(counter class, step) -> slot literals occupying a counter of the class."""
    slots_of_service: dict[str, list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    slots_starting: dict[tuple[str, int], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    """(request type, start step) -> slot literals."""
    service_steps: dict[int, list[cp_model.LinearExprT]] = field(default_factory=lambda: defaultdict(list))
    """person -> length × literal of each of their slots: Σ is the person's steps at a counter."""
    sittings: SittingVars | None = None
    """Sittings at concrete counters (rule 11); None plans without the sitting rules."""
    objective_levels: dict[int, cp_model.LinearExpr] = field(default_factory=dict)
    """Level -> its objective, once built (`model.add_objective_level`)."""
    day_kept: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Re-plans: person -> "keeps the published day" (`keep_days`)."""
    withdrawn: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """Re-plans: (request type, start step) -> published unbooked slots withdrawn (`keep_published`)."""
    floor_short: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """Type -> requests short of its floor (built with the `floors` level)."""

    def enforce(self, constraint: cp_model.Constraint, family: Family) -> None:
        """Make a hard family's constraint switchable (explanations only)."""
        if family.switch is not None:
            constraint.only_enforce_if(family.switch)

    def hard(self, spec: FamilySpec[DayModel]) -> Family:
        switch = switch_literal(self.model, spec.name) if self.explain else None
        return Family(spec.name, "hard", spec.why, switch)

    def decisions(self) -> list[cp_model.IntVar]:
        """The Booleans that fix a plan: slots, guide steps, break plans, bookings held."""
        out = list(self.slot) + list(self.guide.values()) + list(self.held.values())
        for lits in self.brk.values():
            out += lits
        if self.sittings is not None:
            out += self.sittings.decisions()
        return out

    def decisions_by_person(self) -> list[list[cp_model.IntVar]]:
        """Each present person's slot, guide and break literals (indexed like `index.people`)."""
        out: list[list[cp_model.IntVar]] = [[] for _ in self.index.people]
        for o, lit in zip(self.index.slot_options, self.slot):
            out[o.person].append(lit)
        for (p, _step), lit in self.guide.items():
            out[p].append(lit)
        for p, lits in self.brk.items():
            out[p].extend(lits)
        if self.sittings is not None:
            for p in self.sittings.person_blocks:
                out[p].extend(self.sittings.of_person(p))
        return out

    def served(self, service: str) -> cp_model.LinearExpr:
        return total(self.slots_of_service.get(service, []))

    def weighted_served(self) -> cp_model.LinearExpr:
        ix = self.index
        return total(ix.scaled_weight(k) * self.served(k) for k in self.slots_of_service)

    def weighted_served_limit(self) -> int:
        """Weighted served if every slot option were chosen: more than any plan reaches."""
        return sum(self.index.scaled_weight(o.service) for o in self.index.slot_options)


def total(terms) -> cp_model.LinearExpr:
    """Σ of CP-SAT expressions (0 for none)."""
    return cp_model.LinearExpr.sum(list(terms))


def create_variables(
    index: DayIndex, explain: bool = False, sittings: bool = True, slots: bool = True, block_min: int = BLOCK_MIN
) -> DayModel:
    """All decision variables of the day and the coverage maps the families read; `sittings=False`
    plans without rule 11 (counter classes only, concrete counters given afterwards); `slots=False`
    leaves out the appointments and `block_min` sets the sitting grid (for the fluid seating model,
    `seating.fluid_seating`)."""
    model = cp_model.CpModel()
    dm = DayModel(index=index, model=model, slot=[], guide={}, brk={}, held={}, explain=explain)
    for o in index.slot_options if slots else ():
        lit = model.new_bool_var(f"slot[{index.people[o.person].id},{o.service},c{o.cls},{o.step}]")
        dm.slot.append(lit)
        dm.slots_of_service[o.service].append(lit)
        dm.slots_starting[(o.service, o.step)].append(lit)
        dm.service_steps[o.person].append(o.length * lit)
        for step in range(o.step, o.step + o.length):
            dm.cover[(o.person, step)].append(lit)
            dm.activity_cover[(o.person, step, o.service)].append(lit)
            dm.class_cover[(o.cls, step)].append(lit)
    for pd in index.people:
        if pd.can_guide:
            for step in pd.steps:
                lit = model.new_bool_var(f"guide[{pd.id},{step}]")
                dm.guide[(pd.index, step)] = lit
                dm.cover[(pd.index, step)].append(lit)
                dm.activity_cover[(pd.index, step, "guide")].append(lit)
        if pd.break_min and pd.break_plans:
            dm.brk[pd.index] = []
            for j, plan in enumerate(pd.break_plans):
                lit = model.new_bool_var(f"break[{pd.id},{j}]")
                dm.brk[pd.index].append(lit)
                for start, end in plan:
                    for step in _steps_within(index, start, end):
                        dm.cover[(pd.index, step)].append(lit)
    if sittings and index.step_start:
        dm.sittings = create_sitting_variables(dm, build_sitting_grid(index, block_min))
    return dm


def _steps_within(index: DayIndex, start: int, end: int) -> list[int]:
    return [index.step_of[m] for m in range(start, end, index.grid) if m in index.step_of]


def create_sitting_variables(dm: DayModel, grid: SittingGrid) -> SittingVars:
    """Sitting variables for everyone with slot options; the rules are added by `add_sittings`."""
    ix, model = dm.index, dm.model
    sv = SittingVars(grid)
    classes: dict[int, set[int]] = defaultdict(set)
    for o in ix.slot_options:
        classes[o.person].add(o.cls)
    for p, usable in sorted(classes.items()):
        steps = set(ix.people[p].steps)
        sv.person_blocks[p] = [
            blk.index for blk in grid.blocks if all(t in steps for t in range(blk.first_step, blk.last_step + 1))
        ]
        allowed = ix.counters_of.get(p) if ix.counters_of is not None else None
        sv.person_counters[p] = [
            c for cls in sorted(usable) for c in ix.classes[cls].counters if allowed is None or c in allowed
        ]
        name = ix.people[p].id
        for c in sv.person_counters[p]:
            sv.seat[(p, c)] = model.new_bool_var(f"seat[{name},{c}]")
        for b in sv.person_blocks[p]:
            for table, label in ((sv.sits, "sits"), (sv.starts, "start"), (sv.ends, "end")):
                table[(p, b)] = model.new_bool_var(f"{label}[{name},{b}]")
    return sv
