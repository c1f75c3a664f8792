"""From a `Schedule` to the published `Plan` (one office-day), in the order `build_plan` runs them:

- `slot_ids.py`: slot ids `<office>-<yyyymmdd>-<service>-<hhmm>-<n>`, kept across a re-plan;
- `bookings.py`: each booking onto a slot of its type and time;
- `channels.py`: `calendar` or `same_day`, and the release time of each slot;
- `rebook.py`: the bookings left without a slot, with a reason and a proposal;
- `kpis.py`: served against demand, channels, utilisation, the share of the fluid bound.
"""

from .build import build_plan
from .kpis import kpis

__all__ = ["build_plan", "kpis"]
