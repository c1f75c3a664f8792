"""What a benchmark's results depend on, for the header of every results table: the machine and the
versions of Python and OR-Tools (issue 17: record the ortools version in every benchmark table)."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def ortools_version() -> str:
    """The installed OR-Tools version, or "not installed"."""
    try:
        return version("ortools")
    except PackageNotFoundError:
        return "not installed"


def machine_note() -> str:
    """CPUs, load average now, Python and OR-Tools versions in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({cpu}), load average {load}, Python {platform.python_version()}, "
        f"ortools {ortools_version()}"
    )
