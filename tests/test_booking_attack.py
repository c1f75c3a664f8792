"""The reseller attack, repeated: 20 client addresses with fresh e-mail addresses and document numbers try
for 60 s to book a day's slots. The 60 s are the service's clock (moved in 10 s steps), not real time.

Without solving the challenge (or with one solution replayed) and without confirming any mail, they end
with no confirmed booking, and every slot is free again after `hold_minutes`. With the challenge solved,
they hold no more pending slots than the per-office limit allows, and none survives unconfirmed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from service_support import DAY, OFFICE, http_client, publish_slots, slot, solved_challenge, threaded_service

ADDRESSES = [f"10.0.{i // 10}.{i % 10 + 1}" for i in range(20)]
STEP_S, ATTACK_S = 10, 60
OFFICE_LIMIT = 6


def day_slots() -> list[dict]:
    """A day's released slots: 08:00–12:00 at four counters, 15 minutes each (64 slots)."""
    return [slot(f"{8 + q // 4:02d}:{(q % 4) * 15:02d}", n=c, counter=f"C0{c}") for q in range(16) for c in range(1, 5)]


def statuses(db: Path) -> dict[str, int]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM bookings GROUP BY status").fetchall())


def attack(svc, mode: str) -> list[int]:
    """Every address tries one slot per step for ATTACK_S seconds of service time; the pending counts
    after each step. `mode`: "none" (a made-up payload), "replay" (one real solution for every try) or
    "solve" (a fresh solution for every try)."""
    start = svc.clock.now()
    replayed = solved_challenge(svc.url)
    counter = itertools.count()
    pending_seen = []
    http = http_client()
    for step in range(ATTACK_S // STEP_S):
        svc.clock.set(start + dt.timedelta(seconds=step * STEP_S))
        free = http.get(f"{svc.url}/v1/offices/{OFFICE}/available", params={"date": DAY}).json()
        for address in ADDRESSES:
            if not free:
                break
            n = next(counter)
            target = free[n % len(free)]["id"]
            payload = {"none": "bm90IHNvbHZlZA==", "replay": replayed}.get(mode) or solved_challenge(svc.url)
            http.post(
                f"{svc.url}/v1/offices/{OFFICE}/bookings",
                headers={"X-Forwarded-For": address},
                json={
                    "slot": target,
                    "name": f"Käufer {n}",
                    "email": f"kauf{n}+x@reseller{n % 7}.example",
                    "document": f"R{n:08d}",
                    "altcha": payload,
                },
            )
        pending_seen.append(statuses(svc.db).get("pending", 0))
    return pending_seen


def run(tmp_path: Path, mode: str) -> int:
    """The attack against a fresh service; the most slots it held at once."""
    with threaded_service(
        tmp_path / "attack.sqlite3", forwarded=True, booking_limit_per_min=10, office_booking_limit_per_min=OFFICE_LIMIT
    ) as svc:
        svc.db = tmp_path / "attack.sqlite3"
        all_slots = day_slots()
        publish_slots(svc.url, all_slots)
        pending_seen = attack(svc, mode)
        counts = statuses(svc.db)
        assert counts.get("confirmed", 0) == 0  # nobody confirmed a mail
        assert max(pending_seen) <= OFFICE_LIMIT, pending_seen
        held_during_attack = max(pending_seen)
        # after hold_minutes, every slot is free again
        svc.clock.set(
            dt.datetime.fromisoformat(f"{DAY}T07:00")
            + dt.timedelta(seconds=ATTACK_S, minutes=svc.settings.hold_minutes)
        )
        free = http_client().get(f"{svc.url}/v1/offices/{OFFICE}/available", params={"date": DAY}).json()
        assert {s["id"] for s in free} == {s["id"] for s in all_slots}
        after = statuses(svc.db)
        assert after.get("pending", 0) == 0 and after.get("confirmed", 0) == 0
        return held_during_attack


def test_attack_without_challenge_holds_nothing(tmp_path):
    assert run(tmp_path, "none") == 0


def test_attack_replaying_one_solution_holds_one_slot_at_most(tmp_path):
    assert run(tmp_path, "replay") == 1  # a solution books once


def test_attack_with_solved_challenges_is_capped_by_the_office_limit(tmp_path):
    assert run(tmp_path, "solve") == OFFICE_LIMIT
