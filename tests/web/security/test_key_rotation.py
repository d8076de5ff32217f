"""Rotating SECRET_KEY (docs/deploy.md): with the old key in SECRET_KEY_FALLBACKS, what it
signed (the session cookie, a set-password link) still works; without it, it does not."""

from __future__ import annotations

import pytest

from app.security.password_links import link_lifetime, make_link_token, user_for_token
from config import DEVELOPMENT_SECRET_KEY, Config
from tests.web.client import make_client, sign_in
from tests.web.security.test_sessions import replay, session_cookie, signed_in

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40


def rotate(app, monkeypatch, *, fallbacks: list[str]) -> None:
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", fallbacks)


@pytest.fixture
def old_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])


def test_a_session_signed_by_the_old_key_survives_the_rotation(app, world, old_key, monkeypatch):
    client = make_client(app)
    sign_in(client, world.officer)
    cookie = session_cookie(client)
    rotate(app, monkeypatch, fallbacks=[OLD_KEY])
    assert signed_in(replay(app, cookie))


def test_without_the_fallback_the_old_keys_session_is_signed_out(app, world, old_key, monkeypatch):
    client = make_client(app)
    sign_in(client, world.officer)
    cookie = session_cookie(client)
    rotate(app, monkeypatch, fallbacks=[])
    assert not signed_in(replay(app, cookie))


def test_a_set_password_link_sent_before_the_rotation_still_works(app, world, old_key, monkeypatch):
    token = make_link_token(world.officer)
    lifetime = link_lifetime(app.config)
    rotate(app, monkeypatch, fallbacks=[OLD_KEY])
    assert user_for_token(token, lifetime) == world.officer
    rotate(app, monkeypatch, fallbacks=[])
    assert user_for_token(token, lifetime) is None


def test_fallbacks_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f"{OLD_KEY}, {NEW_KEY}")
    assert Config().SECRET_KEY_FALLBACKS == [OLD_KEY, NEW_KEY]


def test_production_refuses_the_development_secret_as_a_fallback(monkeypatch):
    monkeypatch.setenv("PERMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/permit")
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", DEVELOPMENT_SECRET_KEY)
    assert any("SECRET_KEY_FALLBACKS" in problem for problem in Config().problems())
