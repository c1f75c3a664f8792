"""Entry point of `slotplan`: imports every command module so that it registers itself on `app`."""

from __future__ import annotations

from . import plan_cmd  # noqa: F401  (registers `plan` and its alias `batch`, first in `slotplan --help`)

# isort: split
from . import (
    check_cmd,  # noqa: F401
    explain_cmd,  # noqa: F401
    export_cmd,  # noqa: F401
    forecast_cmd,  # noqa: F401
    publish_cmd,  # noqa: F401
    replan_cmd,  # noqa: F401
    roster_cmd,  # noqa: F401
    serve_cmd,  # noqa: F401
    template_cmd,  # noqa: F401
    whatif_cmd,  # noqa: F401
)
from .app import app

__all__ = ["app"]
