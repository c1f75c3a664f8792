"""`slotplan batch`: the alias of `slotplan plan` that always runs the batch engine.

It shares every option and the whole code path with `plan` (see `plan_cmd.plan_command_for`); the
only difference is that one scenario file with `--jobs 1` also goes through the batch engine and
gets its `batch-summary.json`.
"""

from __future__ import annotations

from .app import app
from .plan_cmd import BATCH_HELP, plan_command_for

app.command("batch", help=BATCH_HELP)(plan_command_for(always_batch=True))
