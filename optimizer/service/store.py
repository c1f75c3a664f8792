"""The booking rules over the database: publish (office side) and book, look up, cancel (citizens).

Every rule that protects a booking is enforced by the database statement itself (conditional UPDATE
or DELETE checked by its row count, UNIQUE constraints), so it holds under any number of concurrent
requests, processes or servers sharing one database. Python-side reads only choose the error message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .db import bookings, slots, used_challenges, writer
from .settings import Settings

#: Fields of a booked slot that never change: changing them would move the booking.
PINNED = ("date", "start", "end", "service")
CODE_BYTES = 16  # 128 random bits: secrets.token_urlsafe gives 22 characters
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.][^@\s]*\.[^@\s.]{2,}$")
_SPACES = re.compile(r"\s+")
_DOCUMENT = re.compile(r"^[A-Z0-9]{5,20}$")


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
    email: str = ""


@dataclass(frozen=True)
class Pending:
    """A booking that holds its slot until `hold_until` unless confirmed with `token` (from the mail)."""

    token: str
    booking_id: int
    office: str
    slot: str
    date: dt.date
    start: str
    end: str
    service: str
    hold_until: dt.datetime


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = int(hhmm[:2]), int(hhmm[3:5])
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)


def code_hash(code: str) -> str:
    """Codes are stored only as SHA-256: a copy of the database does not let anyone cancel bookings."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


#: Format characters that real names use: zero-width non-joiner and joiner (Persian, Indic scripts);
#: every other format character (bidi controls U+202A–U+202E, U+2066–U+2069, …) is refused.
NAME_JOINERS = {"\u200c", "\u200d"}


def clean_name(name: Any) -> str:
    """A person's name: letters of any script with their combining marks and joiners (U+200C, U+200D),
    spaces, digits and punctuation; never control, bidi or other invisible format characters."""
    text = _SPACES.sub(" ", name).strip() if isinstance(name, str) else ""
    if not text:
        raise ServiceError(422, "invalid", "name: please give a name")
    if len(text) > 100 or not all(_name_char(c) for c in text):
        raise ServiceError(422, "invalid", "name: at most 100 characters, without control or bidi characters")
    return text


def _name_char(c: str) -> bool:
    if c in NAME_JOINERS:
        return True
    category = unicodedata.category(c)  # C*: control, format (bidi), private, unassigned; Zl/Zp: breaks
    return category[0] != "C" and category not in ("Zl", "Zp")


def clean_email(email: Any) -> str:
    text = email.strip() if isinstance(email, str) else ""
    if not text:
        raise ServiceError(422, "invalid", "email: please give an e-mail address")
    if len(text) > 254 or not text.isprintable() or not _EMAIL.match(text):
        raise ServiceError(422, "invalid", "email: not an e-mail address")
    return text


