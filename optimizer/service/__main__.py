"""`python -m optimizer.service [OPTIONS]`: the same command as `slotplan serve`, without loading the
planner's modules (a faster start for process managers and tests)."""

import typer

from ..cli.serve_cmd import serve_command

typer.run(serve_command)
