"""The reference booking service (optimizer/service) over real HTTP.

Most rules are checked against the application served in this process (uvicorn in a thread) with a
clock the test moves; concurrency, crash safety and release times against `slotplan serve` processes.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from html import unescape
from pathlib import Path

import httpx
import pytest
from service_support import (
    DAY,
    OFFICE,
    SAMPLE,
    TOKEN,
    ServiceProcess,
    active_bookings,
    auth,
    confirm,
    document_of,
    mail_environ,
    publish_slots,
    request_booking,
    slot,
    solved_challenge,
    threaded_service,
)
from service_support import book as book_flow
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from typer.testing import CliRunner

from optimizer.cli.main import app as cli
from optimizer.service.challenge import solve
from optimizer.service.db import metadata
from optimizer.service.settings import SettingsError, build_settings
from optimizer.service.store import ServiceError, clean_name

SUPPORT = Path(__file__).resolve().parent / "service_support.py"
CODE = re.compile(r"^[A-Za-z0-9_-]{22,}$")


@pytest.fixture
def svc(tmp_path):
    with threaded_service(tmp_path / "svc.sqlite3") as handle:
        handle.http = httpx.Client(base_url=handle.url, timeout=10.0)
        yield handle
        handle.http.close()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def book(
    server,
    slot_id: str,
    email: str = "anna@example.org",
    name: str = "Anna Beispiel",
    office: str = OFFICE,
    document: str | None = None,
) -> httpx.Response:
    """The whole booking (challenge, request, mail, confirmation): 201 with the code, or the refusal."""
    return book_flow(server, slot_id, email=email, name=name, office=office, document=document)


def available(http: httpx.Client, date: str = DAY, service: str | None = None) -> list[dict]:
    params = {"date": date} | ({"service": service} if service else {})
    response = http.get(f"/v1/offices/{OFFICE}/available", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def published(http: httpx.Client, date: str = DAY) -> dict[str, dict]:
    response = http.get(f"/v1/offices/{OFFICE}/slots", params={"date": date}, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["office"] == OFFICE and body["date"] == date
    return {s["id"]: s for s in body["slots"]}


# ---- office side: the publish contract ---------------------------------------------------------------


def test_publish_contract_create_update_list_withdraw(svc):
    http = svc.http
    a, b = slot("08:00", staff="S001"), slot("07:30", counter="C02")
    url_a = f"/v1/offices/{OFFICE}/slots/{a['id']}"
    first = http.put(url_a, json=a, headers=auth())
    assert first.status_code == 201
    assert first.json() == {k: v for k, v in a.items() if k != "staff"} | {"booked": False, "staff_ref": None}
    assert http.put(url_a, json=a, headers=auth()).status_code == 200  # idempotent
    assert publish_slots(svc.url, [b]) == [201]
    listed = http.get(f"/v1/offices/{OFFICE}/slots", params={"date": DAY}, headers=auth()).json()["slots"]
    assert [s["id"] for s in listed] == [b["id"], a["id"]]  # by start, then id
    assert all("staff" not in s for s in listed)
    # release_at without seconds is accepted and answered with seconds
    changed = a | {"counter": "C03", "release_at": "2024-04-08T07:45"}
    answer = http.put(url_a, json=changed, headers=auth())
    assert answer.status_code == 200 and answer.json()["counter"] == "C03"
    assert answer.json()["release_at"] == "2024-04-08T07:45:00"
    assert http.delete(url_a, headers=auth()).status_code == 204
    assert http.delete(url_a, headers=auth()).status_code == 404  # a retried withdrawal
    assert list(published(http)) == [b["id"]]
    assert published(http, "2024-04-23") == {}
    with sqlite3.connect(svc.settings.db_url.removeprefix("sqlite:///")) as conn:
        dump = "\n".join(conn.iterdump())
    assert "S001" not in dump  # staff never stored


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ([1, 2], 422),
        ({"id": "x"}, 422),
        (slot("08:00") | {"id": "other-id"}, 422),
        (slot("08:00") | {"end": "07:00"}, 422),
        (slot("08:00") | {"channel": "walk_in"}, 422),
        (slot("08:00") | {"date": "2024-02-30"}, 422),
        (slot("08:00") | {"release_at": "2024-04-08 07:30"}, 422),
    ],
)
def test_publish_rejects_malformed_slots(svc, body, status):
    path = f"/v1/offices/{OFFICE}/slots/{slot('08:00')['id']}"
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    response = svc.http.put(path, headers=auth() | {"Content-Type": "application/json"}, **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == "invalid" and response.json()["message"]
    assert published(svc.http) == {}


def test_office_side_needs_the_token(svc):
    http = svc.http
    path = f"/v1/offices/{OFFICE}/slots"
    assert http.get(path, headers=auth()).status_code == 400  # date is required
    assert http.get(path, params={"date": "22.04.2024"}, headers=auth()).status_code == 400
    wrong = (
        {},
        {"Authorization": "Bearer wrong-token-0000000000"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    )
    for headers in wrong:
        response = http.get(path, params={"date": DAY}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized" and TOKEN not in response.text
    assert http.put(f"{path}/{slot('08:00')['id']}", json=slot("08:00")).status_code == 401
    # five failures from one client in a row: it waits before it may try again, even with the token
    blocked = http.get(path, params={"date": DAY}, headers=auth())
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


def test_booked_slots_are_never_moved_or_withdrawn(svc):
    http = svc.http
    citizen, planned, free = slot("08:00"), slot("08:15", booking="B00001"), slot("08:30")
    publish_slots(svc.url, [citizen, planned, free])
    assert book(svc, citizen["id"]).status_code == 201
    stored = published(http)
    assert [stored[s["id"]]["booked"] for s in (citizen, planned, free)] == [True, True, False]
    assert stored[citizen["id"]]["booking"] is None  # who booked stays private
    for s in (citizen, planned):
        url = f"/v1/offices/{OFFICE}/slots/{s['id']}"
        for change in ({"start": "09:00", "end": "09:15"}, {"service": "eat_ausgabe"}, {"date": "2024-04-23"}):
            response = http.put(url, json=s | change, headers=auth())
            assert response.status_code == 409 and response.json()["error"] == "booked"
        assert http.delete(url, headers=auth()).status_code == 409
        moved = http.put(url, json=s | {"counter": "C07", "channel": "calendar"}, headers=auth())
        assert moved.status_code == 200 and moved.json()["booked"] and moved.json()["counter"] == "C07"
    after = published(http)
    assert {k: after[citizen["id"]][k] for k in ("date", "start", "end", "service")} == {
        k: citizen[k] for k in ("date", "start", "end", "service")
    }
    # an unbooked slot moves freely
    response = http.put(
        f"/v1/offices/{OFFICE}/slots/{free['id']}", json=free | {"start": "11:00", "end": "11:15"}, headers=auth()
    )
    assert response.status_code == 200 and response.json()["start"] == "11:00"
    # a slot the plan says is booked cannot be booked by citizens
    assert [s["id"] for s in available(http)] == [free["id"]]
    assert book(svc, planned["id"], email="bob@example.org").status_code == 409


# ---- citizens: release, booking, cancelling ----------------------------------------------------------


def test_release_times_decide_what_can_be_seen_and_booked(svc):
    http = svc.http
    calendar, same_day = slot("11:00"), slot("10:30", channel="same_day", release_at=f"{DAY}T10:00:00", n=2)
    publish_slots(svc.url, [calendar, same_day])
    svc.clock.set(at("2024-04-07T23:59"))  # the day before the calendar slot's release day
    assert available(http) == []
    assert book(svc, calendar["id"]).status_code == 404
    svc.clock.set(at(f"{DAY}T09:59"))
    assert [s["id"] for s in available(http)] == [calendar["id"]]
    denied = book(svc, same_day["id"])
    assert denied.status_code == 404 and denied.json()["error"] == "not_found"
    svc.clock.set(at(f"{DAY}T10:00"))
    assert available(http)[0] == {"id": same_day["id"], "start": "10:30", "end": "10:45", "service": "uebertrag"}
    assert book(svc, same_day["id"]).status_code == 201
    svc.clock.set(at(f"{DAY}T11:00"))
    assert available(http) == []  # 10:30 is taken, 11:00 has begun
    late = book(svc, calendar["id"], email="late@example.org")
    assert late.status_code == 409 and late.json()["error"] == "past"


def test_available_filters_by_day_and_service(svc):
    http = svc.http
    slots = [slot("08:00"), slot("08:00", service="eat_ausgabe", minutes=10), slot("08:00", date="2024-04-23")]
    publish_slots(svc.url, slots)
    assert [s["service"] for s in available(http)] == ["eat_ausgabe", "uebertrag"]
    assert available(http, service="eat_ausgabe") == [
        {"id": slots[1]["id"], "start": "08:00", "end": "08:10", "service": "eat_ausgabe"}
    ]
    assert [s["id"] for s in available(http, date="2024-04-23")] == [slots[2]["id"]]
    assert http.get(f"/v1/offices/{OFFICE}/available", params={"date": "morgen"}).status_code == 400
    assert http.get("/v1/offices/unknown-office/available").json() == []


def test_book_look_up_and_cancel(svc):
    http = svc.http
    s = slot("08:00")
    publish_slots(svc.url, [s])
    response = book(svc, s["id"], email="Anna@Example.org")
    assert response.status_code == 201
    code = response.json()["code"]
    assert CODE.match(code)
    assert response.json()["slot"] == s["id"] and response.json()["start"] == "08:00"
    assert available(http) == [] and published(http)[s["id"]]["booked"]
    taken = book(svc, s["id"], email="bob@example.org")
    assert taken.status_code == 409 and taken.json()["error"] == "taken"
    seen = http.get(f"/v1/bookings/{code}").json()
    assert seen == {
        "office": OFFICE,
        "slot": s["id"],
        "date": DAY,
        "start": "08:00",
        "end": "08:15",
        "service": "uebertrag",
        "name": "Anna Beispiel",
        "email": "A***@Example.org",
        "status": "active",
        "hold_until": None,
    }
    assert http.delete(f"/v1/bookings/{code}").status_code == 204
    assert not published(http)[s["id"]]["booked"]
    assert http.get(f"/v1/bookings/{code}").json()["status"] == "cancelled"
    assert http.delete(f"/v1/bookings/{code}").status_code == 204  # twice is harmless
    # no hand-over: for hold_minutes only the same document may take the slot again
    assert available(http) == []
    handed = book(svc, s["id"], email="bob@example.org")
    assert handed.status_code == 409 and handed.json()["error"] == "taken"
    again = book(svc, s["id"], email="anna+neu@example.org", document=document_of("Anna@Example.org"))
    assert again.status_code == 201
    assert http.delete(f"/v1/bookings/{again.json()['code']}").status_code == 204
    svc.clock.set(at(f"{DAY}T07:15"))
    assert [x["id"] for x in available(http)] == [s["id"]]  # free for everybody after hold_minutes
    assert book(svc, s["id"], email="bob@example.org").status_code == 201
    assert http.get(f"/v1/bookings/{code}").json()["status"] == "cancelled"
    for unknown in ("A" * 22, "short", "x" * 100):
        assert http.get(f"/v1/bookings/{unknown}").status_code == 404
        assert http.delete(f"/v1/bookings/{unknown}").status_code == 404
    with sqlite3.connect(svc.settings.db_url.removeprefix("sqlite:///")) as conn:
        dump = "\n".join(conn.iterdump())
    assert code not in dump  # only its hash is stored


def test_cancelling_a_begun_appointment_is_refused(svc):
    s = slot("08:00")
    publish_slots(svc.url, [s])
    code = book(svc, s["id"]).json()["code"]
    svc.clock.set(at(f"{DAY}T08:00"))
    response = svc.http.delete(f"/v1/bookings/{code}")
    assert response.status_code == 409 and response.json()["error"] == "past"
    assert svc.http.get(f"/v1/bookings/{code}").json()["status"] == "active"


def test_one_active_booking_per_email_service_and_day(svc):
    http = svc.http
    a, b = slot("08:00"), slot("09:00")
    other_service = slot("08:00", service="eat_ausgabe", minutes=10)
    other_day = slot("08:00", date="2024-04-23")
    publish_slots(svc.url, [a, b, other_service, other_day])
    first = book(svc, a["id"], email="anna@example.org")
    assert first.status_code == 201
    second = book(svc, b["id"], email=" ANNA@example.org ")
    assert second.status_code == 409
    assert second.json()["error"] == "limit" and "already has an active booking" in second.json()["message"]
    assert "anna" not in second.json()["message"].lower()
    assert book(svc, other_service["id"], email="anna@example.org").status_code == 201
    assert book(svc, other_day["id"], email="anna@example.org").status_code == 201
    assert http.delete(f"/v1/bookings/{first.json()['code']}").status_code == 204
    assert book(svc, b["id"], email="anna@example.org").status_code == 201


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"slot": "x"}, 404),
        ({"name": " "}, 422),
        ({"email": "anna@"}, 422),
        ({"name": "A" * 101}, 422),
        ({"name": "Anna\u202eannA"}, 422),  # a bidi override
        ({"name": "Anna\x07"}, 422),
        ({"email": None}, 422),
        ({"slot": "../etc"}, 422),
        ({"document": "12"}, 422),
        ({"document": None}, 422),
        ({"altcha": ""}, 422),
        ({"altcha": "eyJmb28iOiAxfQ=="}, 422),
    ],
)
def test_booking_requests_are_validated(svc, body, status):
    publish_slots(svc.url, [slot("08:00")])
    full = {
        "slot": slot("08:00")["id"],
        "name": "Anna",
        "email": "anna@example.org",
        "document": "L01X00T47",
        "altcha": solved_challenge(svc.url),
    } | body
    response = svc.http.post(f"/v1/offices/{OFFICE}/bookings", json={k: v for k, v in full.items() if v is not None})
    assert response.status_code == status
    assert response.json()["error"] in ("invalid", "not_found", "challenge")
    assert "anna@" not in response.text and "L01X00T47" not in response.text  # no personal data in errors
    assert len(available(svc.http)) == 1


def test_names_take_every_letter_and_joiner_real_names_use(svc):
    publish_slots(svc.url, [slot(f"08:{m:02d}", n=1) for m in (0, 15, 30)])
    names = ["Mehr\u200cdad Rezā\u200cī", "क्\u200dष Kumar", "Zoë Ñandú-O’Brien", "Nguyễn Thị Minh Khai"]
    for i, name in enumerate(names[:3]):
        assert book(svc, slot(f"08:{i * 15:02d}")["id"], email=f"n{i}@example.org", name=name).status_code == 201
    assert clean_name(names[3]) == names[3]
    for bad in ("Anna\u202eannA", "Anna\u2066x", "A\u200bB", "Anna\nBeispiel\x00"):
        with pytest.raises(ServiceError):
            clean_name(bad)


def test_solved_challenge_books_once_and_difficulty_rises_with_the_rate(svc):
    publish_slots(svc.url, [slot("08:00"), slot("08:15")])
    quiet = svc.http.get(f"/v1/offices/{OFFICE}/challenge").json()["maxNumber"]
    payload = solved_challenge(svc.url)
    first = request_booking(svc.url, slot("08:00")["id"], email="a@example.org", altcha=payload)
    assert first.status_code == 202 and first.json()["status"] == "pending"
    again = request_booking(svc.url, slot("08:15")["id"], email="b@example.org", altcha=payload)
    assert again.status_code == 422 and again.json()["error"] == "challenge"  # a solution books once
    busy = svc.http.get(f"/v1/offices/{OFFICE}/challenge").json()["maxNumber"]
    assert quiet == svc.settings.challenge_base and busy == 2 * quiet


def test_rate_limits_answer_429(tmp_path):
    with threaded_service(tmp_path / "limits.sqlite3", rate_limit_per_min=6, booking_limit_per_min=4) as svc:
        publish_slots(svc.url, [slot(f"08:{m:02d}") for m in (0, 15, 30, 45)])  # the office is not limited
        with httpx.Client(base_url=svc.url) as http:
            statuses = [http.get(f"/v1/offices/{OFFICE}/available").status_code for _ in range(5)]
            assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
            limited = http.get("/termine/abh-servicepoint")
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
            assert "Zu viele Anfragen" in limited.text
            assert published(http) != {}
        with threaded_service(tmp_path / "limits2.sqlite3", booking_limit_per_min=4) as svc2:
            publish_slots(svc2.url, [slot(f"08:{m:02d}") for m in (0, 15, 30, 45)])
            with httpx.Client(base_url=svc2.url) as http:
                ids = [s["id"] for s in available(http)]
                statuses = [book(svc2, i, email=f"p{i[-7:]}@example.org").status_code for i in ids[:3]]
                assert statuses == [201, 201, 429]
                response = book(svc2, ids[3], email="q@example.org")
                assert response.status_code == 429 and response.json()["error"] == "rate_limited"
                # failed authentications are limited too (5 at once, then 429)
                bad = {"Authorization": "Bearer not-the-token-00000000"}
                path = f"/v1/offices/{OFFICE}/slots"
                codes = [http.get(path, params={"date": DAY}, headers=bad).status_code for _ in range(6)]
                assert codes == [401] * 5 + [429]


# ---- citizen pages (HTML without a browser; the browser test is in test_service_e2e.py) -------------


def test_pages_show_request_types_info_and_slots_without_staff(svc):
    http = svc.http
    publish_slots(
        svc.url,
        [slot("08:00", staff="Elena Müller"), slot("10:30", channel="same_day", n=2, release_at=f"{DAY}T10:00:00")],
    )
    start = http.get("/", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == f"/termine/{OFFICE}"
    page = http.get(f"/termine/{OFFICE}", params={"anliegen": "uebertrag"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="de">' in html and 'href="#inhalt"' in html
    assert "Übertrag eAT auf neuen Pass" in html and "alter und neuer Pass" in html
    assert "Heute, Montag, 22. April 2024" in html and "08:00–08:15" in html
    assert "10:30" not in html and "um 10:00 Uhr weitere Termine" in html  # same-day slot not yet shown
    for ident in re.findall(r'<input[^>]+id="([^"]+)"', html):
        assert f'for="{ident}"' in html  # every visible input has a label
    staff = [p["name"] for p in json.loads(SAMPLE.read_text(encoding="utf-8"))["staff"]]
    assert not any(name in html for name in staff)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    css = http.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert http.get(f"/termine/{OFFICE}", params={"anliegen": "gibtsnicht"}).status_code == 404
    assert http.get("/termine/unbekannt").status_code == 404


def form_of(html: str) -> dict[str, str]:
    """The booking form's hidden fields, with its ALTCHA challenge solved (what altcha.js does)."""
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    attrs = {k: unescape(v) for k, v in re.findall(r'data-altcha-(\w+)="([^"]*)"', html)}
    challenge = {
        "algorithm": attrs["algorithm"],
        "challenge": attrs["challenge"],
        "salt": attrs["salt"],
        "signature": attrs["signature"],
        "maxNumber": int(attrs["max"]),
    }
    return fields | {"altcha": solve(challenge)}


