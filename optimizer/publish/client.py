"""Publish a plan to a booking system that speaks the contract in `openapi.yaml`.

`publish(plan, client)` reads what is published for the plan's office and date, computes the diff
by stable slot id (`diff_slots`) and applies it unless `dry_run`:

- **new** (not published) and **changed** (published with other fields): `PUT`;
- **unchanged**: nothing is sent, so a second identical publish writes nothing;
- **withdrawn** (published, not in the plan, not booked): `DELETE`;
- **kept** (booked and the plan drops it or would move it, or the server answered 409 `booked`):
  nothing is sent, the booking stays; it is a conflict for the office to resolve (exit 4);
- **refused** (the server answered 409 `conflict`: the slot would overlap a booked slot at its
  counter or take a booked slot's staff member): the slot is not published (exit 4).

Writes go out in an order that lets a consistent plan through: first the booked slots' own updates
(their new counter and staff; several in one `POST …/slot-batches` transaction where the server
offers it, so booked slots can swap counters or people), then withdrawals, then the other updates, then new slots; slots
refused on the way are tried again, round after round, while each round gets one more through.
A plan slot whose `booking` names a slot booked online on the server (`booking` = that slot's id, as
`read_bookings` reports it) is that slot:
it is published under that id and without `booking` (the server already holds the booking).
Each slot carries `staff_ref`, a keyed hash of its staff id (key: the token) for this office-day,
so that the server can tell when a booked slot would lose its staff member without learning who.

`SlotClient` retries 5xx answers, 429 and timeouts/connection failures with bounded exponential
backoff (`Retry-After` honoured up to `max_backoff_s`) and stops at the first other 4xx. The token
lives in a private `httpx.Auth`; it is never part of a URL, a result, a repr or an exception
message, and texts that come back from the server are scrubbed of it. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from ..errors import InputError
from ..plan import Plan, Slot

DEFAULT_TOKEN_ENV = "SLOTPLAN_TOKEN"
EXIT_DONE, EXIT_CONFLICTS, EXIT_UNREACHABLE, EXIT_REJECTED = 0, 4, 5, 6

#: The fields a published slot shares with the plan's slot (the plan's minus `staff`).
FIELDS = ("id", "date", "start", "end", "service", "counter", "channel", "release_at", "booking")
#: Fields a booked slot must keep: changing them would move the booking.
PINNED = ("date", "start", "end", "service")

Kind = Literal["new", "changed", "unchanged", "withdrawn", "kept", "refused"]
Outcome = Literal["done", "conflicts", "unreachable", "rejected"]


class PublishError(Exception):
    """A call failed for good. `status` is the HTTP status, or None when no answer came."""

    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


class Unreachable(PublishError):
    """No usable answer within the retry budget (timeouts, connection errors, 5xx, 429)."""


class Rejected(PublishError):
    """The server refused a call with a 4xx other than a booking conflict (401, 403, 404, 422, …)."""


class Conflict(PublishError):
    """The server answered 409: `code` `booked` (the call would withdraw or move a booking) or
    `conflict` (the slot would collide with another, booked slot)."""

    def __init__(self, message: str, status: int | None = None, code: str = "booked", detail: str = ""):
        self.code, self.detail = code, detail or message
        super().__init__(message, status)


def token_from_env(var: str = DEFAULT_TOKEN_ENV, environ: dict[str, str] | None = None) -> str:
    """The bearer token from environment variable `var`; `InputError` (naming only the variable)."""
    if not var or not var.replace("_", "").isalnum():
        raise InputError(f"--token-env: {var!r} is not an environment variable name")
    value = (os.environ if environ is None else environ).get(var, "").strip()
    if not value:
        raise InputError(f"--token-env: environment variable {var} is not set or empty")
    return value


class _Bearer(httpx.Auth):
    """Adds `Authorization: Bearer …`; its repr never shows the token."""

    def __init__(self, token: str):
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def staff_ref(self, office: str, date: dt.date, staff: str) -> str:
        """A pseudonym of `staff` valid for one office-day: HMAC-SHA256 keyed with the token."""
        message = f"{office}/{date.isoformat()}/{staff}".encode()
        return hmac.new(self._token.encode(), message, hashlib.sha256).hexdigest()[:24]

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def __repr__(self) -> str:
        return "<Bearer token=***>"


StaffRef = Callable[[Slot], str | None]


def public_slot(slot: Slot, staff_ref: StaffRef | None = None) -> dict[str, Any]:
    """The plan's slot as the contract's `SlotInput`: JSON fields without `staff` (with `staff_ref`,
    its pseudonym, when `staff_ref` is given)."""
    data = slot.model_dump(mode="json")
    out = {k: data.get(k) for k in FIELDS}
    if staff_ref is not None:
        out["staff_ref"] = staff_ref(slot)
    return out


def _compared_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """FIELDS, and `staff_ref` when the server keeps it (servers that do not are not asked to)."""
    return FIELDS + (("staff_ref",) if "staff_ref" in before and "staff_ref" in after else ())


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data.get(k) for k in (*FIELDS, "staff_ref")}
    release = out.get("release_at")
    if isinstance(release, str) and len(release) == 16:
        out["release_at"] = release + ":00"  # the contract allows seconds to be left out
    return out


@dataclass(frozen=True)
class Change:
    """One slot's fate. `before` is what was published (with `booked`), `after` what the plan says."""

    kind: Kind
    slot_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""

    @property
    def booked(self) -> bool:
        return bool(self.before and self.before.get("booked"))

    @property
    def fields_changed(self) -> tuple[str, ...]:
        if not self.before or not self.after:
            return ()
        a, b = _comparable(self.before), _comparable(self.after)
        return tuple(k for k in _compared_fields(self.before, self.after) if a[k] != b[k])

    @property
    def needs_write(self) -> bool:
        return self.kind in ("new", "changed", "withdrawn")


