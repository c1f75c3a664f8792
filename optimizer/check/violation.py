"""One broken hard rule, in words that name the staff, slot or counter and the time."""

from __future__ import annotations

from dataclasses import dataclass

RULE_NAMES = {
    0: "plan format",
    1: "assignments tile availability",
    2: "opening hours",
    3: "skills",
    4: "counters",
    5: "breaks (ArbZG §4)",
    6: "slots",
    7: "bookings",
    8: "back office",
    9: "entrance guides",
    10: "release times",
    11: "sittings",
}


@dataclass(frozen=True)
class Violation:
    """`rule` is the contract's rule number (0: the plan does not fit the scenario at all)."""

    rule: int
    message: str

    def __str__(self) -> str:
        return f"rule {self.rule} ({RULE_NAMES[self.rule]}): {self.message}"