def test_page_booking_form_errors_pending_and_confirmation_by_post(svc):
    http = svc.http
    s = slot("08:00")
    publish_slots(svc.url, [s])
    html = http.get(f"/termine/{OFFICE}", params={"anliegen": "uebertrag"}).text
    form = form_of(html) | {
        "slot": s["id"],
        "name": "Anna Beispiel",
        "email": "anna@example.org",
        "dokument": "l01x-00t47",
    }
    missing = http.post(
        f"/termine/{OFFICE}/buchen", data=form | {"name": "", "email": "kaputt", "slot": "", "dokument": ""}
    )
    assert missing.status_code == 422
    assert "Es gibt ein Problem" in missing.text and missing.text.count('aria-invalid="true"') == 3
    for message in (
        "Bitte wählen Sie einen Termin.",
        "Bitte geben Sie Ihren Namen ein.",
        "Bitte geben Sie eine gültige E-Mail-Adresse ein",
        "Bitte geben Sie die Nummer Ihres Aufenthaltstitels oder Passes ein.",
    ):
        assert message in missing.text
    assert 'value="kaputt"' in missing.text  # what was typed stays
    # without the CSRF cookie's twin, or from another site: refused
    assert http.post(f"/termine/{OFFICE}/buchen", data=form | {"csrf": "x" * 32}).status_code == 403
    foreign = http.post(f"/termine/{OFFICE}/buchen", data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "nicht von dieser Seite" in foreign.text
    pending = http.post(f"/termine/{OFFICE}/buchen", data=form)
    assert pending.status_code == 202 and "Bitte bestätigen Sie Ihren Termin" in pending.text
    assert "a***@example.org" in pending.text and "07:15 Uhr" in pending.text
    assert available(http) == []  # held while pending
    again = http.post(
        f"/termine/{OFFICE}/buchen",
        data=form | {"email": "bob@example.org", "dokument": "C4X9Y2Z11", "altcha": solved_challenge(svc.url)},
    )
    assert again.status_code == 409 and "von jemand anderem gebucht" in again.text
    token = svc.inbox.confirm_token("anna@example.org")
    link_page = http.get(f"/bestaetigen/{token}")  # a mail scanner's GET confirms nothing
    assert link_page.status_code == 200 and "Termin jetzt bestätigen" in link_page.text
    assert http.get(f"/bestaetigen/{token}").status_code == 200
    csrf = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', link_page.text))["csrf"]
    done = http.post("/bestaetigen", data={"token": token, "csrf": csrf})
    assert done.status_code == 201
    code = re.search(r'id="bestaetigungscode">([^<]+)<', done.text).group(1)
    assert CODE.match(code) and "Ihr Termin ist gebucht" in done.text and "08:00 bis 08:15 Uhr" in done.text
    confirmed_mail = svc.inbox.to("anna@example.org")[-1]
    assert code in confirmed_mail.get_body(("plain",)).get_content()
    ics = next(p for p in confirmed_mail.iter_attachments() if p.get_filename() == "termin.ics")
    assert "DTSTART;TZID=Europe/Berlin:20240422T080000" in ics.get_content()
    twice = http.post("/bestaetigen", data={"token": token, "csrf": csrf})
    assert twice.status_code == 200 and "bereits bestätigt" in twice.text
    looked = http.post("/buchung", data={"code": code, "csrf": csrf})
    assert looked.status_code == 200 and "Termin absagen" in looked.text and "Anna Beispiel" in looked.text
    cancelled = http.post("/buchung/absagen", data={"code": code, "csrf": csrf})
    assert cancelled.status_code == 200 and "Ihr Termin ist abgesagt" in cancelled.text
    assert http.post("/buchung", data={"code": "A" * 22, "csrf": csrf}).status_code == 404
    assert http.post("/buchung", content=b"code=x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_unconfirmed_hold_expires_and_the_slot_returns(svc):
    s = slot("08:00")
    publish_slots(svc.url, [s])
    assert request_booking(svc.url, s["id"]).status_code == 202
    token = svc.inbox.confirm_token("anna@example.org")
    svc.clock.set(at(f"{DAY}T07:14"))
    assert available(svc.http) == []
    svc.clock.set(at(f"{DAY}T07:15"))
    assert [x["id"] for x in available(svc.http)] == [s["id"]]
    late = svc.http.post("/v1/confirmations", json={"token": token})
    assert late.status_code == 409 and late.json()["error"] == "expired"
    assert active_bookings(Path(svc.settings.db_url.removeprefix("sqlite:///"))) == []


def test_one_active_booking_per_document_and_normalised_email(svc):
    a, b, c = slot("08:00"), slot("09:00"), slot("10:00")
    publish_slots(svc.url, [a, b, c])
    assert book(svc, a["id"], email="anna@example.org", document="L01X00T47").status_code == 201
    tagged = book(svc, b["id"], email="Anna+2@Example.org", document="C4X9Y2Z11")
    assert tagged.status_code == 409 and tagged.json()["error"] == "limit"
    same_doc = book(svc, b["id"], email="other@example.org", document="l01x 00t47")
    assert same_doc.status_code == 409 and same_doc.json()["error"] == "document_limit"
    with sqlite3.connect(svc.settings.db_url.removeprefix("sqlite:///")) as conn:
        dump = "\n".join(conn.iterdump())
    assert "L01X00T47" not in dump.upper()  # only the keyed hash is stored


# ---- settings, CLI, portability ----------------------------------------------------------------------


def test_token_comes_from_environment_or_config_never_the_command_line(tmp_path):
    settings, warnings = build_settings(
        db=f"sqlite:///{tmp_path}/a.db", environ={"SLOTPLAN_TOKEN": TOKEN} | mail_environ(2525)
    )
    assert settings.token == TOKEN and TOKEN not in repr(settings) and not warnings
    assert "document-key" not in repr(settings)
    config = tmp_path / "service.toml"
    config.write_text('token = "from-the-config-file-1234"\noffices = ["abh-servicepoint"]\n', encoding="utf-8")
    config.chmod(0o600)
    settings, warnings = build_settings(config_path=config, environ=mail_environ(2525))
    assert settings.token == "from-the-config-file-1234" and settings.allowed_offices == {OFFICE}
    assert not warnings
    config.chmod(0o644)
    assert any("other users can read it" in w for w in build_settings(config_path=config, environ={})[1])
    assert build_settings(config_path=config, environ={"SLOTPLAN_TOKEN": TOKEN})[0].token == TOKEN
    with pytest.raises(SettingsError, match="too short"):
        build_settings(environ={"SLOTPLAN_TOKEN": "short"})
    settings, warnings = build_settings(environ={})
    assert settings.token is None and any("answers 401" in w for w in warnings)
    result = CliRunner().invoke(cli, ["serve", "--token", TOKEN])
    assert result.exit_code == 2  # there is no such option
    result = CliRunner().invoke(cli, ["serve", "--now", "tomorrow"], env={"SLOTPLAN_TOKEN": TOKEN})
    assert result.exit_code == 2 and "--now" in result.output
    result = CliRunner().invoke(cli, ["serve", "--db", "sqlite://"], env={"SLOTPLAN_TOKEN": TOKEN})
    assert result.exit_code == 2 and "needs a file" in result.output


def test_schema_is_portable_to_postgresql():
    dialect = postgresql.dialect()
    tables = metadata.sorted_tables
    ddl = "\n".join(str(CreateTable(t).compile(dialect=dialect)) for t in tables)
    ddl += "\n".join(str(CreateIndex(i).compile(dialect=dialect)) for t in tables for i in t.indexes)
    assert "CONSTRAINT uq_bookings_active_slot UNIQUE (active_slot)" in ddl
    assert "CONSTRAINT uq_bookings_active_key UNIQUE (active_key)" in ddl
    # SQLite-only statements (PRAGMA, BEGIN IMMEDIATE) live in db.py's connect/begin hooks, nowhere else
    where = set()

    def visit(node: ast.AST, scope: str, path: Path) -> None:
        scoped = isinstance(node, (ast.Module, ast.FunctionDef))
        has_docstring = scoped and ast.get_docstring(node) is not None
        docstring = node.body[0] if has_docstring else None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Expr) and child is docstring:
                continue
            if (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and ("PRAGMA" in child.value or "BEGIN IMMEDIATE" in child.value)
            ):
                where.add(f"{path.name}:{scope}")
            visit(child, child.name if isinstance(child, ast.FunctionDef) else scope, path)

    for path in (SUPPORT.parents[1] / "optimizer" / "service").glob("*.py"):
        visit(ast.parse(path.read_text(encoding="utf-8")), "<module>", path)
    assert where == {"db.py:_sqlite_connect", "db.py:_sqlite_begin"}


# ---- real processes: concurrency, crash safety, release by restart ------------------------------------


def test_concurrent_attempts_on_one_slot_leave_exactly_one_booking(tmp_path):
    db = tmp_path / "race.sqlite3"
    unlimited = ["--rate-limit", "0", "--booking-limit", "0"]
    with ServiceProcess(db, extra=unlimited).start(now=f"{DAY}T07:00") as server:
        target, other = slot("08:00"), slot("08:15")
        assert publish_slots(server.url, [target, other]) == [201, 201]
        processes, threads = 4, 12
        start_at = time.time() + 2.0
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(SUPPORT),
                    "burst",
                    server.url,
                    OFFICE,
                    target["id"],
                    str(threads),
                    f"{start_at:.3f}",
                    f"p{i}",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(processes)
        ]
        results = [json.loads(w.communicate(timeout=60)[0]) for w in workers]
        counts = sum((Counter(r["counts"]) for r in results), Counter())
        held = [c for r in results for c in r["held"]]
        assert sum(counts.values()) == processes * threads
        assert counts["202"] == 1 and len(held) == 1, counts
        assert counts["409"] == processes * threads - 1, counts  # no 500, no 503, no dropped connection
        assert len(active_bookings(db, target["id"])) == 1
        confirmed = confirm(server, held[0])
        assert confirmed.status_code == 201
        with httpx.Client(base_url=server.url) as http:
            assert http.get(f"/v1/bookings/{confirmed.json()['code']}").json()["status"] == "active"
            assert [s["id"] for s in available(http)] == [other["id"]]
            assert published(http)[target["id"]]["booked"]
    assert TOKEN not in server.log()


