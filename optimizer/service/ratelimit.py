"""Per-client rate limits: token buckets in memory (one process; see docs/service.md for several)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable


class RateLimiter:
    """`take(key, per_min)`: one token from the bucket of `key`, which refills at `per_min` tokens a
    minute and holds at most half a minute's worth (at least 1). Returns 0.0 when allowed, else the
    seconds until a token is there. `per_min <= 0` means no limit."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._now = monotonic
        self._max_keys = max_keys
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, time of last update)
        self._lock = threading.Lock()

    def _level(self, key: Hashable, per_min: int, now: float) -> float:
        capacity = max(1.0, per_min / 2)
        tokens, then = self._buckets.get(key, (capacity, now))
        return min(capacity, tokens + (now - then) * per_min / 60.0)

    def take(self, key: Hashable, per_min: int) -> float:
        if per_min <= 0:
            return 0.0
        with self._lock:
            now = self._now()
            tokens = self._level(key, per_min, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) * 60.0 / per_min

    def blocked(self, key: Hashable, per_min: int) -> float:
        """Like `take` but without taking: seconds until a token is there, 0.0 when one is."""
        if per_min <= 0:
            return 0.0
        with self._lock:
            tokens = self._level(key, per_min, self._now())
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) * 60.0 / per_min

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= self._max_keys:
            return
        # buckets untouched for a minute are full again: forgetting them changes nothing
        for key in [k for k, (_, then) in self._buckets.items() if now - then > 60.0]:
            del self._buckets[key]
        while len(self._buckets) > self._max_keys:  # still too many: drop the oldest
            del self._buckets[min(self._buckets, key=lambda k: self._buckets[k][1])]


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
