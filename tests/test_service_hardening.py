"""Hardening of the booking service: deep JSON, retention while running, slow and half-sent requests."""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from service_support import (
    DAY,
    OFFICE,
    auth,
    book_confirmed,
    http_client,
    publish_slots,
    slot,
    threaded_service,
)


def test_deeply_nested_json_is_a_400_not_a_500(tmp_path):
    with threaded_service(tmp_path / "deep.sqlite3") as svc:
        http = http_client()
        for url, method, headers in (
            (f"/v1/offices/{OFFICE}/bookings", "POST", {}),
            ("/v1/confirmations", "POST", {}),
            (f"/v1/offices/{OFFICE}/slots/{slot('08:00')['id']}", "PUT", auth()),
        ):
            for depth in (33, 1000, 30_000):
                nested = "[" * depth + "]" * depth
                answer = http.request(
                    method, svc.url + url, content=nested, headers=headers | {"Content-Type": "application/json"}
                )
                assert answer.status_code == 400 and answer.json()["error"] == "invalid", answer.text
        # brackets inside strings are text, not nesting
        answer = http.post(
            f"{svc.url}/v1/offices/{OFFICE}/bookings",
            json={"slot": "x", "name": "[" * 100, "email": "a@example.org", "document": "L01X00T47"},
        )
        assert answer.status_code == 422 and answer.json()["error"] == "challenge"


def test_retention_runs_daily_while_the_service_is_up(tmp_path):
    db = tmp_path / "retention.sqlite3"
    with threaded_service(db, maintenance_interval_s=0.1, retention_days=30) as svc:
        publish_slots(svc.url, [slot("08:00")])
        book_confirmed(svc, OFFICE, slot("08:00")["id"], "anna@example.org")

        def stored() -> list[tuple[str, str]]:
            with closing(sqlite3.connect(db)) as conn:
                return conn.execute("SELECT name, email FROM bookings").fetchall()

        time.sleep(0.5)
        assert stored() == [("Anna Beispiel", "anna@example.org")]
        svc.clock.set(dt.datetime.fromisoformat(f"{DAY}T07:00") + dt.timedelta(days=31))  # a month later
        deadline = time.monotonic() + 10
        while stored() != [("", "")] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stored() == [("", "")]  # erased without a restart


def _closed_within(url: str, payload: bytes, seconds: float) -> float:
    """Send `payload` and stop; how long until the server closes the connection (or `seconds`+)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=seconds + 5) as sock:
        sock.sendall(payload)
        started = time.monotonic()
        try:
            while sock.recv(4096):
                pass
        except TimeoutError:
            return float("inf")
        return time.monotonic() - started


def test_slow_and_half_sent_requests_are_cut_off(tmp_path):
    with threaded_service(tmp_path / "slow.sqlite3", request_timeout_s=1.0) as svc:
        half_headers = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        assert _closed_within(svc.url, half_headers, 1.0) < 4.0
        half_body = (
            f"POST /v1/offices/{OFFICE}/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            'Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{"slot": '
        ).encode()
        assert _closed_within(svc.url, half_body, 1.0) < 4.0
        assert _closed_within(svc.url, b"", 1.0) < 4.0  # connected, never sent a byte
        # a whole request is answered, and the connection stays usable for the next one
        assert http_client().get(f"{svc.url}/healthz").status_code == 200


def test_reverse_proxy_settings_are_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "service.md").read_text(encoding="utf-8")
    for setting in ("client_header_timeout", "client_body_timeout", "client_max_body_size", "read_header"):
        assert setting in text
