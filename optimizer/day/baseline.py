"""The published plan seen through a day's index: the re-plan's starting point, as data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Baseline:
    """A published plan seen through the index (built by `map_published.build_baseline`)."""

    options: set[int]
    """Slot options that match a published slot (person, request type, counter class, start)."""
    guide: set[tuple[int, int]]
    breaks: dict[int, int]
    """Person -> index of the break plan whose blocks equal the published breaks."""
    unbooked: dict[tuple[str, int], int]
    """Published slots without a booking, counted per (request type, start step)."""
    frozen_steps: int
    """Opening steps before this one lie before `now` and keep their published activity."""
    sittings: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict)
    """Person -> published sittings as (counter, start minute, end minute)."""
    days: set[int] = field(default_factory=set)
    """People whose whole published day (presence unchanged) can be kept: the `keep_days` family."""
