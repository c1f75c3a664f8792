"""`slotplan publish`: push plans' slots to a booking system and show the diff.

Exit codes: 0 done, 2 bad input (plan file, URL, missing token variable), 4 conflicts left (booked
slots kept), 5 booking system unreachable within the retry budget, 6 request refused (401, 403,
404, 422, …). The token is read from the environment and never printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.table import Table

from ..errors import InputError
from ..plan import read_plan
from ..publish.client import (
    DEFAULT_TOKEN_ENV,
    EXIT_CONFLICTS,
    EXIT_DONE,
    EXIT_REJECTED,
    EXIT_UNREACHABLE,
    PublishResult,
    SlotClient,
    publish,
    token_from_env,
)
from .app import app, console, err_console, user_errors

KIND_STYLE = {
    "new": "green",
    "changed": "yellow",
    "withdrawn": "red",
    "kept": "bold magenta",
    "unchanged": "dim",
    "refused": "bold red",
}


def diff_table(result: PublishResult, show_unchanged: bool = False) -> Table:
    """The diff as a table: one row per slot that is (or would be) written or kept."""
    counts = ", ".join(
        f"{result.count(k)} {k}" for k in ("new", "changed", "unchanged", "withdrawn", "kept", "refused")
    )
    table = Table(
        title=f"{result.office} {result.date}{' (dry run)' if result.dry_run else ''}: {counts}", title_justify="left"
    )
    for column in ("change", "slot", "time", "service", "counter", "channel", "note"):
        table.add_column(column, overflow="fold")
    applied = set(result.applied)
    prefix = f"{result.office}-{result.date:%Y%m%d}-"
    for c in result.changes:
        if c.kind == "unchanged" and not show_unchanged:
            continue
        data = c.after or c.before or {}
        note = c.reason
        if c.kind == "changed" and c.before and c.after:
            note = ", ".join(f"{k} {c.before.get(k)} → {c.after.get(k)}" for k in c.fields_changed)
        if c.needs_write and not result.dry_run and c.slot_id not in applied:
            note = (note + "; " if note else "") + "not applied"
        shown = c.slot_id[len(prefix) :] if c.slot_id.startswith(prefix) else c.slot_id
        table.add_row(
            f"[{KIND_STYLE[c.kind]}]{'kept (booked)' if c.kind == 'kept' else c.kind}[/]",
            shown,
            f"{data.get('start', '')}–{data.get('end', '')}",
            str(data.get("service", "")),
            str(data.get("counter", "")),
            str(data.get("channel", "")),
            note,
        )
    table.caption = f"slot ids without '{prefix}'; " + (
        f"{len(result.applied)} write(s) sent"
        if not result.dry_run
        else f"{sum(c.needs_write for c in result.changes)} write(s) would be sent"
    )
    return table


@app.command("publish")
def publish_command(
    plans: Annotated[list[Path], typer.Argument(metavar="PLAN.json", help="Plan file(s) to publish.")],
    to: Annotated[str, typer.Option("--to", help="Base URL of the booking system, e.g. http://127.0.0.1:8080.")],
    token_env: Annotated[
        str, typer.Option("--token-env", help="Environment variable that holds the bearer token.")
    ] = DEFAULT_TOKEN_ENV,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and show the diff; write nothing.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per request.")] = 10.0,
    attempts: Annotated[
        int, typer.Option("--attempts", help="Tries per request (retries on 5xx, 429 and timeouts).")
    ] = 4,
    backoff: Annotated[
        float, typer.Option("--backoff", help="First wait between tries in seconds; doubles per retry, at most 8 s.")
    ] = 0.5,
    show_unchanged: Annotated[bool, typer.Option("--show-unchanged", help="List unchanged slots too.")] = False,
) -> None:
    """Publish plans to a booking system: create new slots, update changed ones, withdraw dropped ones.

    Booked slots are never withdrawn or moved: they are kept and reported (exit 4).
    """
    with user_errors():
        loaded = [read_plan(p) for p in plans]
        token = token_from_env(token_env)
        if timeout <= 0 or attempts < 1 or backoff < 0:
            raise InputError("--timeout must be > 0, --attempts >= 1, --backoff >= 0")
        host = urlsplit(to).hostname or ""
        if to.lower().startswith("http://") and host not in ("localhost", "127.0.0.1", "::1"):
            err_console.print(
                f"[yellow]warning[/] the token goes to {host} over plain http; use https", highlight=False
            )
        code = EXIT_DONE
        with SlotClient(to, token, timeout_s=timeout, attempts=attempts, backoff_s=backoff) as client:
            for plan in loaded:
                result = publish(plan, client, dry_run=dry_run)
                if any(c.kind != "unchanged" for c in result.changes) or (show_unchanged and result.changes):
                    console.print(diff_table(result, show_unchanged))
                elif result.changes:
                    console.print(
                        f"{plan.office} {plan.date}: all {len(result.changes)} slots already "
                        "published unchanged; nothing to write",
                        highlight=False,
                    )
                if result.outcome == "unreachable":
                    err_console.print(f"[bold red]unreachable[/] {result.error}", highlight=False, soft_wrap=True)
                    raise typer.Exit(EXIT_UNREACHABLE)
                if result.outcome == "rejected":
                    err_console.print(f"[bold red]refused[/] {result.error}", highlight=False, soft_wrap=True)
                    raise typer.Exit(EXIT_REJECTED)
                report = result.report()
                console.print(
                    f"{plan.office} {plan.date}: " + ", ".join(f"{len(ids)} {word}" for word, ids in report.items()),
                    highlight=False,
                )
                for c in result.conflicts:
                    word = "[bold magenta]kept[/]" if c.kind == "kept" else "[bold red]refused[/]"
                    err_console.print(f"{word} {c.slot_id}: {c.reason}", highlight=False, soft_wrap=True)
                if result.conflicts:
                    code = EXIT_CONFLICTS
                if not result.changes:
                    console.print(
                        f"{plan.office} {plan.date}: nothing published and nothing to publish", highlight=False
                    )
        raise typer.Exit(code)
