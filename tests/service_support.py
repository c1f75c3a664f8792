"""Helpers for the booking-service tests: real servers over real HTTP.

- `ServiceProcess`: `slotplan serve` (or `python -m optimizer.service`) in a subprocess (uvicorn) on a
  free 127.0.0.1 port with a SQLite file; `start(now=…)`, `stop()` (SIGTERM), `kill()` (SIGKILL),
  `restart(now=…)` on the same database.
- `threaded_service()`: the same application in this process (uvicorn in a thread) with a `FixedClock`
  the test can move, for fast checks of the API's rules.
- `slot()`, `publish_slots()`: contract slots and an authenticated PUT of them.
- `python tests/service_support.py burst URL OFFICE SLOT THREADS START PREFIX`: book one slot from
  THREADS threads at wall-clock time START (epoch seconds); prints the status counts as JSON. The
  concurrency test runs several of these processes at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
TOKEN = "svc-test-token-7d2f0b9e41c8"
OFFICE = "abh-servicepoint"
DAY = "2024-04-22"


_HTTP: httpx.Client | None = None


def http_client() -> httpx.Client:
    """One shared client for the helpers (a fresh httpx client loads the CA bundle: slow on a busy machine)."""
    global _HTTP
    if _HTTP is None:
        _HTTP = httpx.Client(timeout=10.0)
    return _HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slot(
    hhmm: str,
    *,
    n: int = 1,
    service: str = "uebertrag",
    minutes: int = 15,
    channel: str = "calendar",
    release_at: str | None = None,
    date: str = DAY,
    counter: str = "C01",
    booking: str | None = None,
    office: str = OFFICE,
    **extra: Any,
) -> dict[str, Any]:
    """A slot of the publish contract (stable id as the planner makes it)."""
    start = dt.datetime.fromisoformat(f"{date}T{hhmm}")
    end = start + dt.timedelta(minutes=minutes)
    if release_at is None:
        release_at = (
            f"{date}T07:30:00"
            if channel == "same_day"
            else f"{(start.date() - dt.timedelta(days=14)).isoformat()}T07:30:00"
        )
    return {
        "id": f"{office}-{start:%Y%m%d}-{service}-{start:%H%M}-{n}",
        "date": date,
        "start": hhmm,
        "end": f"{end:%H:%M}",
        "service": service,
        "counter": counter,
        "channel": channel,
        "release_at": release_at,
        "booking": booking,
        **extra,
    }


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publish_slots(url: str, slots: list[dict[str, Any]], office: str = OFFICE, token: str = TOKEN) -> list[int]:
    """PUT each slot; the statuses."""
    http = http_client()
    return [
        http.put(f"{url}/v1/offices/{office}/slots/{s['id']}", json=s, headers=auth(token)).status_code for s in slots
    ]


def active_bookings(db_path: Path, slot_id: str | None = None) -> list[tuple[str, str]]:
    """(slot, code hash) of every active booking, read straight from the SQLite file."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=10)) as conn:
        query = "SELECT slot, code_hash FROM bookings WHERE cancelled_at IS NULL"
        args: tuple[Any, ...] = ()
        if slot_id is not None:
            query += " AND slot = ?"
            args = (slot_id,)
        return conn.execute(query, args).fetchall()


