"""The citizen pages: plain server-rendered German HTML (Jinja2), no JavaScript.

`/termine/{office}`: choose a request type, read its info text, see today's and upcoming released
slots, book with name and e-mail (a normal form POST), see the confirmation code. `/buchung`: look a
booking up by its code and cancel it. Codes travel only in POST bodies and pages, never in URLs.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from .challenge import new_challenge
from .flow import BookingFlow
from .request_body import read_body
from .settings import OfficeInfo, ServiceInfo, Settings
from .store import ServiceError, Store, clean_document, clean_email, clean_name, mask_email

HERE = Path(__file__).resolve().parent
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
MESSAGES = {  # error code -> what a citizen reads
    "taken": "Dieser Termin wurde gerade von jemand anderem gebucht. Bitte wählen Sie einen anderen Termin.",
    "past": "Dieser Termin hat bereits begonnen. Bitte wählen Sie einen späteren Termin.",
    "not_found": "Dieser Termin ist nicht (mehr) buchbar. Bitte wählen Sie einen anderen Termin.",
    "limit": (
        "Mit dieser E-Mail-Adresse ist für dieses Anliegen an diesem Tag bereits ein Termin gebucht. "
        "Pro Person ist nur ein Termin je Anliegen und Tag möglich. Sagen Sie den anderen Termin "
        "zuerst ab, wenn Sie umbuchen möchten."
    ),
    "rate_limited": ("Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es erneut."),
    "unavailable": "Der Dienst ist gerade stark ausgelastet. Bitte versuchen Sie es in einem Moment erneut.",
    "document_limit": (
        "Mit diesem Dokument ist für dieses Anliegen an diesem Tag bereits ein Termin gebucht. "
        "Pro Person ist nur ein Termin je Anliegen und Tag möglich."
    ),
    "challenge": (
        "Die Sicherheitsprüfung ist fehlgeschlagen oder abgelaufen. Bitte warten Sie, bis sie "
        "abgeschlossen ist, und senden Sie das Formular erneut."
    ),
    "csrf": (
        "Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte laden Sie die Seite neu und "
        "versuchen Sie es erneut."
    ),
    "forbidden": "Diese Anfrage kam nicht von dieser Seite und wurde abgelehnt.",
}
CSRF_COOKIE = "slotplan_csrf"
_CSRF = re.compile(r"^[A-Za-z0-9_-]{22,64}$")

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def german_date(day: dt.date, today: dt.date | None = None) -> str:
    text = f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"
    if today is not None and day == today:
        return f"Heute, {text}"
    if today is not None and day == today + dt.timedelta(days=1):
        return f"Morgen, {text}"
    return text


def paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with forms: the CSRF token (double submit: a SameSite=Strict cookie that the forms repeat)
    goes into the forms, and the cookie is set when the browser has none yet."""
    token = request.cookies.get(CSRF_COOKIE, "")
    fresh = not _CSRF.match(token)
    if fresh:
        token = secrets.token_urlsafe(24)
    response = render(template, status, csrf=token, **context)
    if fresh:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", path="/", secure=request.url.scheme == "https"
        )
    return response


def error_page(request: Request, err: ServiceError) -> Response:
    message = MESSAGES.get(err.code) or {
        404: "Diese Seite gibt es nicht.",
        413: "Die Anfrage ist zu groß.",
        422: "Die Eingaben sind ungültig.",
    }.get(err.status, "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.")
    response = render("error.html", status=err.status, title="Es gibt ein Problem", message=message)
    for name, value in err.headers.items():
        response.headers[name] = value
    return response


async def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body as a dict (first value of each field), after the
    CSRF check: its `csrf` field must equal the cookie (403 `csrf` otherwise)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise ServiceError(415, "invalid", "a form is expected")
    body = await read_body(request, limit=8 * 1024)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise ServiceError(400, "invalid", "the form could not be read") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not _CSRF.match(cookie) or not hmac.compare_digest(form.get("csrf", "").encode(), cookie.encode()):
        raise ServiceError(403, "csrf", "the form's CSRF token is missing or does not match")
    return form


