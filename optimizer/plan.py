"""The plan of one office for one date (format: shared/spec/SCENARIO.md, section "Plan").

This is the public output contract: exporters, the review workbook and the booking service read it.
Times are minutes since midnight inside the code and "HH:MM" in JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .clock import Clock
from .errors import InputError
from .scenario import format_validation_error

Activity = Literal["service", "guide", "back_office", "break"]
Channel = Literal["calendar", "same_day"]
Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "MODEL_INVALID", "UNKNOWN"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class SolverReport(_Model):
    """What the solver proved about the primary objective (weighted served demand)."""

    objective: float
    bound: float
    gap: float
    seconds: float
    time_limit_s: float
    workers: int
    seed: int
    strategy: str = "cp-sat"


class Assignment(_Model):
    staff: str
    start: Clock
    end: Clock
    activity: Activity
    service: str | None = None
    counter: str | None = None


class Slot(_Model):
    id: str
    date: dt.date
    start: Clock
    end: Clock
    service: str
    staff: str
    counter: str
    channel: Channel
    release_at: str
    booking: str | None = None
    overbook_of: str | None = None
    """Sold on top of the regular slot with this id (same staff, counter, service and time)."""


class Rebook(_Model):
    booking: str
    reason: str
    proposal: str | None = None


class Plan(_Model):
    version: int = 1
    office: str
    date: dt.date
    status: Status
    solver: SolverReport
    kpis: dict[str, Any]
    assignments: list[Assignment] = []
    slots: list[Slot] = []
    rebook: list[Rebook] = []

    def to_json_dict(self) -> dict[str, Any]:
        """The plan in its JSON format (`overbook_of` only on overbooked slots)."""
        data = self.model_dump(mode="json")
        for slot in data["slots"]:
            if slot.get("overbook_of") is None:
                slot.pop("overbook_of", None)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=1) + "\n"


def plan_filename(office_id: str, date: dt.date) -> str:
    """The file name of an office-day plan, e.g. `abh-servicepoint_2024-04-22.json`."""
    return f"{office_id}_{date.isoformat()}.json"


def read_plan(path: str | Path) -> Plan:
    """Load a plan JSON written by slotplan (or any tool that follows the contract)."""
    path = Path(path)
    try:
        return Plan.model_validate_json(path.read_bytes())
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    except ValidationError as err:
        raise InputError([f"{path}: {format_validation_error(e)}" for e in err.errors()]) from None
