"""The booking rules over the database: publish (office side) and book, look up, cancel (citizens).

Every rule that protects a booking is enforced by the database statement itself (conditional UPDATE
or DELETE checked by its row count, UNIQUE constraints), so it holds under any number of concurrent
requests, processes or servers sharing one database. Python-side reads only choose the error message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .db import bookings, slots, writer
from .settings import Settings

#: Fields of a booked slot that never change: changing them would move the booking.
PINNED = ("date", "start", "end", "service")
CODE_BYTES = 16  # 128 random bits: secrets.token_urlsafe gives 22 characters
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.][^@\s]*\.[^@\s.]{2,}$")
_SPACES = re.compile(r"\s+")


class ServiceError(Exception):
    """A refusal with an HTTP status, a stable machine-readable code and an explanation.

    The message never contains a token, a confirmation code, a name or an e-mail address."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}
        super().__init__(message)


@dataclass(frozen=True)
class SlotData:
    """A validated slot of the publish contract, as stored (no `staff`: it is never stored)."""

    id: str
    date: dt.date
    start: str
    end: str
    service: str
    counter: str
    channel: str
    release_at: dt.datetime
    booking: str | None
    staff_ref: str | None = None

    @property
    def start_at(self) -> dt.datetime:
        return at(self.date, self.start)


@dataclass(frozen=True)
class Confirmation:
    code: str
    office: str
    slot: str
    date: dt.date
    start: str
    end: str
    service: str


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = int(hhmm[:2]), int(hhmm[3:5])
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)


