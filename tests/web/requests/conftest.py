"""Fixtures and helpers for the officer's screens: a signed-in officer, and `fill`, which
sends a page's form as a browser would (its hidden CSRF token and request version
included) with the answers a test gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import AccessRequest
from tests.factories import World
from tests.web.client import PermitClient
from tests.web.requests.html import main_form


def fill(
    client: FlaskClient,
    url: str,
    answers: dict[str, Any] | None = None,
    *,
    button: str | None = None,
    **kwargs: Any,
) -> TestResponse:
    """GET `url`, then send its form with `answers`, pressing the button named `button`
    (default: the form's first button, as pressing Enter does)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    form = main_form(page.get_data(as_text=True))
    data: dict[str, Any] = dict(form.hidden)
    pressed = [(n, v) for n, v in form.buttons if n == button] if button else form.buttons[:1]
    assert not button or pressed, f"no button named {button!r} on {url}"
    for name, value in pressed:
        if name:
            data[name] = value
    data.update(answers or {})
    return client.post(form.action, data=data, **kwargs)


def reload(access_request: AccessRequest) -> AccessRequest:
    """The request as the database has it now."""
    db.session.expire_all()
    fresh = db.session.get(AccessRequest, access_request.id)
    assert fresh is not None
    return fresh


@pytest.fixture
def officer(client_for: Callable[..., PermitClient], world: World) -> PermitClient:
    """A browser with the department's officer signed in."""
    return client_for(world.officer)


@pytest.fixture
def draft(world: World) -> AccessRequest:
    """A complete draft of the officer's department."""
    access_request = world.draft()
    db.session.commit()
    return access_request
