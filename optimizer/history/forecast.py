"""Forecast new requests per office day and type: a negative-binomial regression (statsmodels).

Per request type, log E[requests] = intercept + weekday effects + a yearly season of `K` Fourier pairs
+ a linear trend in years (constant growth rate); the count is negative binomial (NB2: variance
mu + alpha·mu²). `K` is chosen per type by AIC. The 80 % band comes from simulation: parameter
draws from the estimate's normal approximation (parameter uncertainty, including alpha), then a
negative-binomial count per draw (day-to-day noise). Closed days get zero. Why this model:
docs/forecast.md.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .calendar import OfficeCalendar
from .reader import History

HARMONICS = (4, 8, 12)
"""Candidate numbers of Fourier pairs for the yearly season; AIC picks one per type."""
OVERDISPERSION = 1.1
"""Pearson χ²/df of the Poisson fit above which the negative binomial is fitted."""
SIMULATIONS = 4000
BAND = (0.10, 0.90)
YEAR = 365.25


@dataclass(frozen=True)
class DayForecast:
    date: dt.date
    service: str
    mean: float
    low80: int
    high80: int


@dataclass(frozen=True)
class TypeModel:
    """A fitted model of one request type's daily requests."""

    service: str
    origin: dt.date
    weekdays: tuple[int, ...]
    """Weekdays with their own effect (the first one seen is the reference)."""
    harmonics: int
    params: np.ndarray
    """Regression coefficients, then alpha (NB2 dispersion)."""
    cov: np.ndarray
    aic: float

    def design(self, dates: list[dt.date]) -> np.ndarray:
        return design_matrix(dates, self.origin, self.weekdays, self.harmonics)

    def weekday_factors(self) -> dict[int, float]:
        """Multiplicative weekday effects relative to the reference weekday."""
        factors = {self.weekdays[0]: 1.0}
        for i, wd in enumerate(self.weekdays[1:], start=1):
            factors[wd] = math.exp(self.params[i])
        return factors

    def yearly_growth(self) -> float:
        return math.exp(self.params[len(self.weekdays)])


def design_matrix(dates: list[dt.date], origin: dt.date, weekdays: tuple[int, ...], harmonics: int) -> np.ndarray:
    """Columns: intercept, weekday dummies (all but the first of `weekdays`), trend in years, Fourier
    pairs."""
    n = len(dates)
    wd = np.array([d.weekday() for d in dates])
    years = np.array([(d - origin).days / YEAR for d in dates])
    phase = 2 * np.pi * np.array([(d.timetuple().tm_yday - 1) / YEAR for d in dates])
    columns = [np.ones(n)] + [(wd == w).astype(float) for w in weekdays[1:]] + [years]
    for k in range(1, harmonics + 1):
        columns += [np.sin(k * phase), np.cos(k * phase)]
    return np.column_stack(columns)


def fit_type(history: History, service: str) -> TypeModel:
    """The type's model, its number of Fourier pairs chosen by AIC."""
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only contend
        return _fit_type(history, service)


def _fit_type(history: History, service: str) -> TypeModel:
    rows = history.of(service)
    dates = [r.date for r in rows]
    y = np.array([r.requests for r in rows], dtype=float)
    weekdays = tuple(sorted({d.weekday() for d in dates}))
    origin = dates[0]
    best: TypeModel | None = None
    for k in HARMONICS:
        x = design_matrix(dates, origin, weekdays, k)
        if x.shape[1] + 1 >= len(y):
            continue
        params, cov, aic = _fit(y, x)
        model = TypeModel(service, origin, weekdays, k, params, cov, aic)
        if best is None or model.aic < best.aic:
            best = model
    if best is None:
        raise ValueError(f"{service}: too little history to fit a model ({len(y)} days)")
    return best


