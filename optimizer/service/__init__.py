"""The reference booking service (`slotplan serve`): a small FastAPI + SQLAlchemy application that
implements the publish contract (`optimizer/publish/openapi.yaml`) for the office and a JSON API and
plain German pages for citizens. It shares only the plan's public format with the planner.

See docs/service.md.
"""

from .app import create_app
from .clock import FixedClock, SystemClock, parse_now
from .settings import Settings, build_settings

__all__ = ["FixedClock", "Settings", "SystemClock", "build_settings", "create_app", "parse_now"]