@dataclass
class PublishResult:
    """What publishing one plan did (or, on a dry run, would do)."""

    office: str
    date: dt.date
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    outcome: Outcome = "done"
    error: str | None = None

    @property
    def writes(self) -> int:
        """Successful PUT/DELETE calls."""
        return len(self.applied)

    def count(self, kind: Kind) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def conflicts(self) -> list[Change]:
        """Booked slots kept against the plan, and slots the server refused."""
        return [c for c in self.changes if c.kind in ("kept", "refused")]

    def report(self) -> dict[str, list[str]]:
        """Slot ids by what happened to them, in the office's words: kept (as published, or booked and
        kept against the plan), moved (published with other fields), withdrawn, new and refused."""
        groups: dict[str, list[str]] = {"kept": [], "moved": [], "withdrawn": [], "new": [], "refused": []}
        word = {
            "unchanged": "kept",
            "kept": "kept",
            "changed": "moved",
            "withdrawn": "withdrawn",
            "new": "new",
            "refused": "refused",
        }
        for c in self.changes:
            groups[word[c.kind]].append(c.slot_id)
        return groups

    @property
    def exit_code(self) -> int:
        return {
            "done": EXIT_DONE,
            "conflicts": EXIT_CONFLICTS,
            "unreachable": EXIT_UNREACHABLE,
            "rejected": EXIT_REJECTED,
        }[self.outcome]


