"""The service's database: two tables in portable SQL (SQLite by default, PostgreSQL by URL).

`slots` holds what the office published; `bookings` what citizens booked. Double booking is
impossible in the database itself, not only in Python:

- a slot is taken by a conditional `UPDATE slots SET taken_by = … WHERE taken_by IS NULL AND
  plan_booking IS NULL …` whose row count must be 1, and
- `bookings.active_slot` (`office/slot` while the booking is active, NULL once cancelled) is UNIQUE, so
  two active bookings of one slot cannot both be committed; `bookings.active_key`
  (`office/service/date/sha256(e-mail)`) is UNIQUE in the same way, which enforces "one active booking
  per e-mail, request type and day" under concurrency too.

NULLs are distinct in UNIQUE constraints on SQLite and PostgreSQL alike, so cancelled bookings do not
collide. SQLite-only statements live in the connect/begin hooks below and nowhere else: WAL mode, a busy
timeout, `synchronous=FULL` (a confirmed booking survives a crash or power cut), and `BEGIN IMMEDIATE`
for write transactions (the write lock is taken up front, so a read-then-write transaction never fails
with a busy snapshot).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 10_000

metadata = MetaData()

slots = Table(
    "slots",
    metadata,
    Column("office", String(200), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("date", Date, nullable=False),
    Column("start", String(5), nullable=False),
    Column("end", String(5), nullable=False),
    Column("start_at", DateTime, nullable=False),
    Column("service", String(200), nullable=False),
    Column("counter", String(200), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("release_at", DateTime, nullable=False),
    # the `booking` the plan says this slot holds (made before the plan, outside this service)
    Column("plan_booking", String(200), nullable=True),
    # the office's opaque per-day pseudonym of the serving staff member (never shown to citizens)
    Column("staff_ref", String(64), nullable=True),
    # bookings.id of the active citizen booking that holds this slot
    Column("taken_by", Integer, nullable=True),
    # after a cancellation: only the same document (keyed hash) may book the slot until `reserved_until`
    Column("reserved_for", String(64), nullable=True),
    Column("reserved_until", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_slots_office_date_start", "office", "date", "start_at"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=True),  # set at confirmation
    Column("office", String(200), nullable=False),
    Column("slot", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("start", String(5), nullable=False),
    Column("end", String(5), nullable=False),
    Column("service", String(200), nullable=False),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("cancelled_at", DateTime, nullable=True),  # the office's local time (service clock)
    Column("active_slot", String(401), nullable=True),
    Column("active_key", String(500), nullable=True),
    # pending -> confirmed (by the link in the mail) -> cancelled; pending -> expired
    Column("status", String(16), nullable=False),
    # the office's local time (service clock) of the request, and until when a pending booking holds
    Column("requested_at", DateTime, nullable=False),
    Column("hold_until", DateTime, nullable=True),
    Column("confirm_hash", String(64), nullable=True),
    # HMAC of the document number (eAT or passport); the number itself is never stored
    Column("document_hash", String(64), nullable=False),
    Column("active_document", String(500), nullable=True),
    # check-in: attended or no_show (None: not yet marked)
    Column("attendance", String(16), nullable=True),
    UniqueConstraint("code_hash", name="uq_bookings_code_hash"),
    UniqueConstraint("confirm_hash", name="uq_bookings_confirm_hash"),
    UniqueConstraint("active_slot", name="uq_bookings_active_slot"),
    UniqueConstraint("active_key", name="uq_bookings_active_key"),
    UniqueConstraint("active_document", name="uq_bookings_active_document"),
    Index("ix_bookings_office_slot", "office", "slot"),
    Index("ix_bookings_office_requested", "office", "requested_at"),
    Index("ix_bookings_status_hold", "status", "hold_until"),
)

# ALTCHA solutions already used (a solved challenge books once); forgotten after they expire
used_challenges = Table(
    "used_challenges",
    metadata,
    Column("signature", String(128), primary_key=True),
    Column("expires_at", DateTime, nullable=False),
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite must be a file (the service is a multi-threaded server)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or str(parsed.database).startswith("file::memory:"):
            raise ValueError("--db: SQLite needs a file, e.g. sqlite:///slotplan-service.sqlite3")
        connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(parsed, connect_args=connect_args, pool_size=20, max_overflow=20, pool_timeout=30)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=30)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver leaves transactions alone; _sqlite_begin starts them
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    write = connection.get_execution_options().get("slotplan_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions take the write lock at once (SQLite)."""
    return engine.execution_options(slotplan_write=True)


def create_schema(engine: Engine) -> None:
    metadata.create_all(writer(engine))
