"""`slotplan plan` for a scenario with `requests`: the horizon first, then each day with its contingents.

Plans already in --out count as published: their day is re-planned from them, so every slot that
survives keeps its id and bookings keep their slots.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.table import Table

from ..atomic import write_atomic
from ..day.solution import Progress, SolveOptions
from ..errors import InfeasibleError
from ..horizon import HorizonPlan, WaitReport, wait_report
from ..horizon.rolling import plan_across_days, plan_or_replan
from ..plan import Plan, plan_filename, read_plan
from ..scenario import Scenario
from .app import EXIT_INFEASIBLE, EXIT_OK, console, err_console
from .tables import summary_table


def wait_table(report: WaitReport, scenario: Scenario) -> Table:
    """Per type: requests, served, mean and 90th-percentile wait, share within target, queue at the end."""
    worst = report.worst_share
    table = Table(
        title=f"Wartezeiten {report.first} – {report.last}: worst share within target "
        f"{'–' if worst is None else f'{worst:.1%}'}",
        title_justify="left",
    )
    for column in (
        "Anliegen",
        "requests",
        "served",
        "mean wait",
        "p90 wait",
        "target",
        "within target",
        "waiting at end",
    ):
        table.add_column(
            column, justify="left" if column == "Anliegen" else "right", min_width=20 if column == "Anliegen" else None
        )
    days = lambda v: "–" if v is None else f"{v:g} d"  # noqa: E731
    for t in scenario.service_types:
        w = report.types[t.id]
        share = "–" if w.share_within_target is None else f"{w.share_within_target:.1%}"
        table.add_row(
            t.name,
            str(w.requests),
            str(w.served),
            days(w.mean_wait_days),
            days(w.p90_wait_days),
            days(w.target_wait_days),
            share,
            str(w.still_waiting),
        )
    return table


def plan_horizon_in_turn(
    scenario: Scenario, days: list[dt.date], options: SolveOptions, out: Path
) -> tuple[int, list[Plan], WaitReport | None]:
    """Plan `days` with the horizon, write each plan, print a table per day and the waiting table."""
    previous = {}
    for day in days:
        path = out / plan_filename(scenario.office.id, day)
        if path.exists():
            previous[day] = read_plan(path)
    failures: list[InfeasibleError] = []

    def plan_one(day_scenario: Scenario, day: dt.date, published: Plan | None) -> Plan | None:

        try:
            with console.status(f"{day}: solving …") as status:

                def show(p: Progress) -> None:
                    status.update(f"{day} [{p.stage}] {p.elapsed_s:5.1f} s  objective {p.objective:g}")

                plan = plan_or_replan(day_scenario, day, published, options, show)
        except InfeasibleError as err:
            failures.append(err)
            for reason in err.reasons:
                err_console.print(f"[bold red]infeasible[/] {reason}", highlight=False, soft_wrap=True)
            return None
        written = write_atomic(out / plan_filename(scenario.office.id, day), plan.to_json())
        console.print(summary_table(plan, day_scenario))
        kept = (
            f", {len({s.id for s in published.slots} & {s.id for s in plan.slots})} published slots kept"
            if published
            else ""
        )
        console.print(f"written {written}{kept}", highlight=False)
        return plan

    def show_horizon(h: HorizonPlan) -> None:
        levels = ", ".join(f"{k} {v:.4f}" for k, v in h.levels.items())
        console.print(f"Horizont {h.days[0]} – {h.days[-1]}: {levels} ({h.seconds:.1f} s)", highlight=False)

    run = plan_across_days(scenario, days, plan_one, previous=previous, on_horizon=show_horizon)
    report = wait_report(scenario, run.plans) if run.plans else None
    if report is not None:
        console.print(wait_table(report, scenario))
        console.print(f"horizon stage {run.horizon_seconds:.1f} s over {len(run.horizons)} solves", highlight=False)
    return (EXIT_INFEASIBLE if failures else EXIT_OK), run.plans, report
