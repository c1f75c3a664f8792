"""The service's own request models: a published slot (publish contract) and a citizen's booking request.

They follow `optimizer/publish/openapi.yaml` and shared/spec/SCENARIO.md. Unknown fields are ignored
(the plan format may grow); a `staff` field is dropped unread, so staff never reach the database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .store import ServiceError, SlotData

IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
TIME = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
LOCAL_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"


def minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


class SlotInput(BaseModel):
    """`SlotInput` of the publish contract."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(min_length=1, max_length=200, pattern=IDENTIFIER)
    date: str = Field(pattern=DATE)
    start: str = Field(pattern=TIME)
    end: str = Field(pattern=TIME)
    service: str = Field(min_length=1, max_length=200)
    counter: str = Field(min_length=1, max_length=200)
    channel: Literal["calendar", "same_day"]
    release_at: str = Field(pattern=LOCAL_DATETIME)
    booking: str | None = Field(default=None, max_length=200)
    staff_ref: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    @model_validator(mode="after")
    def _consistent(self) -> SlotInput:
        try:
            dt.date.fromisoformat(self.date)
        except ValueError:
            raise ValueError(f"date: {self.date!r} is not a date") from None
        try:
            dt.datetime.fromisoformat(self.release_at)
        except ValueError:
            raise ValueError(f"release_at: {self.release_at!r} is not a date-time") from None
        if self.start == "24:00" or minutes(self.end) <= minutes(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    def to_slot(self) -> SlotData:
        return SlotData(
            id=self.id,
            date=dt.date.fromisoformat(self.date),
            start=self.start,
            end=self.end,
            service=self.service,
            counter=self.counter,
            channel=self.channel,
            release_at=dt.datetime.fromisoformat(self.release_at),
            booking=self.booking,
            staff_ref=self.staff_ref,
        )


class BookingRequest(BaseModel):
    """`POST /v1/offices/{office}/bookings` body."""

    model_config = ConfigDict(extra="ignore")

    slot: str = Field(min_length=1, max_length=200, pattern=IDENTIFIER)
    name: str = Field(max_length=200)
    email: str = Field(max_length=300)
    document: str = Field(max_length=40)
    altcha: str = Field(default="", max_length=2000)


class ConfirmRequest(BaseModel):
    """`POST /v1/confirmations` body: the token from the confirmation mail's link."""

    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=16, max_length=64)


def describe(err: ValidationError) -> str:
    """Validation errors as `field: message; …`, without the offending values (they may be personal)."""
    parts = []
    for e in err.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "body"
        message = e["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where != "body" or ":" not in message else message)
    return "; ".join(parts)[:500]


def parse_slot(data: Any, slot_id: str) -> SlotData:
    """The body of `PUT …/slots/{slot_id}` as a slot; 422 when it is not one or names another id."""
    if not isinstance(data, dict):
        raise ServiceError(422, "invalid", "the body must be a slot object")
    try:
        slot = SlotInput.model_validate(data)
    except ValidationError as err:
        raise ServiceError(422, "invalid", describe(err)) from None
    if slot.id != slot_id:
        raise ServiceError(422, "invalid", "the body's id differs from the path's id")
    return slot.to_slot()


def parse_booking_request(data: Any) -> BookingRequest:
    if not isinstance(data, dict):
        raise ServiceError(422, "invalid", "the body must be an object {slot, name, email, document, altcha}")
    try:
        return BookingRequest.model_validate(data)
    except ValidationError as err:
        raise ServiceError(422, "invalid", describe(err)) from None


def parse_confirm_request(data: Any) -> ConfirmRequest:
    if not isinstance(data, dict):
        raise ServiceError(422, "invalid", "the body must be an object {token}")
    try:
        return ConfirmRequest.model_validate(data)
    except ValidationError as err:
        raise ServiceError(422, "invalid", describe(err)) from None


@overload
def parse_date(text: str | None, name: str = ..., required: Literal[True] = ...) -> dt.date: ...
@overload
def parse_date(text: str | None, name: str = ..., *, required: bool) -> dt.date | None: ...
def parse_date(text: str | None, name: str = "date", required: bool = True) -> dt.date | None:
    """A `YYYY-MM-DD` query parameter; 400 when malformed or missing (and required)."""
    if text is None or text == "":
        if required:
            raise ServiceError(400, "invalid", f"query parameter {name}=YYYY-MM-DD is required")
        return None
    if not re.match(DATE, text):
        raise ServiceError(400, "invalid", f"{name}: not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(400, "invalid", f"{name}: not a date (YYYY-MM-DD)") from None
