"""The Typer application and the mapping of user-facing errors to exit codes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console

from ..errors import InfeasibleError, InputError

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE = 0, 2, 3
EXIT_RULE_BROKEN = 1
"""`slotplan check`: a plan breaks a hard rule."""

app = typer.Typer(
    name="slotplan",
    help="Daily slot plans for offices that serve citizens by appointment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
Deterministic = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Count CP-SAT deterministic time, not seconds: runs repeat for a given seed and worker count "
        "and do not depend on the machine's load (slower).",
    ),
]
"""The `--deterministic` switch of the day-planning commands (plan, replan, whatif)."""

console = Console()
err_console = Console(stderr=True)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn `InputError` into exit 2 and `InfeasibleError` into exit 3, each with its message, no traceback."""
    try:
        yield
    except InputError as err:
        for problem in err.problems:
            err_console.print(f"[bold red]input error[/] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except InfeasibleError as err:
        for reason in err.reasons:
            err_console.print(f"[bold red]infeasible[/] {reason}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INFEASIBLE) from None


@app.callback()
def main() -> None:
    """Daily slot plans for offices that serve citizens by appointment."""
