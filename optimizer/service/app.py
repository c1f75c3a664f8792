"""The FastAPI application: office side (publish contract), citizen JSON API and citizen pages.

`create_app(settings)` builds it; `slotplan serve` runs it with uvicorn. Handlers are thin: they
parse, call the `Store`, and turn `ServiceError` into the contract's `{error, message}` answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .challenge import new_challenge
from .db import create_schema, make_engine
from .flow import BookingFlow
from .mail import Mailer
from .models import IDENTIFIER, parse_booking_request, parse_confirm_request, parse_date, parse_slot
from .office_pages import add_office_pages
from .pages import add_pages, error_page
from .ratelimit import RateLimiter, retry_after
from .request_body import read_json
from .settings import Settings
from .store import ServiceError, Store

log = logging.getLogger("slotplan.service")

MAX_BATCH = 100
_IDENT = re.compile(IDENTIFIER)
_OFFICE_SIDE = re.compile(r"^(/v1/offices/[^/]+/(slots(/|$)|slot-batches$|statistics)|/buero/)")
_OFFICE_READS = re.compile(r"^/v1/offices/[^/]+/bookings$")
_PUBLISH_API = re.compile(
    r"^/v1/offices/[^/]+/(slots(/|$)|slot-batches$)"
)  # bearer token, not a browser: no Origin check
_BOOKING_ATTEMPT = re.compile(r"^(/v1/offices/[^/]+/bookings|/termine/[^/]+/buchen|/v1/bookings/[^/]+|/buchung.*)$")
_CODE_IN_PATH = re.compile(r"^(/v1/bookings/|/bestaetigen/)[^/]+")
STATUS_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "booked",
    413: "invalid",
    415: "invalid",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make browsers send `Origin: null` on our own forms
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
}


def error_response(err: ServiceError) -> JSONResponse:
    return JSONResponse(
        {"error": err.code, "message": err.message}, status_code=err.status, headers=err.headers or None
    )


def check_identifier(value: str, what: str) -> None:
    if len(value) > 200 or not _IDENT.match(value):
        raise ServiceError(404, "not_found", f"no such {what}")


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The service on `engine` (default: one made from `settings.db_url`), schema created if missing."""
    engine = engine if engine is not None else make_engine(settings.db_url)
    create_schema(engine)
    store = Store(engine, settings)
    flow = BookingFlow(store, settings, Mailer(settings.mail))
    limiter = RateLimiter()
    token_digest = _digest(settings.token) if settings.token else None

    def maintain(last_retention: dt.date | None) -> dt.date:
        """Expire unconfirmed holds; once a day (by the service clock) erase old personal data."""
        store.expire_holds()
        today = settings.clock.now(settings.timezone).date()
        if last_retention != today:
            erased = store.erase_old_personal_data()
            if erased:
                log.info("erased names and e-mail addresses of %d old booking(s)", erased)
        return today

    app_state: dict[str, Any] = {"retention": maintain(None)}

    async def maintenance() -> None:
        while True:
            await asyncio.sleep(settings.maintenance_interval_s)
            try:
                app_state["retention"] = await run_in_threadpool(maintain, app_state["retention"])
            except Exception:
                log.exception("maintenance round failed")

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(maintenance())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        engine.dispose()

    app = FastAPI(title="slotplan booking service", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings, app.state.store, app.state.limiter = settings, store, limiter
    app.state.maintenance = app_state

    # ---- cross-cutting: rate limits, security headers, a request log without secrets -----------------

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        path = request.url.path
        response: Response | None = None
        office_side = _OFFICE_SIDE.match(path) or (request.method == "GET" and _OFFICE_READS.match(path))
        if not office_side and not path.startswith("/static/") and path != "/healthz":
            client = client_of(request)
            wait = limiter.take(("citizen", client), settings.rate_limit_per_min)
            if not wait and request.method in ("POST", "DELETE") and _BOOKING_ATTEMPT.match(path):
                wait = limiter.take(("booking", client), settings.booking_limit_per_min)
            if wait:
                response = too_many(request, wait)
        if response is None and request.method not in ("GET", "HEAD", "OPTIONS") and not _PUBLISH_API.match(path):
            origin = request.headers.get("origin")
            if origin is not None and origin != own_origin(request):
                err = ServiceError(403, "forbidden", "cross-site request refused (Origin)")
                response = error_page(request, err) if wants_html(request) else error_response(err)
        if response is None:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        log.info(
            "%s %s %d %.0fms",
            request.method,
            _CODE_IN_PATH.sub(r"\1***", path),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    def too_many(request: Request, wait: float) -> Response:
        err = ServiceError(
            429, "rate_limited", "too many requests; please wait a moment", {"Retry-After": retry_after(wait)}
        )
        if wants_html(request):
            return error_page(request, err)
        return error_response(err)

    def own_origin(request: Request) -> str:
        """The service's own origin: that of SLOTPLAN_PUBLIC_URL, else the one the request was sent to."""
        if settings.mail.public_url:
            parts = settings.mail.public_url.split("/")
            return "/".join(parts[:3])
        return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"

    def wants_html(request: Request) -> bool:
        path = request.url.path
        return path == "/" or path.startswith(("/termine", "/buchung", "/bestaetigen", "/buero"))

    # ---- errors as {error, message} (or a page for the citizen pages) ---------------------------------

    @app.exception_handler(ServiceError)
    async def on_service_error(request: Request, err: ServiceError) -> Response:
        if wants_html(request):
            return error_page(request, err)
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, err: RequestValidationError) -> Response:
        where = "; ".join(
            ".".join(str(p) for p in e.get("loc", ())) + ": " + str(e.get("msg", "")) for e in err.errors()
        )
        return await on_service_error(request, ServiceError(422, "invalid", where[:500] or "invalid request"))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, err: StarletteHTTPException) -> Response:
        code = STATUS_CODES.get(err.status_code, "invalid" if err.status_code < 500 else "internal")
        message = err.detail if isinstance(err.detail, str) else "request refused"
        return await on_service_error(request, ServiceError(err.status_code, code, message, dict(err.headers or {})))

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def on_database_busy(request: Request, err: Exception) -> Response:
        log.warning("database unavailable: %s", type(err).__name__)
        busy = ServiceError(503, "unavailable", "the database is busy; try again", {"Retry-After": "1"})
        return await on_service_error(request, busy)

    # ---- office side: the publish contract ----------------------------------------------------------

    def authorize(request: Request, office: str, basic: bool = False) -> None:
        """The office token as `Authorization: Bearer`, or as the password of HTTP Basic (office pages,
        which ask the browser for it when `basic`)."""
        client = client_of(request)
        wait = limiter.blocked(("auth", client), settings.auth_failures_per_min)
        if wait:
            raise ServiceError(
                429, "rate_limited", "too many failed authentications", {"Retry-After": retry_after(wait)}
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":  # the office's browser: any user name, the token as password
            try:
                given = base64.b64decode(given.strip(), validate=True).decode("utf-8").partition(":")[2]
            except (ValueError, UnicodeDecodeError):
                given = ""
        ok = (
            token_digest is not None
            and scheme.lower() in ("bearer", "basic")
            and hmac.compare_digest(_digest(given.strip()), token_digest)
        )
        if not ok:
            limiter.take(("auth", client), settings.auth_failures_per_min)
            challenge = 'Basic realm="slotplan", charset="UTF-8"' if basic else "Bearer"
            raise ServiceError(401, "unauthorized", "missing or invalid bearer token", {"WWW-Authenticate": challenge})
        check_identifier(office, "office")
        if not settings.allows(office):
            raise ServiceError(403, "forbidden", f"this token may not publish for office {office}")

    @app.get("/v1/offices/{office}/slots")
    async def list_slots(request: Request, office: str, date: str | None = None) -> Any:
        authorize(request, office)
        day = parse_date(date)
        published = await run_in_threadpool(store.published, office, day)
        return {"office": office, "date": day.isoformat(), "slots": published}

    @app.put("/v1/offices/{office}/slots/{slot_id}")
    async def put_slot(request: Request, office: str, slot_id: str) -> Any:
        authorize(request, office)
        check_identifier(slot_id, "slot")
        slot = parse_slot(await read_json(request), slot_id)
        status, stored = await run_in_threadpool(store.put_slot, office, slot)
        return JSONResponse(stored, status_code=status)

    @app.post("/v1/offices/{office}/slot-batches")
    async def put_slot_batch(request: Request, office: str) -> Any:
        """Several PUTs in one transaction, all or none (booked slots that swap counters or people)."""
        authorize(request, office)
        data = await read_json(request)
        items = data.get("slots") if isinstance(data, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise ServiceError(422, "invalid", f"the body must be {{slots: [1 to {MAX_BATCH} slots]}}")
        batch = []
        for item in items:
            ident = item.get("id") if isinstance(item, dict) else None
            if not isinstance(ident, str):
                raise ServiceError(422, "invalid", "every slot needs an id")
            check_identifier(ident, "slot")
            batch.append(parse_slot(item, ident))
        if len({slot.id for slot in batch}) != len(batch):
            raise ServiceError(422, "invalid", "a slot id appears twice")
        stored = await run_in_threadpool(store.put_slots, office, batch)
        return {"slots": [body for _status, body in stored]}

    @app.get("/v1/offices/{office}/bookings")
    async def day_bookings(request: Request, office: str, date: str | None = None) -> Any:
        """The office's active bookings of a day (with names: the office's own check-in data)."""
        authorize(request, office)
        day = parse_date(date)
        rows = await run_in_threadpool(store.day_bookings, office, day)
        return {"office": office, "date": day.isoformat(), "bookings": rows}

    @app.delete("/v1/offices/{office}/slots/{slot_id}")
    async def withdraw_slot(request: Request, office: str, slot_id: str) -> Any:
        authorize(request, office)
        check_identifier(slot_id, "slot")
        await run_in_threadpool(store.withdraw, office, slot_id)
        return Response(status_code=204)

    # ---- citizens: JSON API ------------------------------------------------------------------------

    def citizen_office(office: str) -> None:
        check_identifier(office, "office")
        if not settings.allows(office):
            raise ServiceError(404, "not_found", "no such office")

    @app.get("/v1/offices/{office}/available")
    async def available(office: str, date: str | None = None, service: str | None = None) -> Any:
        citizen_office(office)
        day = parse_date(date, required=False)
        rows = await run_in_threadpool(store.available, office, day, service or None)
        return [{"id": r.id, "start": r.start, "end": r.end, "service": r.service} for r in rows]

    @app.get("/v1/offices/{office}/challenge")
    async def challenge(office: str) -> Any:
        citizen_office(office)
        return await run_in_threadpool(new_challenge, store, office)

    @app.post("/v1/offices/{office}/bookings", status_code=202)
    async def book(request: Request, office: str) -> Any:
        citizen_office(office)
        wanted = parse_booking_request(await read_json(request))
        held = await run_in_threadpool(flow.request, office, wanted, str(request.base_url))
        return JSONResponse(
            {
                "status": "pending",
                "slot": held.slot,
                "date": held.date.isoformat(),
                "start": held.start,
                "end": held.end,
                "service": held.service,
                "hold_until": held.hold_until.isoformat(timespec="minutes"),
            },
            status_code=202,
        )

    @app.post("/v1/confirmations", status_code=201)
    async def confirm(request: Request) -> Any:
        wanted = parse_confirm_request(await read_json(request))
        done = await run_in_threadpool(flow.confirm, wanted.token)
        return JSONResponse(
            {
                "code": done.code,
                "slot": done.slot,
                "date": done.date.isoformat(),
                "start": done.start,
                "end": done.end,
                "service": done.service,
            },
            status_code=201,
        )

    @app.get("/v1/bookings/{code}")
    async def look_up(code: str) -> Any:
        return await run_in_threadpool(store.booking, code)

    @app.delete("/v1/bookings/{code}")
    async def cancel(code: str) -> Any:
        await run_in_threadpool(store.cancel, code)
        return Response(status_code=204)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> Any:
        return {"ok": True}

    add_pages(app, store, settings, flow)
    add_office_pages(app, store, settings, authorize)
    return app