def test_sigkill_mid_traffic_loses_no_confirmed_booking(tmp_path):
    db = tmp_path / "crash.sqlite3"
    server = ServiceProcess(db, extra=["--rate-limit", "0", "--booking-limit", "0"]).start(now=f"{DAY}T07:00")
    try:
        targets = [
            slot(f"{8 + i // 4:02d}:{(i % 4) * 15:02d}", n=c, counter=f"C{c:02d}")
            for i in range(16)
            for c in range(1, 5)
        ]
        assert set(publish_slots(server.url, targets)) == {201}
        confirmed: dict[str, str] = {}
        lock, stop = threading.Lock(), threading.Event()

        def citizen(k: int) -> None:
            for j, t in enumerate(targets[k::4]):
                if stop.is_set():
                    return
                try:
                    response = book(server, t["id"], email=f"c{k}-{j}@example.org")
                except (httpx.HTTPError, AssertionError):  # killed mid-booking: no mail, or no answer
                    continue
                if response.status_code == 201:
                    with lock:
                        confirmed[response.json()["code"]] = t["id"]

        workers = [threading.Thread(target=citizen, args=(k,)) for k in range(4)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 20
        while len(confirmed) < 12 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()  # SIGKILL while the citizens keep booking
        time.sleep(0.3)
        stop.set()
        for w in workers:
            w.join()
        assert len(confirmed) >= 12
        server.start(now=f"{DAY}T07:00")
        with httpx.Client(base_url=server.url) as http:
            for code, slot_id in confirmed.items():
                seen = http.get(f"/v1/bookings/{code}").json()
                assert seen["status"] == "active" and seen["slot"] == slot_id
            booked = {i for i, s in published(http).items() if s["booked"]}
        assert set(confirmed.values()) <= booked
        rows = active_bookings(db)
        assert len(rows) == len({s for s, _ in rows}) >= len(confirmed)  # nothing double-booked
        assert len(rows) == len(booked)
    finally:
        server.close()


def test_same_day_release_by_restarting_with_another_clock(tmp_path):
    db = tmp_path / "release.sqlite3"
    calendar = slot("11:00")
    same_day = slot("10:30", channel="same_day", release_at=f"{DAY}T10:00:00", n=2)
    server = ServiceProcess(db).start(now=f"{DAY}T09:55")
    try:
        publish_slots(server.url, [calendar, same_day])
        with httpx.Client(base_url=server.url) as http:
            assert [s["id"] for s in available(http)] == [calendar["id"]]
            assert book(server, same_day["id"]).status_code in (403, 404)
            page = http.get(f"/termine/{OFFICE}", params={"anliegen": "uebertrag"}).text
            assert "11:00–11:15" in page and "10:30–10:45" not in page
        server.restart(now=f"{DAY}T10:00")
        with httpx.Client(base_url=server.url) as http:
            assert [s["id"] for s in available(http)] == [same_day["id"], calendar["id"]]
            assert book(server, same_day["id"]).status_code == 201
            assert [s["id"] for s in available(http)] == [calendar["id"]]
    finally:
        server.close()


# ---- the office's day: check-in list and statistics --------------------------------------------------


def test_checkin_marks_attendance_and_statistics_match(svc):
    http = svc.http
    a, b, c, d = slot("08:00"), slot("08:15"), slot("08:30"), slot("09:00", service="eat_ausgabe", minutes=10)
    publish_slots(svc.url, [a, b, c, d])
    for s, email, doc in (
        (a, "anna@example.org", "L01X00T47"),
        (b, "bora@example.org", "C4X9Y2Z11"),
        (c, "cem@example.org", "P1234567"),
        (d, "dana@example.org", "D7654321"),
    ):
        assert book(svc, s["id"], email=email, document=doc).status_code == 201
    code_c = [m for m in svc.inbox.to("cem@example.org")][-1].get_body(("plain",)).get_content()
    code_c = re.search(r"Bestätigungscode: (\S+)", code_c).group(1)
    svc.clock.set(at(f"{DAY}T07:30"))
    assert http.delete(f"/v1/bookings/{code_c}").status_code == 204  # cancelled on the day: too late
    basic = ("buero", TOKEN)
    assert http.get(f"/buero/{OFFICE}/checkin").status_code == 401
    assert "Basic" in http.get(f"/buero/{OFFICE}/checkin").headers["WWW-Authenticate"]
    page = http.get(f"/buero/{OFFICE}/checkin", auth=basic)
    assert page.status_code == 200 and "Anna Beispiel" in page.text and page.text.count("Abgleichen") == 3
    ids = {row.slot: row.id for row in store_rows(svc)}
    csrf = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))["csrf"]

    def act(slot_id: str, action: str, **extra: str) -> httpx.Response:
        return http.post(
            f"/buero/{OFFICE}/checkin",
            auth=basic,
            data={"csrf": csrf, "date": DAY, "booking": str(ids[slot_id]), "action": action, **extra},
        )

    assert "Ausweis passt zur Buchung." in act(a["id"], "check", dokument="l01x00t47").text
    assert "Ausweis passt NICHT zur Buchung." in act(a["id"], "check", dokument="C4X9Y2Z11").text
    assert act(a["id"], "attended").status_code == 303
    assert act(b["id"], "no_show").status_code == 303
    assert act(d["id"], "attended").status_code == 303
    assert (
        http.post(
            f"/buero/{OFFICE}/checkin", auth=basic, data={"date": DAY, "booking": "1", "action": "attended"}
        ).status_code
        == 403
    )
    listing = http.get(f"/buero/{OFFICE}/checkin.csv", auth=basic)
    lines = listing.text.splitlines()
    assert lines[0] == "date;start;end;service;counter;name;attendance"
    assert f"{DAY};08:00;08:15;uebertrag;C01;Anna Beispiel;attended" in lines
    assert f"{DAY};08:15;08:30;uebertrag;C01;Anna Beispiel;no_show" in lines
    stats = http.get(f"/v1/offices/{OFFICE}/statistics", params={"from": DAY, "to": DAY}, headers=auth())
    assert stats.status_code == 200
    assert stats.text.splitlines() == [
        "date;service;requests;booked;attended;no_show;cancelled",
        f"{DAY};eat_ausgabe;1;1;1;0;0",
        f"{DAY};uebertrag;3;3;1;1;1",
    ]


