"""The forecast as a picture: per type the last year of history, the forecast mean and its 80 % band."""

from __future__ import annotations

import datetime as dt
import io
import math

from .calendar import OfficeCalendar
from .forecast import Forecast
from .reader import History

HISTORY_DAYS = 365


def forecast_png(history: History, result: Forecast, calendar: OfficeCalendar) -> bytes:
    """PNG bytes: one panel per type; closed days are left out of the forecast line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    services = list(result.models)
    columns = 2 if len(services) > 1 else 1
    rows = math.ceil(len(services) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 2.8 * rows), squeeze=False)
    since = history.last - dt.timedelta(days=HISTORY_DAYS)
    for ax, service in zip(axes.flat, services):
        past = [r for r in history.of(service) if r.date > since]
        ax.plot([r.date for r in past], [r.requests for r in past], ".", ms=2, color="0.45", label="Historie")
        days = [f for f in result.days if f.service == service and calendar.is_open(f.date)]
        ax.fill_between(
            [f.date for f in days],
            [f.low80 for f in days],
            [f.high80 for f in days],
            color="tab:blue",
            alpha=0.25,
            lw=0,
            label="80-%-Band",
        )
        ax.plot([f.date for f in days], [f.mean for f in days], ".-", ms=3, lw=0.8, color="tab:blue", label="Prognose")
        ax.set_title(service, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(services) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("Neue Anfragen pro Tag: Historie und Prognose", fontsize=11)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()
