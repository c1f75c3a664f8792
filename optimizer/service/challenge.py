"""Proof of work before a booking: ALTCHA challenges (the `altcha` package, protocol v1, SHA-256).

The page (or an API client) fetches a challenge, finds the secret number by brute force (the
browser does it in `static/altcha.js`, with WebCrypto) and sends the solution with the booking.
The server checks the HMAC signature and the expiry with `altcha.verify_solution_v1`, and records
each solution so it books once. The search space grows with the office's booking rate: a quiet
office costs a citizen a fraction of a second, a bot that books fast pays more and more.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import altcha

from .store import ServiceError, Store

EXPIRES_MIN = 10
MAX_FACTOR = 64


def difficulty(store: Store, office: str) -> int:
    """The search space now: `challenge_base` × (1 + bookings in the last minute), at most 64 times."""
    return store.settings.challenge_base * min(MAX_FACTOR, 1 + store.recent_bookings(office))


def new_challenge(store: Store, office: str) -> dict[str, Any]:
    """A signed challenge for `office` (JSON for the widget: algorithm, challenge, maxNumber, salt, signature)."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=EXPIRES_MIN)
    # altcha 2.3's keyword overload lists every option without its default (the implementation has them)
    challenge = altcha.create_challenge_v1(  # type: ignore[call-overload]
        hmac_key=store.settings.challenge_key,
        max_number=difficulty(store, office),
        expires=expires,
        params={"office": office},
    )
    return challenge.to_dict()


def check_solution(store: Store, office: str, payload: Any) -> None:
    """Accept a solved challenge of `office` once; 422 `challenge` otherwise."""
    refused = ServiceError(422, "challenge", "the security check (altcha) is missing, wrong, expired or used")
    if not isinstance(payload, str) or not payload or len(payload) > 2000:
        raise refused
    try:
        ok, _error = altcha.verify_solution_v1(payload, store.settings.challenge_key, check_expires=True)
        if not ok:
            raise refused
        data = json.loads(base64.b64decode(payload))
        params = altcha.extract_params_v1(data)
        expires = dt.datetime.fromtimestamp(int(params["expires"][0]), dt.UTC).replace(tzinfo=None)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        raise refused from None
    if params.get("office", [None])[0] != office:
        raise refused
    if not store.use_challenge(str(data["signature"]), expires):
        raise refused


def solve(challenge: dict[str, Any]) -> str:
    """The payload that solves `challenge` (what the browser script does; for API clients and tests)."""
    found = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    if found is None:
        raise ValueError("challenge has no solution")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": found.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
