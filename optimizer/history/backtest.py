"""Backtest: hold out the last weeks of a history, forecast them, compare with the seasonal-naive.

The seasonal-naive forecast of a day is the same type's requests on the same weekday 52 weeks
earlier (the nearest open same weekday within two weeks when that day was closed), scaled by the
year's growth: the type's requests in the last 52 weeks before the hold-out over the 52 weeks before
those. WAPE = Σ|actual − forecast| / Σ actual over the held-out office days of a type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .calendar import OfficeCalendar
from .forecast import fit_type, predict
from .reader import History

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class TypeScore:
    service: str
    days: int
    actual: int
    wape: float
    naive_wape: float | None
    """None when the history is too short for the baseline (under two years before the hold-out)."""
    coverage: float
    """Share of held-out days whose requests lie inside the 80 % band."""

    @property
    def ratio(self) -> float | None:
        return self.wape / self.naive_wape if self.naive_wape else None


@dataclass(frozen=True)
class Backtest:
    train_last: dt.date
    test_first: dt.date
    test_last: dt.date
    scores: list[TypeScore]

    @property
    def coverage(self) -> float:
        days = sum(s.days for s in self.scores)
        return sum(s.coverage * s.days for s in self.scores) / days if days else 0.0


def backtest(history: History, calendar: OfficeCalendar, weeks: int = 8, seed: int = 0) -> Backtest:
    """Train on all but the last `weeks` weeks, score the forecast and the baseline on them."""
    cut = history.last - weeks * WEEK
    train = history.until(cut)
    scores = []
    for n, service in enumerate(history.services):
        held = [r for r in history.of(service) if r.date > cut]
        if not held or not train.of(service):
            continue
        dates = [r.date for r in held]
        actual = [r.requests for r in held]
        predicted = predict(fit_type(train, service), dates, calendar, seed=seed + n)
        naive = seasonal_naive(train, service, dates)
        total = sum(actual) or 1
        wape = sum(abs(a - f.mean) for a, f in zip(actual, predicted)) / total
        naive_wape = (sum(abs(a - b) for a, b in zip(actual, naive)) / total) if naive is not None else None
        inside = sum(f.low80 <= a <= f.high80 for a, f in zip(actual, predicted))
        scores.append(TypeScore(service, len(held), sum(actual), wape, naive_wape, inside / len(held)))
    return Backtest(cut, cut + dt.timedelta(days=1), history.last, scores)


def seasonal_naive(train: History, service: str, dates: list[dt.date]) -> list[float] | None:
    """Same weekday 52 weeks earlier × the year's growth; None when the history is too short."""
    by_date = {r.date: r.requests for r in train.of(service)}
    last = train.last
    year = dt.timedelta(days=364)
    recent = sum(v for d, v in by_date.items() if last - year < d <= last)
    before = sum(v for d, v in by_date.items() if last - 2 * year < d <= last - year)
    if train.first > last - 2 * year + dt.timedelta(days=14) or not before:
        return None
    growth = recent / before
    out = []
    for date in dates:
        base = date - 52 * WEEK
        candidates = [base + k * WEEK for k in (0, -1, 1, -2, 2)]
        value = next((by_date[c] for c in candidates if c in by_date), None)
        if value is None:
            return None
        out.append(value * growth)
    return out
