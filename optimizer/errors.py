"""Errors that reach the user: bad input (exit 2) and infeasible days (exit 3)."""

from __future__ import annotations


class InputError(Exception):
    """The user's data is wrong. Each problem names its place: a JSON path or `Sheet!Cell`."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InfeasibleError(Exception):
    """No plan can obey the hard rules. `reasons` says why, in words."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("\n".join(self.reasons))


class NoPlanInTimeError(InfeasibleError):
    """The solver found no plan within the time limit, although one may exist."""