def _fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(coefficients + alpha, their covariance, AIC) of the NB2 regression; the Poisson GLM (alpha = 0)
    when the data show no overdispersion (the NB fit then has no usable covariance at alpha ≈ 0)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = GLM(y, x, family=families.Poisson()).fit()
        overdispersed = poisson.pearson_chi2 / poisson.df_resid > OVERDISPERSION
        try:
            if not overdispersed:
                raise ValueError("no overdispersion")
            nb = NegativeBinomial(y, x, loglike_method="nb2").fit(
                start_params=np.append(poisson.params, 0.05), method="bfgs", maxiter=500, disp=0
            )
            cov = np.asarray(nb.cov_params())
            if nb.params[-1] > 1e-4 and np.all(np.isfinite(cov)) and np.all(np.linalg.eigvalsh(cov) > 0):
                return np.asarray(nb.params), cov, float(nb.aic)
        except (ValueError, np.linalg.LinAlgError):
            pass
    k = x.shape[1]
    cov = np.zeros((k + 1, k + 1))
    cov[:k, :k] = np.asarray(poisson.cov_params())
    return np.append(poisson.params, 0.0), cov, float(poisson.aic)


def predict(
    model: TypeModel, dates: list[dt.date], calendar: OfficeCalendar, seed: int = 0, simulations: int = SIMULATIONS
) -> list[DayForecast]:
    """Mean and 80 % band of each date's requests (zero on closed days)."""
    return predict_with_weeks(model, dates, calendar, seed, simulations)[0]


def predict_with_weeks(
    model: TypeModel, dates: list[dt.date], calendar: OfficeCalendar, seed: int = 0, simulations: int = SIMULATIONS
) -> tuple[list[DayForecast], list[DayForecast]]:
    """Per date, and per week (dated by its Monday; sums of the same simulated paths), mean and band."""
    open_days = [d for d in dates if calendar.is_open(d)]
    days = {d: DayForecast(d, model.service, 0.0, 0, 0) for d in dates}
    mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in dates})
    weeks = {m: DayForecast(m, model.service, 0.0, 0, 0) for m in mondays}
    if open_days:
        with threadpool_limits(limits=1, user_api="blas"):
            draws = simulate(model, open_days, seed, simulations)
        for i, d in enumerate(open_days):
            days[d] = _summary(d, model.service, draws["mu"][:, i], draws["y"][:, i])
        for m in mondays:
            cols = [i for i, d in enumerate(open_days) if 0 <= (d - m).days < 7]
            if cols:
                weeks[m] = _summary(m, model.service, draws["mu"][:, cols].sum(axis=1), draws["y"][:, cols].sum(axis=1))
    return [days[d] for d in dates], [weeks[m] for m in mondays]


def _summary(date: dt.date, service: str, mu: np.ndarray, y: np.ndarray) -> DayForecast:
    low, high = np.quantile(y, BAND)
    return DayForecast(date, service, float(mu.mean()), math.floor(low), math.ceil(high))


def simulate(model: TypeModel, dates: list[dt.date], seed: int, simulations: int) -> dict[str, np.ndarray]:
    """Draws (simulations × dates) of the expected count `mu` and of the count `y` itself."""
    rng = np.random.default_rng(seed)
    params = rng.multivariate_normal(model.params, model.cov, size=simulations, method="eigh")
    beta, alpha = params[:, :-1], np.clip(params[:, -1:], 1e-9, None)
    mu = np.exp(np.clip(beta @ model.design(dates).T, -50, 50))
    y = rng.poisson(rng.gamma(shape=1 / alpha, scale=mu * alpha))
    return {"mu": mu, "y": y}


@dataclass(frozen=True)
class Forecast:
    days: list[DayForecast]
    """Every date and type, sorted by date and type."""
    weeks: list[DayForecast]
    """Per week (dated by its Monday) and type: the sum over the week's days."""
    models: dict[str, TypeModel]


def forecast(
    history: History,
    first: dt.date,
    last: dt.date,
    calendar: OfficeCalendar,
    services: list[str] | None = None,
    seed: int = 0,
) -> Forecast:
    """Forecasts for every date from `first` to `last` and every type (of `services`, default all)."""
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days: list[DayForecast] = []
    weeks: list[DayForecast] = []
    models = {}
    for n, service in enumerate(services or list(history.services)):
        models[service] = fit_type(history, service)
        d, w = predict_with_weeks(models[service], dates, calendar, seed=seed + n)
        days += d
        weeks += w
    order = list(models)

    def key(f: DayForecast) -> tuple[dt.date, int]:
        return f.date, order.index(f.service)

    return Forecast(sorted(days, key=key), sorted(weeks, key=key), models)