def store_rows(svc):
    return svc.store.checkin_list(OFFICE, dt.date.fromisoformat(DAY))


def test_booked_slots_swap_counters_only_in_one_batch(svc):
    http = svc.http
    a, b = (
        slot("10:00", n=1, counter="C01", staff_ref="ref-anna-0001"),
        slot("10:00", n=2, counter="C03", staff_ref="ref-bora-0002"),
    )
    free = slot("10:00", n=3, counter="C05", staff_ref="ref-cem-00003")
    publish_slots(svc.url, [a, b, free])
    for s, email in ((a, "a@example.org"), (b, "b@example.org")):
        assert book(svc, s["id"], email=email).status_code == 201
    one = http.put(f"/v1/offices/{OFFICE}/slots/{a['id']}", json=a | {"counter": "C03"}, headers=auth())
    assert one.status_code == 409 and one.json()["error"] == "conflict"
    assert a["id"] in one.json()["message"] and b["id"] in one.json()["message"]
    # the unbooked slot may not take a booked slot's person, a booked slot's own update may (people swap)
    thief = http.put(
        f"/v1/offices/{OFFICE}/slots/{free['id']}", json=free | {"staff_ref": "ref-anna-0001"}, headers=auth()
    )
    assert thief.status_code == 409 and "would take the staff member" in thief.json()["message"]
    swap = [a | {"counter": "C03", "staff_ref": "ref-bora-0002"}, b | {"counter": "C01", "staff_ref": "ref-anna-0001"}]
    clash = http.post(
        f"/v1/offices/{OFFICE}/slot-batches", json={"slots": [*swap[:1], free | {"counter": "C01"}]}, headers=auth()
    )
    assert clash.status_code == 409 and published(http)[a["id"]]["counter"] == "C01"  # all or none
    done = http.post(f"/v1/offices/{OFFICE}/slot-batches", json={"slots": swap}, headers=auth())
    assert done.status_code == 200, done.text
    after = published(http)
    assert (after[a["id"]]["counter"], after[b["id"]]["counter"]) == ("C03", "C01")
    assert after[a["id"]]["booked"] and after[b["id"]]["booked"]
