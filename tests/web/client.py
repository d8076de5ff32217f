"""A test client that behaves like a browser talking to a real server, and sign-in helpers.

The `app` fixture keeps one app context pushed for the whole test, so Flask would share
one `flask.g` across every request the test makes; Flask-Login and Flask-WTF cache the
signed-in user and the CSRF token there. A real server starts each request with a fresh
`g`: `PermitClient` clears it before each request (redirects included), so a sign-in,
a sign-out or a second person's client is seen exactly as it would be in production.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.extensions import db
from app.models.users import User, normalise_email
from app.rules.formatting import SERVICE_NAME
from tests.factories import PASSWORD

_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class PermitClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


def make_client(app: Flask) -> PermitClient:
    return PermitClient(app, app.response_class, use_cookies=True)


def page_title(page: str) -> str:
    """A page's full <title> text: `page_title("Sign in")`."""
    return f"{page} \N{EN DASH} {SERVICE_NAME}"


def csrf_token(response: TestResponse) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> TestResponse:
    """GET `url`, then POST `data` to it with the page's CSRF token, as a browser would."""
    token = csrf_token(client.get(url))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


SECOND_FACTOR_PATH = "/sign-in/two-factor"


def sign_in(
    client: FlaskClient, user: User | str, password: str = PASSWORD, **kwargs: Any
) -> TestResponse:
    """Sign in through the sign-in page (CSRF and all); returns the last POST's response.

    `user` is a User or an email address. A person with a second factor is sent on to
    the code page: the code their app would show is entered there too (`enter_code`).
    Pass `follow_redirects=True` to land on the person's start page.
    """
    email = user if isinstance(user, str) else user.email
    person = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if person is None or not person.has_second_factor:
        return post_form(client, "/sign-in", {"email": email, "password": password}, **kwargs)
    response = post_form(client, "/sign-in", {"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"] == SECOND_FACTOR_PATH:
        return enter_code(client, person, **kwargs)
    return response


def current_code(user: User) -> str:
    """The code `user`'s authenticator app shows now."""
    assert user.totp_secret, f"{user.email} has no second factor"
    return pyotp.TOTP(user.totp_secret).now()


def enter_code(client: FlaskClient, user: User, **kwargs: Any) -> TestResponse:
    """On the second step of signing in, enter the code `user`'s app shows now.

    A code is good once (its time step is then refused, ASVS 2.8.4), so a test signing the
    same person in twice within 30 seconds would be refused the second time. A real person
    waits for the app's next code; rather than wait, forget the last step accepted.
    tests/two_factor proves the refusal with this left alone.
    """
    user.totp_last_counter = None
    db.session.commit()
    return post_form(client, SECOND_FACTOR_PATH, {"code": current_code(user)}, **kwargs)


def sign_out(client: FlaskClient, **kwargs: Any) -> TestResponse:
    """Sign out with the header's sign-out button (a POST with the page's CSRF token)."""
    token = csrf_token(client.get("/", follow_redirects=True))
    return client.post("/sign-out", data={"csrf_token": token}, **kwargs)
