"""Learning from the office's history: read it, forecast requests, backtest, estimate no-shows.

`read_history` (reader.py) -> `History`; `forecast` (forecast.py) -> per day and type a mean and an
80 % band; `backtest` (backtest.py) against the seasonal-naive baseline; `estimate_no_shows`
(noshow.py) -> rates per type and weekday. Overbooking itself is a slot stage: `optimizer/overbook.py`.
"""
