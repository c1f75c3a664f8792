"""Entry point of `slotplan`: imports every command module so that it registers itself on `app`."""

from __future__ import annotations

from . import plan_cmd  # noqa: F401  (registers `plan`)
from . import export_cmd  # noqa: F401
from . import publish_cmd  # noqa: F401
from . import template_cmd  # noqa: F401
from . import replan_cmd  # noqa: F401
from . import explain_cmd  # noqa: F401
from . import batch_cmd  # noqa: F401
from . import serve_cmd  # noqa: F401
from . import whatif_cmd  # noqa: F401
from . import roster_cmd  # noqa: F401
from . import check_cmd  # noqa: F401
from . import forecast_cmd  # noqa: F401
from .app import app

__all__ = ["app"]