def align_online_bookings(
    wanted: dict[str, dict[str, Any]], have: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The plan's slots keyed by the id they are published under: a slot whose `booking` names a slot
    booked online (booked on the server without a plan `booking`) takes that slot's id (a plan slot
    that had the id takes the freed one) and is sent without `booking`."""
    out = {ident: dict(data) for ident, data in wanted.items()}
    for ident, data in list(out.items()):
        target = data.get("booking")
        if not isinstance(target, str):
            continue
        online = have.get(target)
        if online is None or not online.get("booked") or online.get("booking"):
            continue
        data["booking"] = None
        if ident == target:
            continue
        holder = out.pop(target, None)
        del out[ident]
        data["id"] = target
        out[target] = data
        if holder is not None:
            holder["id"] = ident
            out[ident] = holder
    return out


def diff_slots(
    plan_slots: Iterable[Slot], published: Iterable[dict[str, Any]], staff_ref: StaffRef | None = None
) -> list[Change]:
    """The diff by slot id, ordered by start time then id: new, changed, unchanged, withdrawn, kept."""
    have = {p["id"]: p for p in published}
    wanted = align_online_bookings({s.id: public_slot(s, staff_ref) for s in plan_slots}, have)
    changes: list[Change] = []
    for ident, after in wanted.items():
        before = have.get(ident)
        if before is None:
            changes.append(Change("new", ident, None, after))
            continue
        change = Change("changed", ident, before, after)
        moved = [k for k in change.fields_changed if k in PINNED]
        if not change.fields_changed:
            changes.append(Change("unchanged", ident, before, after))
        elif before.get("booked") and moved:
            changes.append(
                Change("kept", ident, before, after, f"booked; the plan would change its {', '.join(moved)}")
            )
        else:
            changes.append(change)
    for ident, before in have.items():
        if ident in wanted:
            continue
        if before.get("booked"):
            changes.append(Change("kept", ident, before, None, "booked; the plan no longer has this slot"))
        else:
            changes.append(Change("withdrawn", ident, before, None))

    def key(c: Change) -> tuple[str, str, str]:
        data = c.after or c.before or {}
        return (str(data.get("date", "")), str(data.get("start", "")), c.slot_id)

    return sorted(changes, key=key)


class SlotClient:
    """The three calls of the contract, with bounded retries. Use as a context manager.

    `attempts` is the number of tries per call (so `attempts - 1` retries), `backoff_s` the first
    wait, doubled per retry up to `max_backoff_s`; `timeout_s` bounds each try. The worst case of
    one call is about `attempts × timeout_s + Σ waits`.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 10.0,
        attempts: int = 4,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"--to: {self._safe_url(base_url)!r} is not an http(s) URL")
        if parts.username or parts.password:
            raise InputError("--to: the URL must not carry credentials; the token comes from the environment")
        if attempts < 1 or timeout_s <= 0 or backoff_s < 0 or max_backoff_s < 0:
            raise InputError("publish: attempts >= 1, timeout > 0 and backoff >= 0 are needed")
        self.base_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.attempts, self.backoff_s, self.max_backoff_s = attempts, backoff_s, max_backoff_s
        self._sleep = sleep
        self._auth = _Bearer(token)
        self._http = httpx.Client(
            auth=self._auth,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "slotplan-publish/1"},
            follow_redirects=False,
        )
        self.requests = 0

    @staticmethod
    def _safe_url(url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def __enter__(self) -> SlotClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"SlotClient({self.base_url!r})"

    def _url(self, office: str, slot_id: str | None = None) -> str:
        url = f"{self.base_url}/v1/offices/{quote(office, safe='')}/slots"
        return url if slot_id is None else f"{url}/{quote(slot_id, safe='')}"

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call with retries; returns the response of a 2xx/404/409 answer, raises otherwise."""
        what = f"{method} {url}"
        problem = ""
        for attempt in range(1, self.attempts + 1):
            wait = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
            try:
                self.requests += 1
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as err:
                problem = f"connection failed ({type(err).__name__})"
            else:
                status = response.status_code
                if status < 300 or status in (404, 409):
                    return response
                message = self._message(response)
                if status >= 500 or status == 429:
                    problem = f"answered {status}{message}"
                    wait = min(self.max_backoff_s, max(wait, self._retry_after(response)))
                elif 400 <= status < 500:
                    raise Rejected(f"{what}: answered {status}{message}", status)
                else:
                    raise Rejected(f"{what}: unexpected answer {status}{message}", status)
            if attempt < self.attempts:
                self._sleep(wait)
        raise Unreachable(f"{what}: {problem} ({self.attempts} attempt{'s' if self.attempts > 1 else ''})")

    def _message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            text = data.get("message") or data.get("error") or data.get("detail") or ""
        except (ValueError, AttributeError):
            text = ""
        text = self._auth.scrub(str(text))[:200]
        return f": {text}" if text else ""

    @staticmethod
    def _code(response: httpx.Response) -> str:
        try:
            return str(response.json().get("error") or "booked")
        except (ValueError, AttributeError):
            return "booked"

    def staff_ref(self, office: str, date: dt.date, staff: str) -> str:
        """The pseudonym `slotplan publish` sends for `staff` on this office-day."""
        return self._auth.staff_ref(office, date, staff)

    @staticmethod
    def _retry_after(response: httpx.Response) -> float:
        try:
            return max(0.0, float(response.headers.get("Retry-After", "0")))
        except ValueError:
            return 0.0

    def published(self, office: str, date: dt.date) -> list[dict[str, Any]]:
        """`GET …/slots?date=`: the published slots of the office-day (each with `booked`)."""
        url = self._url(office)
        response = self._call("GET", url, params={"date": date.isoformat()})
        if response.status_code == 404:
            raise Rejected(f"GET {url}: answered 404{self._message(response)}", 404)
        if response.status_code == 409:
            raise Rejected(f"GET {url}: unexpected answer 409", 409)
        try:
            data = response.json()
            slots = data["slots"] if isinstance(data, dict) else data
            if not isinstance(slots, list) or not all(isinstance(s, dict) and "id" in s for s in slots):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise Rejected(f"GET {url}: the answer is not a slot list", response.status_code) from None
        return slots

    def put(self, office: str, slot: dict[str, Any]) -> int:
        """`PUT …/slots/{id}`: create or update; returns the status. Raises `Conflict` on 409."""
        url = self._url(office, slot["id"])
        response = self._call("PUT", url, json=slot)
        if response.status_code == 409:
            message = self._message(response)
            raise Conflict(f"PUT {url}: answered 409{message}", 409, self._code(response), message.removeprefix(": "))
        if response.status_code == 404:
            raise Rejected(f"PUT {url}: answered 404{self._message(response)}", 404)
        return response.status_code

    def put_batch(self, office: str, batch: list[dict[str, Any]]) -> bool:
        """`POST …/slot-batches`: several slots in one transaction, all or none. False when the server
        does not offer it (404, 405: the caller sends them one by one); raises `Conflict` on 409."""
        url = f"{self.base_url}/v1/offices/{quote(office, safe='')}/slot-batches"
        try:
            response = self._call("POST", url, json={"slots": batch})
        except Rejected as err:
            if err.status == 405:
                return False
            raise
        if response.status_code == 409:
            message = self._message(response)
            raise Conflict(f"POST {url}: answered 409{message}", 409, self._code(response), message.removeprefix(": "))
        return response.status_code != 404

    def withdraw(self, office: str, slot_id: str) -> int:
        """`DELETE …/slots/{id}`; 404 (already gone) counts as done. Raises `Conflict` on 409."""
        url = self._url(office, slot_id)
        response = self._call("DELETE", url)
        if response.status_code == 409:
            raise Conflict(f"DELETE {url}: answered 409{self._message(response)}", 409)
        return response.status_code


def _write_order(change: Change) -> int:
    """Booked slots' own updates first, then withdrawals, other updates, new slots."""
    if change.kind == "changed" and change.booked:
        return 0
    return {"withdrawn": 1, "changed": 2, "new": 3}[change.kind]


def publish(plan: Plan, client: SlotClient, *, dry_run: bool = False) -> PublishResult:
    """Publish one plan: read, diff, apply (unless `dry_run`). Never raises for HTTP trouble:
    the result's `outcome` says done / conflicts / unreachable / rejected, `error` why."""
    result = PublishResult(office=plan.office, date=plan.date, dry_run=dry_run)
    try:
        published = client.published(plan.office, plan.date)
    except PublishError as err:
        result.outcome = "unreachable" if isinstance(err, Unreachable) else "rejected"
        result.error = str(err)
        return result

    def staff_ref(slot: Slot) -> str | None:
        return client.staff_ref(plan.office, plan.date, slot.staff) if slot.staff else None

    changes = diff_slots(plan.slots, published, staff_ref)
    result.changes = changes
    if dry_run:
        result.outcome = "conflicts" if result.conflicts else "done"
        return result
    pending = sorted((i for i, c in enumerate(changes) if c.needs_write), key=lambda i: _write_order(changes[i]))
    booked = [i for i in pending if _write_order(changes[i]) == 0]
    if len(booked) > 1:  # booked slots may swap counters or people: one transaction, checked as a whole
        try:
            if client.put_batch(plan.office, [changes[i].after or {} for i in booked]):
                result.applied += [changes[i].slot_id for i in booked]
                pending = [i for i in pending if i not in set(booked)]
        except Conflict:
            pass  # one by one below, so that only the colliding slots are refused
        except PublishError as err:
            result.outcome = "unreachable" if isinstance(err, Unreachable) else "rejected"
            result.error = str(err)
            return result
    while pending:
        refused: dict[int, str] = {}
        for i in pending:
            change = changes[i]
            try:
                if change.kind == "withdrawn":
                    client.withdraw(plan.office, change.slot_id)
                else:
                    client.put(plan.office, change.after or {})
                result.applied.append(change.slot_id)
            except Conflict as err:
                if err.code == "conflict":
                    refused[i] = err.detail
                    continue
                reason = (
                    "booked meanwhile; not withdrawn"
                    if change.kind == "withdrawn"
                    else "booked meanwhile; the server refused to move it"
                )
                changes[i] = Change("kept", change.slot_id, change.before, change.after, reason)
            except PublishError as err:
                result.outcome = "unreachable" if isinstance(err, Unreachable) else "rejected"
                result.error = str(err)
                return result
        if len(refused) == len(pending):  # no progress: these collide with what stays
            for i, detail in refused.items():
                changes[i] = Change("refused", changes[i].slot_id, changes[i].before, changes[i].after, detail)
            break
        pending = list(refused)  # a collision with a slot that was still to move may be gone now
    result.outcome = "conflicts" if result.conflicts else "done"
    return result
