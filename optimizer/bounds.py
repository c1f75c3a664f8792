"""Moved to `optimizer.fluid_bounds`; this name stays only for `optimizer/day/` (solve.py, template.py),
which is being rewritten on its own branch. Import from `optimizer.fluid_bounds`; remove this module once
`optimizer/day/` does."""

from .fluid_bounds import equipment_bound, fluid_bound

__all__ = ["equipment_bound", "fluid_bound"]