def code_hash(code: str) -> str:
    """Codes are stored only as SHA-256: a copy of the database does not let anyone cancel bookings."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def clean_name(name: Any) -> str:
    text = _SPACES.sub(" ", name).strip() if isinstance(name, str) else ""
    if not text:
        raise ServiceError(422, "invalid", "name: please give a name")
    if len(text) > 100 or not text.isprintable():
        raise ServiceError(422, "invalid", "name: at most 100 printable characters")
    return text


def clean_email(email: Any) -> str:
    text = email.strip() if isinstance(email, str) else ""
    if not text:
        raise ServiceError(422, "invalid", "email: please give an e-mail address")
    if len(text) > 254 or not text.isprintable() or not _EMAIL.match(text):
        raise ServiceError(422, "invalid", "email: not an e-mail address")
    return text


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def mask_email(email: str) -> str:
    """`anna@example.org` -> `a***@example.org` (a looked-up booking does not repeat the address)."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def public_slot(row: Any) -> dict[str, Any]:
    """A stored slot as the contract's `Slot` (with `booked`, without who booked it)."""
    return {"id": row.id, "date": row.date.isoformat(), "start": row.start, "end": row.end,
            "service": row.service, "counter": row.counter, "channel": row.channel,
            "release_at": row.release_at.isoformat(timespec="seconds"), "booking": row.plan_booking,
            "booked": row.taken_by is not None or row.plan_booking is not None, "staff_ref": row.staff_ref}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Store:
    """Slots and bookings of every office, on one engine."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.write = writer(engine)
        self.settings = settings

    def now(self, office: str) -> dt.datetime:
        return self.settings.clock.now(self.settings.office(office).timezone)

    # ---- office side: the publish contract --------------------------------------------------------

    def published(self, office: str, day: dt.date) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots).where(slots.c.office == office, slots.c.date == day)
                                .order_by(slots.c.start_at, slots.c.id)).all()
        return [public_slot(r) for r in rows]

    def put_slot(self, office: str, slot: SlotData) -> tuple[int, dict[str, Any]]:
        """Create (201) or update (200) a slot. A booked slot keeps date, start, end and service (409)."""
        values = {"date": slot.date, "start": slot.start, "end": slot.end, "start_at": slot.start_at,
                  "service": slot.service, "counter": slot.counter, "channel": slot.channel,
                  "release_at": slot.release_at, "plan_booking": slot.booking, "staff_ref": slot.staff_ref}
        key = (slots.c.office == office) & (slots.c.id == slot.id)
        for attempt in range(3):
            try:
                with self.write.begin() as conn:
                    self._check_collisions(conn, office, slot)
                    row = conn.execute(select(slots).where(key).with_for_update()).first()
                    if row is None:
                        conn.execute(insert(slots).values(office=office, id=slot.id, taken_by=None,
                                                          updated_at=_utcnow(), **values))
                        status = 201
                    else:
                        status = 200
                        moved = [k for k in PINNED if getattr(row, k) != values[k]]
                        booked = row.taken_by is not None or row.plan_booking is not None
                        if moved and booked:
                            raise self._booked(slot.id, moved)
                        if any(getattr(row, k) != v for k, v in values.items()):
                            stmt = update(slots).where(key)
                            if moved:  # only an unbooked slot may move, decided by the database
                                stmt = stmt.where(slots.c.taken_by.is_(None), slots.c.plan_booking.is_(None))
                            if conn.execute(stmt.values(updated_at=_utcnow(), **values)).rowcount != 1:
                                raise self._booked(slot.id, moved)
                    stored = conn.execute(select(slots).where(key)).one()
                return status, public_slot(stored)
            except IntegrityError:
                if attempt == 2:  # a concurrent PUT of the same new id: the next round updates it
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _check_collisions(conn: Any, office: str, slot: SlotData) -> None:
        """409 `conflict` when `slot` overlaps another, booked slot at the same counter, or takes the staff
        member (same `staff_ref`) of an overlapping booked slot that has not been given somebody else."""
        overlapping = conn.execute(select(slots).where(
            slots.c.office == office, slots.c.date == slot.date, slots.c.id != slot.id,
            slots.c.start < slot.end, slots.c.end > slot.start,
            (slots.c.taken_by.is_not(None)) | (slots.c.plan_booking.is_not(None)),
        ).order_by(slots.c.start_at, slots.c.id)).all()
        for other in overlapping:
            if other.counter == slot.counter:
                raise ServiceError(409, "conflict", f"slot {slot.id} ({slot.start}–{slot.end}) overlaps booked "
                                   f"slot {other.id} ({other.start}–{other.end}) at counter {slot.counter}")
            if slot.staff_ref is not None and other.staff_ref == slot.staff_ref:
                raise ServiceError(409, "conflict", f"slot {slot.id} ({slot.start}–{slot.end}) would take the "
                                   f"staff member of booked slot {other.id} ({other.start}–{other.end}) away; "
                                   "publish the booked slot with its replacement first")

    @staticmethod
    def _booked(slot_id: str, moved: list[str]) -> ServiceError:
        return ServiceError(409, "booked", f"slot {slot_id} is booked; its {', '.join(moved)} cannot change")

    def withdraw(self, office: str, slot_id: str) -> None:
        """Delete an unbooked slot; 409 when booked, 404 when not published."""
        key = (slots.c.office == office) & (slots.c.id == slot_id)
        with self.write.begin() as conn:
            gone = conn.execute(delete(slots).where(key, slots.c.taken_by.is_(None),
                                                    slots.c.plan_booking.is_(None))).rowcount
            exists = gone == 0 and conn.execute(select(slots.c.id).where(key)).first() is not None
        if exists:
            raise ServiceError(409, "booked", f"slot {slot_id} is booked")
        if gone != 1:
            raise ServiceError(404, "not_found", f"slot {slot_id} is not published")

    # ---- citizens: what can be booked ---------------------------------------------------------------

    def _bookable(self, office: str, now: dt.datetime) -> Any:
        """The condition of a slot that a citizen may book at `now`: released, free, not yet begun."""
        return and_(slots.c.office == office, slots.c.taken_by.is_(None), slots.c.plan_booking.is_(None),
                    slots.c.release_at <= now, slots.c.start_at > now)

    def available(self, office: str, day: dt.date | None = None, service: str | None = None,
                  limit: int = 2000) -> list[Any]:
        """Released free slots of one day, or of today and later when `day` is None, by start."""
        now = self.now(office)
        query = select(slots).where(self._bookable(office, now))
        query = query.where(slots.c.date == day if day is not None else slots.c.date >= now.date())
        if service is not None:
            query = query.where(slots.c.service == service)
        with self.engine.connect() as conn:
            return conn.execute(query.order_by(slots.c.start_at, slots.c.id).limit(limit)).all()

    def next_releases(self, office: str, service: str) -> list[dt.datetime]:
        """Today's coming release moments of free same-day slots of `service` (when more go online)."""
        now = self.now(office)
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots.c.release_at).distinct().where(
                slots.c.office == office, slots.c.service == service, slots.c.date == now.date(),
                slots.c.release_at > now, slots.c.start_at > now, slots.c.taken_by.is_(None),
                slots.c.plan_booking.is_(None)).order_by(slots.c.release_at)).all()
        return [r.release_at for r in rows]

    def services(self, office: str) -> list[str]:
        """Request types with slots published for today or later (released or not)."""
        today = self.now(office).date()
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots.c.service).distinct().where(
                slots.c.office == office, slots.c.date >= today).order_by(slots.c.service)).all()
        return [r.service for r in rows]

    def offices(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots.c.office).distinct().order_by(slots.c.office)).all()
        return [r.office for r in rows]

    # ---- citizens: book, look up, cancel ---------------------------------------------------------

    def book(self, office: str, slot_id: str, name: str, email: str) -> Confirmation:
        """Book a released free slot. 404 unknown or not yet released, 409 taken, begun or over the limit."""
        name, email = clean_name(name), clean_email(email)
        for _attempt in range(3):
            now = self.now(office)
            row = self._citizen_slot(office, slot_id, now)
            key = self._active_key(office, row.service, row.date, email)
            self._check_limit(key, row)
            code = secrets.token_urlsafe(CODE_BYTES)
            try:
                with self.write.begin() as conn:
                    booking_id = conn.execute(insert(bookings).values(
                        code_hash=code_hash(code), office=office, slot=row.id, date=row.date, start=row.start,
                        end=row.end, service=row.service, name=name, email=email, created_at=_utcnow(),
                        cancelled_at=None, active_slot=f"{office}/{row.id}", active_key=key,
                    )).inserted_primary_key[0]
                    taken = conn.execute(update(slots).where(
                        self._bookable(office, now), slots.c.id == row.id, slots.c.date == row.date,
                        slots.c.start == row.start, slots.c.end == row.end, slots.c.service == row.service,
                    ).values(taken_by=booking_id)).rowcount
                    if taken != 1:
                        raise _Lost()
            except (IntegrityError, _Lost):
                continue  # somebody else was faster (or the slot changed): the next round says why
            return Confirmation(code=code, office=office, slot=row.id, date=row.date, start=row.start,
                                end=row.end, service=row.service)
        raise ServiceError(503, "unavailable", "too much contention; please try again", {"Retry-After": "1"})

    def _citizen_slot(self, office: str, slot_id: str, now: dt.datetime) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(slots).where(slots.c.office == office, slots.c.id == slot_id)).first()
        if row is None or row.release_at > now:  # not yet released = invisible
            raise ServiceError(404, "not_found", f"slot {slot_id} is not (yet) available")
        if row.start_at <= now:
            raise ServiceError(409, "past", f"slot {slot_id} has already begun")
        if row.taken_by is not None or row.plan_booking is not None:
            raise ServiceError(409, "taken", f"slot {slot_id} is already booked")
        return row

    @staticmethod
    def _active_key(office: str, service: str, day: dt.date, email: str) -> str:
        return f"{office}/{service}/{day.isoformat()}/{email_key(email)}"

    def _check_limit(self, key: str, row: Any) -> None:
        with self.engine.connect() as conn:
            held = conn.execute(select(bookings.c.id).where(bookings.c.active_key == key)).first()
        if held is not None:
            raise ServiceError(409, "limit", "this e-mail address already has an active booking for "
                               f"{row.service} on {row.date.isoformat()}; cancel it first to book another "
                               "time")

    def booking(self, code: str) -> dict[str, Any]:
        """The booking of a confirmation code: 404 when unknown."""
        row = self._by_code(code)
        return self._booking_view(row)

    def _by_code(self, code: str) -> Any:
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            raise ServiceError(404, "not_found", "no booking with this code")
        with self.engine.connect() as conn:
            row = conn.execute(select(bookings).where(bookings.c.code_hash == code_hash(code))).first()
        if row is None:
            raise ServiceError(404, "not_found", "no booking with this code")
        return row

    @staticmethod
    def _booking_view(row: Any) -> dict[str, Any]:
        return {"office": row.office, "slot": row.slot, "date": row.date.isoformat(), "start": row.start,
                "end": row.end, "service": row.service, "name": row.name, "email": mask_email(row.email),
                "status": "cancelled" if row.cancelled_at is not None else "active"}

    def cancel(self, code: str) -> dict[str, Any]:
        """Cancel a booking; its slot is free again at once. Cancelling twice is harmless; 409 once begun."""
        row = self._by_code(code)
        with self.write.begin() as conn:
            row = conn.execute(select(bookings).where(bookings.c.id == row.id).with_for_update()).one()
            if row.cancelled_at is None:
                if at(row.date, row.start) <= self.now(row.office):
                    raise ServiceError(409, "past", "the appointment has already begun and cannot be "
                                       "cancelled")
                conn.execute(update(bookings)
                             .where(bookings.c.id == row.id, bookings.c.cancelled_at.is_(None))
                             .values(cancelled_at=_utcnow(), active_slot=None, active_key=None))
                conn.execute(update(slots).where(slots.c.office == row.office, slots.c.id == row.slot,
                                                 slots.c.taken_by == row.id).values(taken_by=None))
            row = conn.execute(select(bookings).where(bookings.c.id == row.id)).one()
        return self._booking_view(row)

    def erase_old_personal_data(self) -> int:
        """Blank names and e-mail addresses of bookings older than `retention_days`; how many."""
        cutoff = self.settings.clock.now(self.settings.timezone).date() - dt.timedelta(
            days=self.settings.retention_days)
        with self.write.begin() as conn:
            return conn.execute(update(bookings).where(bookings.c.date < cutoff, bookings.c.email != "")
                                .values(name="", email="")).rowcount

    def day_bookings(self, office: str, day: dt.date) -> list[dict[str, Any]]:
        """The office's active bookings of one day with their slot's counter, by start (office side)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(bookings, slots.c.counter).join(
                slots, (slots.c.office == bookings.c.office) & (slots.c.id == bookings.c.slot), isouter=True,
            ).where(bookings.c.office == office, bookings.c.date == day, bookings.c.cancelled_at.is_(None))
                .order_by(bookings.c.start, bookings.c.slot)).all()
        return [{"slot": r.slot, "date": r.date.isoformat(), "start": r.start, "end": r.end, "service": r.service,
                 "counter": r.counter, "name": r.name} for r in rows]

    def count_active(self, office: str, slot_id: str) -> int:
        """Active bookings of one slot (0 or 1; for tests and monitoring)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(bookings).where(
                bookings.c.office == office, bookings.c.slot == slot_id, bookings.c.cancelled_at.is_(None),
            )).scalar_one()


class _Lost(Exception):
    """The conditional UPDATE found the slot no longer bookable."""
