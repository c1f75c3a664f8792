"""`slotplan template`: write the Excel input workbook, blank or filled from a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..atomic import write_atomic
from ..errors import InputError
from ..io.readers import load_any_scenario
from ..io.workbook_template import template_workbook
from .app import app, console, user_errors


@app.command("template")
def template_command(
    out: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="Workbook to write.")],
    lang: Annotated[str, typer.Option("--lang", help="Labels: de (German) or en (English).")] = "de",
    source: Annotated[
        Path | None,
        typer.Option("--from", metavar="SCENARIO", help="Fill the workbook from this scenario (JSON or .xlsx)."),
    ] = None,
) -> None:
    """Write the input workbook the office manager fills in (one sheet per section of the scenario)."""
    with user_errors():
        if lang not in ("de", "en"):
            raise InputError(f"--lang: {lang!r} is not de or en")
        if out.suffix.lower() != ".xlsx":
            raise InputError(f"{out}: the workbook's name must end in .xlsx")
        scenario = load_any_scenario(source) if source is not None else None
        path = write_atomic(out, template_workbook(scenario, lang=lang))  # type: ignore[arg-type]
        console.print(f"written {path}", highlight=False)