def normal_email(email: str) -> str:
    """The mailbox an address reaches, for the one-booking rule: lower case, without a `+tag`."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def email_key(email: str) -> str:
    return hashlib.sha256(normal_email(email).encode("utf-8")).hexdigest()


def clean_document(number: Any) -> str:
    """An eAT or passport number: letters and digits (spaces and hyphens dropped), upper case, 5–20."""
    text = re.sub(r"[\s-]+", "", number).upper() if isinstance(number, str) else ""
    if not _DOCUMENT.match(text):
        raise ServiceError(
            422, "invalid", "document: the number of the residence permit (eAT) or passport, 5 to 20 letters and digits"
        )
    return text


def document_hash(key: str, number: str) -> str:
    """The keyed hash (HMAC-SHA256) under which a document number is stored; the number never is."""
    return hmac.new(key.encode("utf-8"), clean_document(number).encode("utf-8"), hashlib.sha256).hexdigest()


def mask_email(email: str) -> str:
    """`anna@example.org` -> `a***@example.org` (a looked-up booking does not repeat the address)."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def public_slot(row: Any) -> dict[str, Any]:
    """A stored slot as the contract's `Slot` (with `booked`, without who booked it)."""
    return {
        "id": row.id,
        "date": row.date.isoformat(),
        "start": row.start,
        "end": row.end,
        "service": row.service,
        "counter": row.counter,
        "channel": row.channel,
        "release_at": row.release_at.isoformat(timespec="seconds"),
        "booking": row.plan_booking,
        "booked": row.taken_by is not None or row.plan_booking is not None,
        "staff_ref": row.staff_ref,
    }


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
        self.expire_holds(office)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(slots)
                .where(slots.c.office == office, slots.c.date == day)
                .order_by(slots.c.start_at, slots.c.id)
            ).all()
        return [public_slot(r) for r in rows]

    def put_slot(self, office: str, slot: SlotData) -> tuple[int, dict[str, Any]]:
        """Create (201) or update (200) a slot. A booked slot keeps date, start, end and service (409)."""
        return self.put_slots(office, [slot])[0]

    def put_slots(self, office: str, batch: list[SlotData]) -> list[tuple[int, dict[str, Any]]]:
        """Create or update several slots in one transaction, all or none. The collision check (409
        `conflict`) sees the batch's final state, so booked slots may swap counters or people."""
        for attempt in range(3):
            try:
                with self.write.begin() as conn:
                    done = [self._put(conn, office, slot) for slot in batch]
                    for slot, (_status, booked) in zip(batch, done, strict=True):
                        self._check_collisions(conn, office, slot, itself_booked=booked and len(batch) == 1)
                    stored = [
                        conn.execute(select(slots).where(slots.c.office == office, slots.c.id == slot.id)).one()
                        for slot in batch
                    ]
                return [(status, public_slot(row)) for (status, _booked), row in zip(done, stored, strict=True)]
            except IntegrityError:
                if attempt == 2:  # a concurrent PUT of the same new id: the next round updates it
                    raise
        raise AssertionError("unreachable")

    def _put(self, conn: Any, office: str, slot: SlotData) -> tuple[int, bool]:
        """Insert or update one slot inside `conn`'s transaction: (status, whether the slot is booked)."""
        values = {
            "date": slot.date,
            "start": slot.start,
            "end": slot.end,
            "start_at": slot.start_at,
            "service": slot.service,
            "counter": slot.counter,
            "channel": slot.channel,
            "release_at": slot.release_at,
            "plan_booking": slot.booking,
            "staff_ref": slot.staff_ref,
        }
        key = (slots.c.office == office) & (slots.c.id == slot.id)
        row = conn.execute(select(slots).where(key).with_for_update()).first()
        if row is None:
            conn.execute(insert(slots).values(office=office, id=slot.id, taken_by=None, updated_at=_utcnow(), **values))
            return 201, slot.booking is not None
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
        return 200, booked or slot.booking is not None

    @staticmethod
    def _check_collisions(conn: Any, office: str, slot: SlotData, itself_booked: bool) -> None:
        """409 `conflict` when `slot` overlaps another, booked slot at the same counter, or takes the staff
        member (same `staff_ref`) of an overlapping booked slot that has not been given somebody else.
        A booked slot's own single update may name a person another booked slot still shows: that is
        the replacement, and the other booked slot gets its own in the same publish (people may swap;
        a batch checks its final state instead)."""
        overlapping = conn.execute(
            select(slots)
            .where(
                slots.c.office == office,
                slots.c.date == slot.date,
                slots.c.id != slot.id,
                slots.c.start < slot.end,
                slots.c.end > slot.start,
                (slots.c.taken_by.is_not(None)) | (slots.c.plan_booking.is_not(None)),
            )
            .order_by(slots.c.start_at, slots.c.id)
        ).all()
        for other in overlapping:
            if other.counter == slot.counter:
                raise ServiceError(
                    409,
                    "conflict",
                    f"slot {slot.id} ({slot.start}–{slot.end}) overlaps booked "
                    f"slot {other.id} ({other.start}–{other.end}) at counter {slot.counter}",
                )
            if not itself_booked and slot.staff_ref is not None and other.staff_ref == slot.staff_ref:
                raise ServiceError(
                    409,
                    "conflict",
                    f"slot {slot.id} ({slot.start}–{slot.end}) would take the "
                    f"staff member of booked slot {other.id} ({other.start}–{other.end}) away; "
                    "publish the booked slot with its replacement first",
                )

    @staticmethod
    def _booked(slot_id: str, moved: list[str]) -> ServiceError:
        return ServiceError(409, "booked", f"slot {slot_id} is booked; its {', '.join(moved)} cannot change")

    def withdraw(self, office: str, slot_id: str) -> None:
        """Delete an unbooked slot; 409 when booked, 404 when not published."""
        key = (slots.c.office == office) & (slots.c.id == slot_id)
        with self.write.begin() as conn:
            gone = conn.execute(
                delete(slots).where(key, slots.c.taken_by.is_(None), slots.c.plan_booking.is_(None))
            ).rowcount
            exists = gone == 0 and conn.execute(select(slots.c.id).where(key)).first() is not None
        if exists:
            raise ServiceError(409, "booked", f"slot {slot_id} is booked")
        if gone != 1:
            raise ServiceError(404, "not_found", f"slot {slot_id} is not published")

    # ---- citizens: what can be booked ---------------------------------------------------------------

    def _bookable(self, office: str, now: dt.datetime, document: str | None = None) -> Any:
        """The condition of a slot that a citizen (with the document hash `document`, if known) may book at
        `now`: released, free, not yet begun, and not reserved for another document after a cancellation."""
        reserved = (slots.c.reserved_until.is_(None)) | (slots.c.reserved_until <= now)
        if document is not None:
            reserved = reserved | (slots.c.reserved_for == document)
        return and_(
            slots.c.office == office,
            slots.c.taken_by.is_(None),
            slots.c.plan_booking.is_(None),
            slots.c.release_at <= now,
            slots.c.start_at > now,
            reserved,
        )

    def available(
        self, office: str, day: dt.date | None = None, service: str | None = None, limit: int = 2000
    ) -> Sequence[Row[Any]]:
        """Released free slots of one day, or of today and later when `day` is None, by start."""
        self.expire_holds(office)
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
            rows = conn.execute(
                select(slots.c.release_at)
                .distinct()
                .where(
                    slots.c.office == office,
                    slots.c.service == service,
                    slots.c.date == now.date(),
                    slots.c.release_at > now,
                    slots.c.start_at > now,
                    slots.c.taken_by.is_(None),
                    slots.c.plan_booking.is_(None),
                )
                .order_by(slots.c.release_at)
            ).all()
        return [r.release_at for r in rows]

    def services(self, office: str) -> list[str]:
        """Request types with slots published for today or later (released or not)."""
        today = self.now(office).date()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(slots.c.service)
                .distinct()
                .where(slots.c.office == office, slots.c.date >= today)
                .order_by(slots.c.service)
            ).all()
        return [r.service for r in rows]

    def offices(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots.c.office).distinct().order_by(slots.c.office)).all()
        return [r.office for r in rows]

    # ---- citizens: book (pending), confirm, look up, cancel ---------------------------------------------

    def book(self, office: str, slot_id: str, name: str, email: str, document: str) -> Pending:
        """Hold a released free slot for `hold_minutes` as a pending booking, confirmed later with the
        returned token. 404 unknown or not yet released, 409 taken, begun or over a limit, 429 when the
        office takes more than `office_booking_limit_per_min` bookings a minute."""
        name, email = clean_name(name), clean_email(email)
        doc = document_hash(self.settings.document_key, document)
        self.expire_holds(office)
        for _attempt in range(3):
            now = self.now(office)
            row = self._citizen_slot(office, slot_id, now, doc)
            key = f"{office}/{row.service}/{row.date.isoformat()}/{email_key(email)}"
            doc_key = f"{office}/{row.service}/{row.date.isoformat()}/{doc}"
            self._check_limits(key, doc_key, row)
            token = secrets.token_urlsafe(CODE_BYTES)
            hold_until = now + dt.timedelta(minutes=self.settings.hold_minutes)
            try:
                with self.write.begin() as conn:
                    self._check_office_rate(conn, office, now)
                    inserted = conn.execute(
                        insert(bookings).values(
                            code_hash=None,
                            office=office,
                            slot=row.id,
                            date=row.date,
                            start=row.start,
                            end=row.end,
                            service=row.service,
                            name=name,
                            email=email,
                            created_at=_utcnow(),
                            cancelled_at=None,
                            active_slot=f"{office}/{row.id}",
                            active_key=key,
                            status="pending",
                            requested_at=now,
                            hold_until=hold_until,
                            confirm_hash=code_hash(token),
                            document_hash=doc,
                            active_document=doc_key,
                            attendance=None,
                        )
                    ).inserted_primary_key
                    assert inserted is not None  # a single-row insert always reports its key
                    booking_id = inserted[0]
                    taken = conn.execute(
                        update(slots)
                        .where(
                            self._bookable(office, now, doc),
                            slots.c.id == row.id,
                            slots.c.date == row.date,
                            slots.c.start == row.start,
                            slots.c.end == row.end,
                            slots.c.service == row.service,
                        )
                        .values(taken_by=booking_id, reserved_for=None, reserved_until=None)
                    ).rowcount
                    if taken != 1:
                        raise _Lost()
            except (IntegrityError, _Lost):
                continue  # somebody else was faster (or the slot changed): the next round says why
            return Pending(
                token=token,
                booking_id=booking_id,
                office=office,
                slot=row.id,
                date=row.date,
                start=row.start,
                end=row.end,
                service=row.service,
                hold_until=hold_until,
            )
        raise ServiceError(503, "unavailable", "too much contention; please try again", {"Retry-After": "1"})

    def _check_office_rate(self, conn: Any, office: str, now: dt.datetime) -> None:
        limit = self.settings.office_booking_limit_per_min
        if limit and self._recent(conn, office, now) >= limit:
            raise ServiceError(
                429,
                "rate_limited",
                "this office takes no more bookings this minute; please try again in a minute",
                {"Retry-After": "60"},
            )

    @staticmethod
    def _recent(conn: Any, office: str, now: dt.datetime) -> int:
        return conn.execute(
            select(func.count())
            .select_from(bookings)
            .where(bookings.c.office == office, bookings.c.requested_at > now - dt.timedelta(minutes=1))
        ).scalar_one()

    def recent_bookings(self, office: str) -> int:
        """Bookings (pending or not) requested at the office in the last minute."""
        with self.engine.connect() as conn:
            return self._recent(conn, office, self.now(office))

    def _citizen_slot(self, office: str, slot_id: str, now: dt.datetime, document: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(slots).where(slots.c.office == office, slots.c.id == slot_id)).first()
        if row is None or row.release_at > now:  # not yet released = invisible
            raise ServiceError(404, "not_found", f"slot {slot_id} is not (yet) available")
        if row.start_at <= now:
            raise ServiceError(409, "past", f"slot {slot_id} has already begun")
        reserved = row.reserved_until is not None and row.reserved_until > now and row.reserved_for != document
        if row.taken_by is not None or row.plan_booking is not None or reserved:
            raise ServiceError(409, "taken", f"slot {slot_id} is already booked")
        return row

    def _check_limits(self, key: str, doc_key: str, row: Any) -> None:
        with self.engine.connect() as conn:
            by_email = conn.execute(select(bookings.c.id).where(bookings.c.active_key == key)).first()
            by_document = conn.execute(select(bookings.c.id).where(bookings.c.active_document == doc_key)).first()
        when = f"{row.service} on {row.date.isoformat()}"
        if by_email is not None:
            raise ServiceError(
                409,
                "limit",
                f"this e-mail address already has an active booking for {when}; cancel it first to book another time",
            )
        if by_document is not None:
            raise ServiceError(
                409,
                "document_limit",
                f"this document already has an active booking for {when}; cancel it first to book another time",
            )

    def drop_pending(self, booking_id: int) -> None:
        """End a pending booking at once (its confirmation mail could not be sent); the slot is free."""
        with self.write.begin() as conn:
            conn.execute(update(slots).where(slots.c.taken_by == booking_id).values(taken_by=None))
            conn.execute(
                update(bookings)
                .where(bookings.c.id == booking_id, bookings.c.status == "pending")
                .values(
                    status="expired", cancelled_at=_utcnow(), active_slot=None, active_key=None, active_document=None
                )
            )

    def use_challenge(self, signature: str, expires_at: dt.datetime) -> bool:
        """Record a solved challenge; False when it was used before (a solution books once)."""
        try:
            with self.write.begin() as conn:
                conn.execute(insert(used_challenges).values(signature=signature[:128], expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def expire_holds(self, office: str | None = None) -> int:
        """End pending bookings whose hold is over; their slots are free again. How many."""
        with self.engine.connect() as conn:
            query = select(bookings.c.office).distinct().where(bookings.c.status == "pending")
            offices = [
                r.office for r in conn.execute(query if office is None else query.where(bookings.c.office == office))
            ]
        ended = 0
        for o in offices:
            now = self.now(o)
            with self.write.begin() as conn:
                over = [
                    r.id
                    for r in conn.execute(
                        select(bookings.c.id).where(
                            bookings.c.office == o, bookings.c.status == "pending", bookings.c.hold_until <= now
                        )
                    )
                ]
                if not over:
                    continue
                conn.execute(update(slots).where(slots.c.office == o, slots.c.taken_by.in_(over)).values(taken_by=None))
                ended += conn.execute(
                    update(bookings)
                    .where(bookings.c.id.in_(over), bookings.c.status == "pending")
                    .values(status="expired", cancelled_at=now, active_slot=None, active_key=None, active_document=None)
                ).rowcount
        return ended

    def pending(self, token: str) -> dict[str, Any]:
        """The booking behind a confirmation link (any status); 404 when unknown."""
        row = self._by_hash(bookings.c.confirm_hash, token)
        self.expire_holds(row.office)
        return self._booking_view(self._by_hash(bookings.c.confirm_hash, token))

    def confirm(self, token: str) -> Confirmation:
        """Confirm a pending booking with the token from its mail: it gets its code. 404 unknown, 409
        `expired` when the hold is over, `cancelled`; confirming twice answers 409 `confirmed`."""
        row = self._by_hash(bookings.c.confirm_hash, token)
        self.expire_holds(row.office)
        code = secrets.token_urlsafe(CODE_BYTES)
        with self.write.begin() as conn:
            done = conn.execute(
                update(bookings)
                .where(
                    bookings.c.id == row.id,
                    bookings.c.status == "pending",
                    bookings.c.hold_until > self.now(row.office),
                )
                .values(status="confirmed", code_hash=code_hash(code), hold_until=None)
            ).rowcount
            row = conn.execute(select(bookings).where(bookings.c.id == row.id)).one()
        if done != 1:
            messages = {
                "confirmed": "this booking is already confirmed",
                "expired": "the reservation has expired; please book again",
                "cancelled": "this booking was cancelled",
            }
            raise ServiceError(
                409, row.status if row.status in messages else "expired", messages.get(row.status, messages["expired"])
            )
        return Confirmation(
            code=code,
            office=row.office,
            slot=row.slot,
            date=row.date,
            start=row.start,
            end=row.end,
            service=row.service,
            email=row.email,
        )

    def booking(self, code: str) -> dict[str, Any]:
        """The booking of a confirmation code: 404 when unknown."""
        return self._booking_view(self._by_hash(bookings.c.code_hash, code))

    def _by_hash(self, column: Any, secret: str) -> Any:
        if not isinstance(secret, str) or not CODE_PATTERN.match(secret):
            raise ServiceError(404, "not_found", "no booking with this code")
        with self.engine.connect() as conn:
            row = conn.execute(select(bookings).where(column == code_hash(secret))).first()
        if row is None:
            raise ServiceError(404, "not_found", "no booking with this code")
        return row

    @staticmethod
    def _booking_view(row: Any) -> dict[str, Any]:
        status = {"confirmed": "active"}.get(row.status, row.status)
        return {
            "office": row.office,
            "slot": row.slot,
            "date": row.date.isoformat(),
            "start": row.start,
            "end": row.end,
            "service": row.service,
            "name": row.name,
            "email": mask_email(row.email),
            "status": status,
            "hold_until": row.hold_until.isoformat(timespec="minutes") if row.hold_until else None,
        }

    def cancel(self, code: str) -> dict[str, Any]:
        """Cancel a booking. Its slot is free again at once, but for `hold_minutes` only for the same
        document (no hand-over to a buyer). Cancelling twice is harmless; 409 once begun."""
        row = self._by_hash(bookings.c.code_hash, code)
        with self.write.begin() as conn:
            row = conn.execute(select(bookings).where(bookings.c.id == row.id).with_for_update()).one()
            if row.cancelled_at is None:
                now = self.now(row.office)
                if at(row.date, row.start) <= now:
                    raise ServiceError(409, "past", "the appointment has already begun and cannot be cancelled")
                conn.execute(
                    update(bookings)
                    .where(bookings.c.id == row.id, bookings.c.cancelled_at.is_(None))
                    .values(
                        cancelled_at=now, status="cancelled", active_slot=None, active_key=None, active_document=None
                    )
                )
                conn.execute(
                    update(slots)
                    .where(slots.c.office == row.office, slots.c.id == row.slot, slots.c.taken_by == row.id)
                    .values(
                        taken_by=None,
                        reserved_for=row.document_hash,
                        reserved_until=now + dt.timedelta(minutes=self.settings.hold_minutes),
                    )
                )
            row = conn.execute(select(bookings).where(bookings.c.id == row.id)).one()
        return self._booking_view(row)

    def erase_old_personal_data(self) -> int:
        """Blank names and e-mail addresses of bookings older than `retention_days`; how many. Used
        challenges that have expired are forgotten too."""
        now = self.settings.clock.now(self.settings.timezone)
        cutoff = now.date() - dt.timedelta(days=self.settings.retention_days)
        with self.write.begin() as conn:
            conn.execute(delete(used_challenges).where(used_challenges.c.expires_at < _utcnow()))
            return conn.execute(
                update(bookings).where(bookings.c.date < cutoff, bookings.c.email != "").values(name="", email="")
            ).rowcount

    def day_bookings(self, office: str, day: dt.date) -> list[dict[str, Any]]:
        """The office's active bookings of one day with their slot's counter, by start (office side)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bookings, slots.c.counter)
                .join(
                    slots,
                    (slots.c.office == bookings.c.office) & (slots.c.id == bookings.c.slot),
                    isouter=True,
                )
                .where(bookings.c.office == office, bookings.c.date == day, bookings.c.status == "confirmed")
                .order_by(bookings.c.start, bookings.c.slot)
            ).all()
        return [
            {
                "slot": r.slot,
                "date": r.date.isoformat(),
                "start": r.start,
                "end": r.end,
                "service": r.service,
                "counter": r.counter,
                "name": r.name,
                "attendance": r.attendance,
            }
            for r in rows
        ]

    # ---- office: check-in and statistics -------------------------------------------------------------

    def checkin_list(self, office: str, day: dt.date) -> Sequence[Row[Any]]:
        """The day's confirmed appointments with counter and attendance, by start (the office's own data)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(bookings, slots.c.counter)
                .join(
                    slots,
                    (slots.c.office == bookings.c.office) & (slots.c.id == bookings.c.slot),
                    isouter=True,
                )
                .where(bookings.c.office == office, bookings.c.date == day, bookings.c.status == "confirmed")
                .order_by(bookings.c.start, bookings.c.slot)
            ).all()

    def _confirmed(self, office: str, booking_id: int) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bookings).where(
                    bookings.c.office == office, bookings.c.id == booking_id, bookings.c.status == "confirmed"
                )
            ).first()
        if row is None:
            raise ServiceError(404, "not_found", "no confirmed booking with this number")
        return row

    def document_matches(self, office: str, booking_id: int, number: str) -> bool:
        """Whether the document shown at the counter is the one the booking was made with."""
        row = self._confirmed(office, booking_id)
        return hmac.compare_digest(document_hash(self.settings.document_key, number), row.document_hash)

    def mark(self, office: str, booking_id: int, attendance: str) -> None:
        """Record `attended` or `no_show` for a confirmed booking (a later mark replaces an earlier one)."""
        if attendance not in ("attended", "no_show"):
            raise ServiceError(422, "invalid", "attendance: attended or no_show")
        self._confirmed(office, booking_id)
        with self.write.begin() as conn:
            conn.execute(
                update(bookings)
                .where(bookings.c.office == office, bookings.c.id == booking_id, bookings.c.status == "confirmed")
                .values(attendance=attendance)
            )

    def statistics(self, office: str, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Per day and request type, in the history format (shared/tools/make_history.py): `requests`
        booking requests made that day; `booked` = `attended` + `no_show` + `cancelled` for appointments of
        that day, where `cancelled` counts cancellations on the appointment's own day (too late to give
        the slot to anyone), and an unmarked appointment counts as `no_show` once its day is over (before
        that it is not counted yet)."""
        today = self.now(office).date()
        rows: dict[tuple[dt.date, str], dict[str, Any]] = {}

        def row(day: dt.date, service: str) -> dict[str, Any]:
            return rows.setdefault(
                (day, service),
                {
                    "date": day,
                    "service": service,
                    "requests": 0,
                    "booked": 0,
                    "attended": 0,
                    "no_show": 0,
                    "cancelled": 0,
                },
            )

        with self.engine.connect() as conn:
            requested = conn.execute(
                select(bookings.c.requested_at, bookings.c.service).where(
                    bookings.c.office == office,
                    bookings.c.requested_at >= dt.datetime.combine(first, dt.time()),
                    bookings.c.requested_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
                )
            ).all()
            held = conn.execute(
                select(bookings).where(
                    bookings.c.office == office,
                    bookings.c.date >= first,
                    bookings.c.date <= last,
                    bookings.c.code_hash.is_not(None),
                )
            ).all()
        for r in requested:
            row(r.requested_at.date(), r.service)["requests"] += 1
        for b in held:
            if b.status == "cancelled":
                if b.cancelled_at.date() < b.date:
                    continue  # cancelled in time: the slot went back to others
                kind = "cancelled"
            elif b.attendance is not None:
                kind = b.attendance
            elif b.date < today:
                kind = "no_show"
            else:
                continue
            entry = row(b.date, b.service)
            entry[kind] += 1
            entry["booked"] += 1
        return [rows[k] for k in sorted(rows)]

    def count_active(self, office: str, slot_id: str) -> int:
        """Active (pending or confirmed) bookings of one slot (0 or 1; for tests and monitoring)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(bookings)
                .where(
                    bookings.c.office == office,
                    bookings.c.slot == slot_id,
                    bookings.c.cancelled_at.is_(None),
                )
            ).scalar_one()


class _Lost(Exception):
    """The conditional UPDATE found the slot no longer bookable."""
