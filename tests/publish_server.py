"""A minimal server for the publish contract (optimizer/publish/openapi.yaml), for tests only.

In-memory state, bearer token from the environment variable SLOTPLAN_TOKEN, and a few test
controls under `/_test/` (no auth) to reset the state, book a slot, inject failures and count
requests. `running_server()` starts it with uvicorn in a subprocess on 127.0.0.1 and a free port;
`silent_server()` is a socket that accepts connections and never answers.

Run by hand: `SLOTPLAN_TOKEN=t python tests/publish_server.py 8765`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

REQUIRED = ("id", "date", "start", "end", "service", "counter", "channel", "release_at")
PINNED = ("date", "start", "end", "service")


def create_app(token: str) -> FastAPI:
    app = FastAPI(title="publish contract test server")
    slots: dict[str, dict[str, dict[str, Any]]] = {}  # office -> id -> slot (with booked)
    state: dict[str, Any] = {"fail": [], "hang_s": 0.0}
    counts: Counter[str] = Counter()

    def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
        return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers or None)

    @app.middleware("http")
    async def contract_guard(request: Request, call_next):
        if request.url.path.startswith("/_test/"):
            return await call_next(request)
        counts[f"{request.method} attempts"] += 1
        if state["hang_s"]:
            await asyncio.sleep(state["hang_s"])
        if state["fail"]:
            status = state["fail"].pop(0)
            return error(
                status,
                "unavailable" if status >= 500 else "rate_limited",
                "injected failure",
                **({"Retry-After": "0"} if status in (429, 503) else {}),
            )
        if request.headers.get("authorization") != f"Bearer {token}":
            return error(401, "unauthorized", "missing or invalid bearer token", **{"WWW-Authenticate": "Bearer"})
        response = await call_next(request)
        counts[f"{request.method} {response.status_code}"] += 1
        return response

    @app.get("/v1/offices/{office}/slots")
    def list_slots(office: str, date: str | None = None) -> Any:
        if not date or len(date) != 10:
            return error(400, "invalid", "query parameter date=YYYY-MM-DD is required")
        day = [dict(s) for s in slots.get(office, {}).values() if s["date"] == date]
        day.sort(key=lambda s: (s["start"], s["id"]))
        return {"office": office, "date": date, "slots": day}

    @app.put("/v1/offices/{office}/slots/{slot_id}")
    async def put_slot(office: str, slot_id: str, request: Request) -> Any:
        try:
            body = await request.json()
        except ValueError:
            return error(400, "invalid", "body is not JSON")
        if not isinstance(body, dict) or any(k not in body for k in REQUIRED):
            return error(422, "invalid", f"a slot needs {', '.join(REQUIRED)}")
        if body["id"] != slot_id:
            return error(422, "invalid", "path and body ids differ")
        if "staff" in body:  # the contract: ignored, never stored; counted so that tests can see a leak
            counts["staff received"] += 1
        new = {k: body[k] for k in REQUIRED} | {"booking": body.get("booking")}
        office_slots = slots.setdefault(office, {})
        old = office_slots.get(slot_id)
        if old is not None and old["booked"] and any(old[k] != new[k] for k in PINNED):
            return error(409, "booked", f"slot {slot_id} is booked")
        booked = bool(old and old["booked"] and old.get("_citizen")) or new["booking"] is not None
        stored = new | {"booked": booked}
        if old is not None and old.get("_citizen"):
            stored["_citizen"] = True
        office_slots[slot_id] = stored
        public = {k: v for k, v in stored.items() if not k.startswith("_")}
        return JSONResponse(public, status_code=200 if old is not None else 201)

    @app.delete("/v1/offices/{office}/slots/{slot_id}")
    def delete_slot(office: str, slot_id: str) -> Any:
        office_slots = slots.get(office, {})
        old = office_slots.get(slot_id)
        if old is None:
            return error(404, "not_found", f"slot {slot_id} is not published")
        if old["booked"]:
            return error(409, "booked", f"slot {slot_id} is booked")
        del office_slots[slot_id]
        return Response(status_code=204)

    # ---- test controls -------------------------------------------------------------------
    @app.post("/_test/reset")
    def reset() -> Any:
        slots.clear()
        counts.clear()
        state.update(fail=[], hang_s=0.0)
        return {"ok": True}

    @app.post("/_test/book/{office}/{slot_id}")
    def book(office: str, slot_id: str) -> Any:
        slot = slots.get(office, {}).get(slot_id)
        if slot is None:
            return error(404, "not_found", "no such slot")
        slot["booked"] = True
        slot["_citizen"] = True
        return {"ok": True}

    @app.post("/_test/fail")
    async def fail(request: Request) -> Any:
        body = await request.json()
        state["fail"] = [int(body.get("status", 503))] * int(body.get("times", 1))
        state["hang_s"] = float(body.get("hang_s", 0.0))
        return {"ok": True}

    @app.get("/_test/stats")
    def stats() -> Any:
        return dict(counts)

    @app.get("/_test/slots/{office}")
    def dump(office: str) -> Any:
        return {k: {f: v for f, v in s.items() if not f.startswith("_")} for k, s in slots.get(office, {}).items()}

    @app.get("/_test/health")
    def health() -> Any:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerHandle:
    """A running test server: its base URL and helpers for the test controls."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.http = httpx.Client(base_url=url, timeout=5.0)

    def reset(self) -> None:
        self.http.post("/_test/reset").raise_for_status()

    def book(self, office: str, slot_id: str) -> None:
        self.http.post(f"/_test/book/{office}/{slot_id}").raise_for_status()

    def fail(self, status: int = 503, times: int = 1, hang_s: float = 0.0) -> None:
        body = {"status": status, "times": times, "hang_s": hang_s}
        self.http.post("/_test/fail", json=body).raise_for_status()

    def stats(self) -> Counter[str]:
        return Counter(self.http.get("/_test/stats").json())

    def slots(self, office: str) -> dict[str, dict[str, Any]]:
        return self.http.get(f"/_test/slots/{office}").json()

    def writes(self) -> int:
        """Successful PUT and DELETE calls since the last reset."""
        s = self.stats()
        return s["PUT 200"] + s["PUT 201"] + s["DELETE 204"]


@contextlib.contextmanager
def running_server(token: str | None = None) -> Iterator[ServerHandle]:
    """Start the server in a subprocess (uvicorn, 127.0.0.1, free port); stop it afterwards."""
    token = token or secrets.token_urlsafe(24)
    port = free_port()
    env = {**os.environ, "SLOTPLAN_TOKEN": token}
    proc = subprocess.Popen(
        [sys.executable, __file__, str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                detail = proc.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"test server exited: {detail}")
            try:
                if httpx.get(f"{url}/_test/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start within 30 s")
            time.sleep(0.1)
        handle = ServerHandle(url, token)
        try:
            yield handle
        finally:
            handle.http.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections (kernel backlog) but never answers: base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def main() -> None:
    import uvicorn

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    token = os.environ.get("SLOTPLAN_TOKEN", "")
    if not token:
        sys.exit("set SLOTPLAN_TOKEN")
    uvicorn.run(
        create_app(token),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
