"""Shared fixtures."""

from __future__ import annotations

import json

import pytest
from support import SAMPLE


@pytest.fixture(scope="session")
def sample_dict() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))
