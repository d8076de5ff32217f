"""Web fixtures: an anonymous `client`, and `client_for(user)` for a signed-in one.

CSRF protection stays on, as in production: post forms with `post_form` or `sign_in`
from tests/web/client.py, which read the token from the page first.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app.models.users import User
from tests.web.client import PermitClient, make_client, sign_in


@pytest.fixture
def client(app: Flask) -> PermitClient:
    """A browser with no one signed in."""
    return make_client(app)


@pytest.fixture
def client_for(app: Flask) -> Callable[[User], PermitClient]:
    """Make a browser with `user` signed in: `client_for(world.officer)`."""

    def make(user: User) -> PermitClient:
        client = make_client(app)
        response = sign_in(client, user)
        assert response.status_code == 302, "sign-in failed: " + response.get_data(as_text=True)
        return client

    return make