def form_errors(values: dict[str, str]) -> dict[str, str]:
    """What is wrong with the booking form's fields, in German, by field (all at once)."""
    errors: dict[str, str] = {}
    if not values["slot"]:
        errors["slot"] = "Bitte wählen Sie einen Termin."
    try:
        clean_name(values["name"])
    except ServiceError:
        errors["name"] = (
            "Bitte geben Sie Ihren Namen ein."
            if not values["name"].strip()
            else "Bitte geben Sie Ihren Namen mit höchstens 100 Zeichen ein."
        )
    try:
        clean_email(values["email"])
    except ServiceError:
        errors["email"] = (
            "Bitte geben Sie Ihre E-Mail-Adresse ein."
            if not values["email"].strip()
            else "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."
        )
    try:
        clean_document(values["dokument"])
    except ServiceError:
        errors["dokument"] = (
            "Bitte geben Sie die Nummer Ihres Aufenthaltstitels oder Passes ein."
            if not values["dokument"].strip()
            else "Die Nummer besteht aus 5 bis 20 Buchstaben und Ziffern, z. B. L01X00T47."
        )
    return errors


@dataclass(frozen=True)
class BookingForm:
    slot: str
    name: str
    email: str
    document: str
    altcha: str


def add_pages(app: FastAPI, store: Store, settings: Settings, flow: BookingFlow) -> None:
    css = (HERE / "static" / "style.css").read_bytes()
    script = (HERE / "static" / "altcha.js").read_bytes()

    def office_or_404(office: str) -> OfficeInfo:
        known = office in settings.offices or office in store.offices()
        if not settings.allows(office) or not known:
            raise ServiceError(404, "not_found", "no such office")
        return settings.office(office)

    def service_list(info: OfficeInfo) -> list[ServiceInfo]:
        listed = list(info.services)
        ids = {s.id for s in listed}
        listed += [info.service(s) for s in store.services(info.id) if s not in ids]
        return listed

    def office_page(
        request: Request,
        info: OfficeInfo,
        chosen_id: str | None,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> HTMLResponse:
        services = service_list(info)
        chosen = next((s for s in services if s.id == chosen_id), None)
        errors = dict(errors or {})
        if chosen_id and chosen is None:
            errors.setdefault("anliegen", "Dieses Anliegen gibt es hier nicht. Bitte wählen Sie aus der Liste.")
            status = 404 if status == 200 else status
        now = store.now(info.id)
        days: OrderedDict[dt.date, list[Any]] = OrderedDict()
        releases: list[str] = []
        if chosen is not None:
            for row in store.available(info.id, None, chosen.id):
                days.setdefault(row.date, []).append(row)
            releases = [m.strftime("%H:%M") for m in store.next_releases(info.id, chosen.id)]
        day_list = [{"date": d, "label": german_date(d, now.date()), "slots": rows} for d, rows in days.items()]
        challenge = new_challenge(store, info.id) if day_list else {}
        return page(
            request,
            "office.html",
            status=status,
            office=info,
            services=services,
            chosen=chosen,
            info=paragraphs(chosen.info) if chosen else [],
            days=day_list,
            releases=releases,
            errors=errors,
            values=values or {},
            today=german_date(now.date()),
            now=now.strftime("%H:%M"),
            quote=quote,
            challenge=challenge,
            hold_minutes=settings.hold_minutes,
        )

    @app.get("/static/style.css", include_in_schema=False)
    async def stylesheet() -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/static/altcha.js", include_in_schema=False)
    async def altcha_script() -> Response:
        return Response(script, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        ids = sorted(set(settings.offices) | set(await run_in_threadpool(store.offices)))
        ids = [o for o in ids if settings.allows(o)]
        if len(ids) == 1:
            return RedirectResponse(f"/termine/{quote(ids[0], safe='')}", status_code=303)
        return render("index.html", offices=[settings.office(o) for o in ids])

    @app.get("/termine/{office}", include_in_schema=False)
    async def office_view(request: Request, office: str, anliegen: str | None = None) -> Response:
        info = await run_in_threadpool(office_or_404, office)
        return await run_in_threadpool(office_page, request, info, anliegen or None)

    @app.post("/termine/{office}/buchen", include_in_schema=False)
    async def office_book(request: Request, office: str) -> Response:
        info = await run_in_threadpool(office_or_404, office)
        form = await read_form(request)
        service_id = form.get("anliegen", "").strip() or None
        values = {k: form.get(k, "") for k in ("name", "email", "slot", "dokument")}
        errors = form_errors(values)
        if errors:
            return await run_in_threadpool(
                partial(office_page, request, info, service_id, status=422, errors=errors, values=values)
            )
        wanted = BookingForm(
            slot=values["slot"],
            name=values["name"],
            email=values["email"],
            document=values["dokument"],
            altcha=form.get("altcha", ""),
        )
        try:
            held = await run_in_threadpool(flow.request, info.id, wanted, str(request.base_url))
        except ServiceError as err:
            field = {"limit": "email", "document_limit": "dokument", "challenge": "altcha"}.get(err.code, "slot")
            if err.code in MESSAGES and err.status < 500 and err.code != "rate_limited":
                errors[field] = MESSAGES[err.code]
                if field == "slot":
                    values["slot"] = ""
            else:
                raise
            return await run_in_threadpool(
                partial(office_page, request, info, service_id, status=err.status, errors=errors, values=values)
            )
        return render(
            "pending.html",
            status=202,
            office=info,
            service=info.service(held.service),
            booking=held,
            day=german_date(held.date),
            email=mask_email(values["email"].strip()),
            hold_until=held.hold_until.strftime("%H:%M"),
        )

    @app.get("/bestaetigen/{token}", include_in_schema=False)
    async def confirm_form(request: Request, token: str) -> Response:
        view = await run_in_threadpool(store.pending, token)
        info = settings.office(view["office"])
        return page(
            request,
            "confirm.html",
            booking=view,
            token=token,
            office=info,
            service=info.service(view["service"]),
            day=german_date(dt.date.fromisoformat(view["date"])),
            hold_until=(view["hold_until"] or "")[11:16],
        )

    @app.post("/bestaetigen", include_in_schema=False)
    async def confirm_booking(request: Request) -> Response:
        form = await read_form(request)
        token = form.get("token", "")
        try:
            done = await run_in_threadpool(flow.confirm, token)
        except ServiceError as err:
            if err.status != 409:
                raise
            return await confirm_form(request, token)
        info = settings.office(done.office)
        service = info.service(done.service)
        return render(
            "confirmation.html",
            status=201,
            office=info,
            service=service,
            booking=done,
            day=german_date(done.date),
            info=paragraphs(service.info),
        )

    @app.get("/buchung", include_in_schema=False)
    async def booking_form(request: Request) -> Response:
        return page(
            request,
            "booking.html",
            booking=None,
            error=None,
            code="",
            cancelled=False,
            office=None,
            service=None,
            day=None,
        )

    async def show_booking(request: Request, code: str, *, cancel: bool) -> Response:
        code = code.strip()
        try:
            view = await run_in_threadpool(store.cancel if cancel else store.booking, code)
        except ServiceError as err:
            if err.status != 404 and err.code != "past":
                raise
            message = (
                "Zu diesem Code gibt es keine Buchung. Bitte prüfen Sie den Code."
                if err.status == 404
                else "Der Termin hat bereits begonnen und kann nicht mehr abgesagt werden."
            )
            return page(
                request,
                "booking.html",
                status=err.status,
                booking=None,
                error=message,
                code=code,
                cancelled=False,
                office=None,
                service=None,
                day=None,
            )
        info = settings.office(view["office"])
        day = german_date(dt.date.fromisoformat(view["date"]))
        return page(
            request,
            "booking.html",
            booking=view,
            error=None,
            code=code,
            cancelled=cancel,
            office=info,
            service=info.service(view["service"]),
            day=day,
        )

    @app.post("/buchung", include_in_schema=False)
    async def booking_lookup(request: Request) -> Response:
        form = await read_form(request)
        return await show_booking(request, form.get("code", ""), cancel=False)

    @app.post("/buchung/absagen", include_in_schema=False)
    async def booking_cancel(request: Request) -> Response:
        form = await read_form(request)
        return await show_booking(request, form.get("code", ""), cancel=True)
