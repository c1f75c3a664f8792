"""Entry point of `slotplan`: imports every command module so that it registers itself on `app`."""

from __future__ import annotations

from . import (
    batch_cmd,  # noqa: F401
    check_cmd,  # noqa: F401
    explain_cmd,  # noqa: F401
    export_cmd,  # noqa: F401
    forecast_cmd,  # noqa: F401
    plan_cmd,  # noqa: F401  (registers `plan`)
    publish_cmd,  # noqa: F401
    replan_cmd,  # noqa: F401
    roster_cmd,  # noqa: F401
    serve_cmd,  # noqa: F401
    template_cmd,  # noqa: F401
    whatif_cmd,  # noqa: F401
)
from .app import app

__all__ = ["app"]
