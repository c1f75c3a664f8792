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

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.json"
TOKEN = "svc-test-token-7d2f0b9e41c8"
OFFICE = "abh-servicepoint"
DAY = "2024-04-22"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slot(hhmm: str, *, n: int = 1, service: str = "uebertrag", minutes: int = 15, channel: str = "calendar",
         release_at: str | None = None, date: str = DAY, counter: str = "C01", booking: str | None = None,
         office: str = OFFICE, **extra: Any) -> dict[str, Any]:
    """A slot of the publish contract (stable id as the planner makes it)."""
    start = dt.datetime.fromisoformat(f"{date}T{hhmm}")
    end = start + dt.timedelta(minutes=minutes)
    if release_at is None:
        release_at = (f"{date}T07:30:00" if channel == "same_day"
                      else f"{(start.date() - dt.timedelta(days=14)).isoformat()}T07:30:00")
    return {"id": f"{office}-{start:%Y%m%d}-{service}-{start:%H%M}-{n}", "date": date, "start": hhmm,
            "end": f"{end:%H:%M}", "service": service, "counter": counter, "channel": channel,
            "release_at": release_at, "booking": booking, **extra}


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publish_slots(url: str, slots: list[dict[str, Any]], office: str = OFFICE,
                  token: str = TOKEN) -> list[int]:
    """PUT each slot; the statuses."""
    with httpx.Client(base_url=url, headers=auth(token), timeout=10.0) as http:
        return [http.put(f"/v1/offices/{office}/slots/{s['id']}", json=s).status_code for s in slots]


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

    def __init__(self, db_path: Path, *, scenario: Path | None = SAMPLE, token: str | None = TOKEN,
                 extra: list[str] | None = None, cli: bool = False):
        self.command = ["-m", "optimizer", "serve"] if cli else ["-m", "optimizer.service"]
        self.db_path = Path(db_path)
        self.scenario, self.token, self.extra = scenario, token, list(extra or [])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.db_path.with_suffix(".log")

    def start(self, now: str | None = None, timeout_s: float = 30.0) -> ServiceProcess:
        args = [sys.executable, *self.command, "--db", str(self.db_path), "--port", str(self.port),
                "--log-level", "warning", *self.extra]
        if now is not None:
            args += ["--now", now]
        if self.scenario is not None:
            args += ["--scenario", str(self.scenario)]
        env = {k: v for k, v in os.environ.items() if k != "SLOTPLAN_TOKEN"}
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

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def threaded_service(db_path: Path, now: str = f"{DAY}T07:00", **settings: Any) -> Iterator[Any]:
    """The service in this process (uvicorn in a thread, real HTTP). Yields an object with `url`,
    `clock` (a `FixedClock`: `clock.set(datetime)` moves it), `store` and `settings`."""
    import uvicorn

    from optimizer.service import FixedClock, build_settings, create_app, parse_now

    clock = FixedClock(parse_now(now))
    options = {"rate_limit_per_min": 0, "booking_limit_per_min": 0} | settings
    built, _warnings = build_settings(db=f"sqlite:///{db_path}", clock=clock, scenarios=[SAMPLE],
                                      environ={"SLOTPLAN_TOKEN": TOKEN}, **options)
    app = create_app(built)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("threaded service did not start")
        time.sleep(0.02)
    handle = SimpleNamespace(url=f"http://127.0.0.1:{port}", clock=clock, store=app.state.store,
                             settings=built)
    try:
        yield handle
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def book_confirmed(server: Any, office: str, slot_id: str, email: str, name: str = "Anna Beispiel") -> str:
    """Book `slot_id` as a citizen through the JSON API; the confirmation code."""
    answer = httpx.post(f"{server.url}/v1/offices/{office}/bookings",
                        json={"slot": slot_id, "name": name, "email": email}, timeout=10.0)
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def burst(url: str, office: str, slot_id: str, threads: int, start_at: float,
          prefix: str) -> tuple[Counter[str], list[str]]:
    """THREADS booking attempts of one slot, released together at wall-clock `start_at`: the status
    counts (or exception names) and the confirmation codes received."""
    counts: Counter[str] = Counter()
    codes: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        body = {"slot": slot_id, "name": f"Person {prefix}-{i}", "email": f"{prefix}-{i}@example.org"}
        with httpx.Client(timeout=30.0) as http:
            delay = start_at - time.time()
            if delay > 0:
                time.sleep(delay)
            try:
                response = http.post(f"{url}/v1/offices/{office}/bookings", json=body)
                status = str(response.status_code)
                if response.status_code == 201:
                    with lock:
                        codes.append(response.json()["code"])
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
        print(json.dumps({"counts": dict(counts), "codes": codes}))
        return
    sys.exit("usage: service_support.py burst URL OFFICE SLOT THREADS START_EPOCH PREFIX")


if __name__ == "__main__":
    main(sys.argv[1:])
