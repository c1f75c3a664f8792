"""The office's day, behind the office token (HTTP Basic in the browser, or Bearer):

- `/buero/{office}/checkin?date=`: today's confirmed appointments (time, request type, counter, name),
  a document check per appointment (does the eAT or passport shown match the booking's?), and buttons
  for attended and no-show; `…/checkin.csv` the same list as CSV;
- `GET /v1/offices/{office}/statistics?from=&to=`: the history CSV of shared/tools/make_history.py
  (`date;service;requests;booked;attended;no_show;cancelled`), for the forecast to learn from.

Pages are German like the office's other tools; CSV cells are safe from formula injection.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..export.cells import safe_text
from .models import parse_date
from .pages import german_date, page, read_form
from .settings import Settings
from .store import ServiceError, Store

HISTORY_COLUMNS = ("date", "service", "requests", "booked", "attended", "no_show", "cancelled")
ATTENDANCE = {"attended": "erschienen", "no_show": "nicht erschienen", None: "offen"}


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def add_office_pages(app: FastAPI, store: Store, settings: Settings, authorize: Callable[..., None]) -> None:
    def checkin_page(
        request: Request, office: str, day: dt.date, checks: dict[int, bool] | None = None, status: int = 200
    ) -> Response:
        info = settings.office(office)
        rows = store.checkin_list(office, day)
        return page(
            request,
            "checkin.html",
            status=status,
            office=info,
            day=day,
            label=german_date(day),
            rows=rows,
            checks=checks or {},
            attendance=ATTENDANCE,
            quote=quote,
            service_name=lambda s: info.service(s).name,
        )

    @app.get("/buero/{office}/checkin", include_in_schema=False)
    async def checkin(request: Request, office: str, date: str | None = None) -> Response:
        authorize(request, office, basic=True)
        day = parse_date(date, required=False) or store.now(office).date()
        return await run_in_threadpool(checkin_page, request, office, day)

    @app.get("/buero/{office}/checkin.csv", include_in_schema=False)
    async def checkin_csv(request: Request, office: str, date: str | None = None) -> Response:
        authorize(request, office, basic=True)
        day = parse_date(date, required=False) or store.now(office).date()
        rows = await run_in_threadpool(store.checkin_list, office, day)
        table = [["date", "start", "end", "service", "counter", "name", "attendance"]]
        table += [
            [
                r.date.isoformat(),
                r.start,
                r.end,
                safe_text(r.service),
                safe_text(r.counter),
                safe_text(r.name),
                r.attendance or "",
            ]
            for r in rows
        ]
        return Response(
            _csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="checkin_{office}_{day.isoformat()}.csv"'},
        )

    @app.post("/buero/{office}/checkin", include_in_schema=False)
    async def checkin_action(request: Request, office: str) -> Response:
        authorize(request, office, basic=True)
        form = await read_form(request)
        day = parse_date(form.get("date"), required=True)
        try:
            booking_id = int(form.get("booking", ""))
        except ValueError:
            raise ServiceError(422, "invalid", "booking: a booking number") from None
        if form.get("action") == "check":
            matches = await run_in_threadpool(store.document_matches, office, booking_id, form.get("dokument", ""))
            return await run_in_threadpool(checkin_page, request, office, day, {booking_id: matches})
        await run_in_threadpool(store.mark, office, booking_id, form.get("action", ""))
        return RedirectResponse(
            f"/buero/{quote(office, safe='')}/checkin?date={day.isoformat()}#b{booking_id}", status_code=303
        )

    @app.get("/v1/offices/{office}/statistics")
    async def statistics(request: Request, office: str) -> Response:
        authorize(request, office, basic=True)
        first = parse_date(request.query_params.get("from"), "from")
        last = parse_date(request.query_params.get("to"), "to")
        if first is None or last is None or last < first or (last - first).days > 3660:
            raise ServiceError(400, "invalid", "from <= to, at most ten years")
        rows = await run_in_threadpool(store.statistics, office, first, last)
        table = [list(HISTORY_COLUMNS)] + [
            [r["date"].isoformat(), safe_text(r["service"])] + [r[k] for k in HISTORY_COLUMNS[2:]] for r in rows
        ]
        return Response(
            _csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="history_{office}.csv"'},
        )