class ServiceProcess:
    """The service in a subprocess on a free port with a SQLite file; restartable on the same file.

    `cli=True` starts it as `slotplan serve` (`python -m optimizer serve`); otherwise as
    `python -m optimizer.service`, the same command without loading the planner (a faster start)."""

    def __init__(
        self,
        db_path: Path,
        *,
        scenario: Path | None = SAMPLE,
        token: str | None = TOKEN,
        extra: list[str] | None = None,
        cli: bool = False,
    ):
        self.command = ["-m", "optimizer", "serve"] if cli else ["-m", "optimizer.service"]
        self.db_path = Path(db_path)
        self.scenario, self.token, self.extra = scenario, token, list(extra or [])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.db_path.with_suffix(".log")
        self._smtp = contextlib.ExitStack()
        self.inbox, self.smtp_port = self._smtp.enter_context(smtp_server())

    def start(self, now: str | None = None, timeout_s: float = 90.0) -> ServiceProcess:
        args = [
            sys.executable,
            *self.command,
            "--db",
            str(self.db_path),
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--challenge-base",
            "500",
            *self.extra,
        ]
        if now is not None:
            args += ["--now", now]
        if self.scenario is not None:
            args += ["--scenario", str(self.scenario)]
        env = {k: v for k, v in os.environ.items() if k != "SLOTPLAN_TOKEN"} | mail_environ(self.smtp_port)
        if self.token is not None:
            env["SLOTPLAN_TOKEN"] = self.token
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited ({self.proc.returncode}): {self.log()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"service did not start within {timeout_s} s: {self.log()[-2000:]}")
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what was committed must survive."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self, now: str | None = None) -> ServiceProcess:
        self.stop()
        return self.start(now=now)

    def __enter__(self) -> ServiceProcess:
        return self

    def close(self) -> None:
        """Stop the service and its SMTP server."""
        self.stop()
        self._smtp.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


