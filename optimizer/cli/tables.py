"""Tables the commands print (rich)."""

from __future__ import annotations

from rich.table import Table

from ..plan import Plan
from ..scenario import Scenario


def summary_table(plan: Plan, scenario: Scenario) -> Table:
    """Served against demand per request type, with counters used and the proven gap."""
    solver = plan.solver
    title = (
        f"{plan.date} {plan.status}: weighted served {plan.kpis['weighted_served']:g} "
        f"(bound {solver.bound:g}, gap {solver.gap:.2%}, {solver.seconds:.1f} s)"
    )
    table = Table(title=title, title_justify="left")
    for column in ("Anliegen", "served", "demand", "slots", "same-day"):
        table.add_column(column, justify="left" if column == "Anliegen" else "right")
    for t in scenario.service_types:
        k = plan.kpis
        table.add_row(
            t.name,
            str(k["served"][t.id]),
            str(k["demand"][t.id]),
            str(k["slots"][t.id]),
            str(k["same_day_slots"][t.id]),
        )
    table.caption = (
        f"counters used {plan.kpis['counters_used']}/{len(scenario.office.counters)}, "
        f"utilisation {plan.kpis['counter_utilisation']:.0%}, bookings held "
        f"{plan.kpis['bookings_held']}, to rebook {len(plan.rebook)}"
    )
    return table
