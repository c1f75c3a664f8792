"""No-show rates per request type and weekday, from the last year of a history (statsmodels GLM).

Per type, a binomial GLM of no-shows among booked appointments with a weekday factor, fitted on the
last 365 days. When a likelihood-ratio test does not find the weekdays to differ (p ≥ 0.05), the type
gets one rate for every weekday. The export format carries no booking lead time, so rates by lead
time cannot be estimated from it (docs/forecast.md). Late cancellations are not counted as no-shows:
for overbooking that errs on the safe side (fewer absences assumed than really happen).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .reader import History

WINDOW_DAYS = 365
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class NoShowEstimate:
    service: str
    rates: dict[int, float]
    """Weekday (0 = Monday) -> probability that a booked citizen does not come."""
    by_weekday: bool
    """False when the weekdays do not differ significantly (then all rates are equal)."""
    p_value: float | None
    history_rate: float
    """The history's own rate over the window: Σ no_show / Σ booked."""
    estimated_rate: float
    """The estimate's rate over the same bookings: Σ booked × rate(weekday) / Σ booked."""
    booked: int


def estimate_no_shows(history: History, window_days: int = WINDOW_DAYS) -> list[NoShowEstimate]:
    """One estimate per type of the history, from its last `window_days` days."""
    start = history.last - dt.timedelta(days=window_days - 1)
    out = []
    for service in history.services:
        rows = [r for r in history.of(service) if r.date >= start and r.booked > 0]
        if rows:
            with threadpool_limits(limits=1, user_api="blas"):
                out.append(_estimate(service, rows))
    return out


def _estimate(service: str, rows) -> NoShowEstimate:
    from scipy.stats import chi2
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    booked = np.array([r.booked for r in rows], dtype=float)
    missed = np.array([r.no_show for r in rows], dtype=float)
    weekdays = sorted({r.date.weekday() for r in rows})
    wd = np.array([r.date.weekday() for r in rows])
    x = np.column_stack([np.ones(len(rows))] + [(wd == w).astype(float) for w in weekdays[1:]])
    endog = np.column_stack([missed, booked - missed])
    history_rate = float(missed.sum() / booked.sum())
    rates = {w: history_rate for w in weekdays}
    p_value = None
    if len(weekdays) > 1 and 0 < missed.sum() < booked.sum():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = GLM(endog, x, family=families.Binomial()).fit()
            pooled = GLM(endog, x[:, :1], family=families.Binomial()).fit()
        p_value = float(chi2.sf(2 * (full.llf - pooled.llf), len(weekdays) - 1))
        if p_value < SIGNIFICANCE:
            fitted = full.predict(
                np.column_stack(
                    [np.ones(len(weekdays))] + [(np.array(weekdays) == w).astype(float) for w in weekdays[1:]]
                )
            )
            rates = {w: float(r) for w, r in zip(weekdays, fitted)}
    estimated = float(sum(b * rates[w] for b, w in zip(booked, wd)) / booked.sum())
    return NoShowEstimate(
        service,
        rates,
        p_value is not None and p_value < SIGNIFICANCE,
        p_value,
        history_rate,
        estimated,
        int(booked.sum()),
    )