class Inbox:
    """What a real SMTP server (aiosmtpd on 127.0.0.1) received: parsed messages, newest last."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def confirm_token(self, address: str, timeout_s: float = 10.0) -> str:
        """The token of the newest confirmation link mailed to `address` (waits for the mail)."""
        import re

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in reversed(self.to(address)):
                found = re.search(r"/bestaetigen/([A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content())
                if found:
                    return found.group(1)
            time.sleep(0.02)
        raise AssertionError(f"no confirmation mail to {address}")


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free 127.0.0.1 port (aiosmtpd); yields its inbox and port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_environ(port: int) -> dict[str, str]:
    return {
        "SLOTPLAN_SMTP_HOST": "127.0.0.1",
        "SLOTPLAN_SMTP_PORT": str(port),
        "SLOTPLAN_MAIL_FROM": "termine@abh.example",
        "SLOTPLAN_DOCUMENT_KEY": "document-key-for-tests-01",
    }


@contextlib.contextmanager
def threaded_service(
    db_path: Path, now: str = f"{DAY}T07:00", forwarded: bool = False, **settings: Any
) -> Iterator[Any]:
    """The service in this process (uvicorn in a thread, real HTTP) with a real SMTP server. Yields an
    object with `url`, `clock` (a `FixedClock`: `clock.set(datetime)` moves it), `store`, `settings`
    and `inbox` (the mails received). `forwarded`: trust X-Forwarded-For from 127.0.0.1 (a test can
    then speak from many client addresses)."""
    import uvicorn

    from optimizer.service import FixedClock, build_settings, create_app, parse_now
    from optimizer.service.http import deadline_protocol

    clock = FixedClock(parse_now(now))
    options = {
        "rate_limit_per_min": 0,
        "booking_limit_per_min": 0,
        "challenge_base": 500,
        "office_booking_limit_per_min": 0,
    } | settings
    stack = contextlib.ExitStack()
    inbox, smtp_port = stack.enter_context(smtp_server())
    built, _warnings = build_settings(
        db=f"sqlite:///{db_path}",
        clock=clock,
        scenarios=[SAMPLE],
        environ={"SLOTPLAN_TOKEN": TOKEN} | mail_environ(smtp_port),
        **options,
    )
    app = create_app(built)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="error",
            access_log=False,
            lifespan="on",
            proxy_headers=forwarded,
            http=deadline_protocol(built.request_timeout_s),
            forwarded_allow_ips="127.0.0.1" if forwarded else None,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("threaded service did not start")
        time.sleep(0.02)
    handle = SimpleNamespace(
        url=f"http://127.0.0.1:{port}", clock=clock, store=app.state.store, settings=built, inbox=inbox, app=app
    )
    try:
        yield handle
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        stack.close()


def solved_challenge(url: str, office: str = OFFICE) -> str:
    """A fresh ALTCHA challenge of the service, solved (what the page's script does)."""
    from optimizer.service.challenge import solve

    answer = http_client().get(f"{url}/v1/offices/{office}/challenge")
    assert answer.status_code == 200, answer.text
    return solve(answer.json())


def document_of(email: str) -> str:
    """The document number the helpers use for an e-mail address (a person: one address, one document)."""
    return "X" + hashlib.sha256(email.encode()).hexdigest()[:8].upper()


def request_booking(
    url: str,
    slot_id: str,
    *,
    email: str = "anna@example.org",
    name: str = "Anna Beispiel",
    document: str | None = None,
    office: str = OFFICE,
    altcha: str | None = None,
    http: httpx.Client | None = None,
) -> httpx.Response:
    """`POST …/bookings` with a solved challenge (202 pending, or the refusal)."""
    body = {
        "slot": slot_id,
        "name": name,
        "email": email,
        "document": document if document is not None else document_of(email),
        "altcha": altcha if altcha is not None else solved_challenge(url, office),
    }
    if http is not None:
        return http.post(f"{url}/v1/offices/{office}/bookings", json=body)
    return http_client().post(f"{url}/v1/offices/{office}/bookings", json=body)


def confirm(server: Any, email: str) -> httpx.Response:
    """Confirm the newest booking mailed to `email` with the token from its link (`POST /v1/confirmations`)."""
    token = server.inbox.confirm_token(email)
    return http_client().post(f"{server.url}/v1/confirmations", json={"token": token})


def book(
    server: Any,
    slot_id: str,
    email: str = "anna@example.org",
    name: str = "Anna Beispiel",
    office: str = OFFICE,
    document: str | None = None,
) -> httpx.Response:
    """A citizen's whole booking: challenge, request, mail, confirmation. The confirmation's answer
    (201 with the code), or the request's refusal."""
    requested = request_booking(server.url, slot_id, email=email, name=name, document=document, office=office)
    if requested.status_code != 202:
        return requested
    return confirm(server, email.strip())


def book_confirmed(server: Any, office: str, slot_id: str, email: str, name: str = "Anna Beispiel") -> str:
    """Book and confirm `slot_id` as a citizen; the confirmation code."""
    answer = book(server, slot_id, email=email, name=name, office=office)
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def burst(
    url: str, office: str, slot_id: str, threads: int, start_at: float, prefix: str
) -> tuple[Counter[str], list[str]]:
    """THREADS booking attempts of one slot (each with a solved challenge), released together at
    wall-clock `start_at`: the status counts (or exception names) and the e-mail addresses that got
    the pending hold."""
    counts: Counter[str] = Counter()
    codes: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        body = {
            "slot": slot_id,
            "name": f"Person {prefix}-{i}",
            "email": f"{prefix}-{i}@example.org",
            "document": f"D{prefix}X{i:04d}".upper(),
            "altcha": solved_challenge(url, office),
        }
        with httpx.Client(timeout=30.0) as http:
            delay = start_at - time.time()
            if delay > 0:
                time.sleep(delay)
            try:
                response = http.post(f"{url}/v1/offices/{office}/bookings", json=body)
                status = str(response.status_code)
                if response.status_code == 202:
                    with lock:
                        codes.append(body["email"])
            except httpx.HTTPError as err:
                status = type(err).__name__
        with lock:
            counts[status] += 1

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts, codes


def main(argv: list[str]) -> None:
    if len(argv) == 7 and argv[0] == "burst":
        _, url, office, slot_id, threads, start_at, prefix = argv
        counts, codes = burst(url, office, slot_id, int(threads), float(start_at), prefix)
        print(json.dumps({"counts": dict(counts), "held": codes}))
        return
    sys.exit("usage: service_support.py burst URL OFFICE SLOT THREADS START_EPOCH PREFIX")


if __name__ == "__main__":
    main(sys.argv[1:])
