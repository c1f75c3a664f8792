"""Named constraint families: each hard rule and each objective term of a CP-SAT model, by name.

A model is built by running the builders of a registry in order. Every builder adds its part to the
model and returns a `Family`: its name, whether it is a hard rule or an objective term, why it exists,
the assumption literal that switches it on (hard rules), and its penalty terms (objective terms).
Explanations, tests and ablations refer to families by these names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from ortools.sat.python import cp_model

Kind = Literal["hard", "objective"]
Ctx = TypeVar("Ctx")


@dataclass
class Penalty:
    """One term of a minimised objective: `weight * expr`, with a label for reports."""

    expr: cp_model.LinearExprT
    weight: int
    label: str


@dataclass
class Family:
    """What one builder added to the model."""

    name: str
    kind: Kind
    why: str
    switch: cp_model.IntVar | None = None
    penalties: list[Penalty] = field(default_factory=list)


@dataclass(frozen=True)
class FamilySpec(Generic[Ctx]):
    """A registry entry: a named builder with its justification; objective terms carry a weight and a
    lexicographic level (lower levels are optimised first and then held at their optimum)."""

    name: str
    kind: Kind
    why: str
    build: Callable[[Ctx, FamilySpec[Ctx]], Family]
    weight: int = 0
    level: int = 0


def switch_literal(model: cp_model.CpModel, name: str) -> cp_model.IntVar:
    """A fresh Boolean that enables a hard family; solved as an assumption (or fixed to 1)."""
    return model.new_bool_var(f"on[{name}]")


def select(registry: Sequence[FamilySpec[Ctx]], disabled: Sequence[str] = ()) -> list[FamilySpec[Ctx]]:
    """The registry without the families named in `disabled` (unknown names raise `KeyError`)."""
    names = {spec.name for spec in registry}
    unknown = set(disabled) - names
    if unknown:
        raise KeyError(f"unknown constraint families: {', '.join(sorted(unknown))}")
    return [spec for spec in registry if spec.name not in set(disabled)]
