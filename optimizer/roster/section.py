"""The scenario's optional `roster` section: shifts, contract rules, wishes and (optional) cover.

Example (JSON):

    "roster": {
      "shifts": [{"id": "F", "start": "07:00", "end": "15:30"}, {"id": "S", "start": "09:30", "end": "18:00"}],
      "min_rest_hours": 11,
      "defaults": {"max_consecutive_days": 5, "hours_flex": 8},
      "contracts": [{"staff": "S004", "weekly_hours": 20, "weekdays_off": ["fri"], "shifts": ["F"]}],
      "wishes": [{"staff": "S002", "date": "2024-04-24", "kind": "off", "weight": 5}],
      "cover": [{"weekday": "thu", "shift": "S", "requirement": 6}]
    }

This module only declares the section; `roster.scenario` turns it into a `RosterProblem`. It depends on
`optimizer.clock` only, not on `optimizer.scenario`, because the scenario model imports it (a cycle).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..clock import Clock

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ShiftDef(_Section):
    """A shift of the office: presence from `start` to `end` on one day (breaks included)."""

    id: str = Field(min_length=1)
    start: Clock
    end: Clock
    name: str = ""


class ContractRules(_Section):
    """Rules of a contract; every field left out falls back to the section's `defaults`."""

    weekly_hours: float | None = Field(default=None, ge=0)
    hours_flex: float | None = Field(default=None, ge=0)
    max_weekly_hours: float | None = Field(default=None, ge=0)
    max_consecutive_days: int | None = Field(default=None, ge=1)
    min_consecutive_days: int | None = Field(default=None, ge=1)
    min_days_off: int | None = Field(default=None, ge=1)
    max_weekends: int | None = Field(default=None, ge=0)


class Defaults(ContractRules):
    """Contract rules that apply to everyone unless their contract says otherwise."""

    hours_flex: float | None = Field(default=8.0, ge=0)
    max_consecutive_days: int | None = Field(default=5, ge=1)
    min_consecutive_days: int | None = Field(default=1, ge=1)
    min_days_off: int | None = Field(default=1, ge=1)


class Contract(ContractRules):
    """One person's contract rules, fixed days off and the shifts they may work."""

    staff: str = Field(min_length=1)
    days_off: list[dt.date] = []
    weekdays_off: list[Day] = []
    shifts: list[str] | None = None
    rostered: bool = True


class Wish(_Section):
    """A person's wish for a date: `off` = rather not work (that shift, or at all), `on` = rather work."""

    staff: str = Field(min_length=1)
    date: dt.date
    shift: str | None = None
    kind: Literal["on", "off"] = "off"
    weight: int = Field(default=1, ge=0)


class CoverDef(_Section):
    """How many people a shift needs on one date, or on every open date of a weekday."""

    shift: str = Field(min_length=1)
    requirement: int = Field(ge=0)
    date: dt.date | None = None
    weekday: Day | None = None
    skill: str | None = None
    under_weight: int | None = Field(default=None, ge=0)
    over_weight: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_day(self) -> CoverDef:
        if (self.date is None) == (self.weekday is None):
            raise ValueError("give exactly one of date or weekday")
        return self


class RosterSection(_Section):
    """Everything the multi-week roster needs beyond staff, opening hours and demand."""

    shifts: list[ShiftDef] = Field(min_length=1)
    min_rest_hours: float = Field(default=11.0, ge=0, le=24)
    defaults: Defaults = Defaults()
    contracts: list[Contract] = []
    wishes: list[Wish] = []
    cover: list[CoverDef] | None = None
    under_weight: int = Field(default=100, ge=0)
    over_weight: int = Field(default=1, ge=0)
    guide_weight: int = Field(default=200, ge=0)
