"""Approved-account fixtures: a frozen clock (tests/deadlines) and `lifecycle tick`
in-process."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.deadlines.conftest import (
    Tick,
    clock,  # noqa: F401  (a fixture)
    tick_in_process,
)


@pytest.fixture
def lifecycle_tick(app: Flask) -> Tick:
    """`flask lifecycle tick` in-process (tests/deadlines/conftest.py's `tick_in_process`)."""
    return tick_in_process(app, "lifecycle")
