"""Fixtures for the security tests: `people`, a signed-in browser for each person."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import World
from tests.security.support import People


@pytest.fixture
def people(app: Flask, world: World) -> People:
    """`people.client(Who.AUDITOR)`: a browser with that person signed in (made once)."""
    return People(app, world)
