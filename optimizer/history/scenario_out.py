"""A scenario with the forecast written in: `requests` for the forecast dates and `no_show_rates`.

Everything else the user entered is kept as it was (a JSON scenario is edited as JSON; a workbook is
turned into its JSON form). `requests` outside the forecast dates stay; inside, the forecast's mean,
rounded, replaces them for each forecast type. `no_show_rates` of estimated types are replaced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..clock import WEEKDAYS
from ..io.json_file import read_json
from ..scenario import parse_scenario
from .forecast import Forecast
from .noshow import NoShowEstimate


def with_forecast(
    scenario_path: Path, result: Forecast, no_shows: list[NoShowEstimate], first: dt.date, last: dt.date
) -> dict[str, Any]:
    """The scenario's JSON with the forecast's requests and the no-show rates; validated again."""
    if scenario_path.suffix.lower() == ".xlsx":
        from ..io.readers import load_any_scenario

        data = load_any_scenario(scenario_path).to_json_dict()
    else:
        data = read_json(scenario_path)
        parse_scenario(data)
    forecast_types = set(result.models)

    def replaced(item: dict[str, Any]) -> bool:
        inside = first.isoformat() <= str(item.get("date")) <= last.isoformat()
        return item.get("service") in forecast_types and inside

    kept = [r for r in data.get("requests", []) if not replaced(r)]
    new = [
        {"date": f.date.isoformat(), "service": f.service, "count": round(f.mean)}
        for f in result.days
        if round(f.mean) > 0
    ]
    data["requests"] = sorted(kept + new, key=lambda r: (str(r.get("date")), str(r.get("service"))))
    estimated = {e.service for e in no_shows}
    rates = [r for r in data.get("no_show_rates", []) if r.get("service") not in estimated]
    for e in no_shows:
        if e.by_weekday:
            rates += [{"service": e.service, "weekday": WEEKDAYS[w], "rate": round(r, 4)} for w, r in e.rates.items()]
        else:
            rates.append({"service": e.service, "rate": round(e.history_rate, 4)})
    data["no_show_rates"] = rates
    parse_scenario(data)
    return data
