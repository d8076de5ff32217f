"""Deny by default: who reaches which page, and where a signed-out person is sent."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app.rules.roles import Role
from app.web.client import safe_next_path
from tests import factories
from tests.web.client import enter_code, post_form


def credentials(user):
    return {"email": user.email, "password": factories.PASSWORD}


#: Every page the foundation serves, and the roles that may see it.
PAGES = {
    "/requests/": {Role.OFFICER},
    "/review/": {Role.APPROVER},
    "/audit-log/": {Role.AUDITOR},
    "/admin/": {Role.ADMIN},
}
PEOPLE = {
    "officer": Role.OFFICER,
    "security": Role.APPROVER,
    "auditor": Role.AUDITOR,
    "admin": Role.ADMIN,
}


@pytest.mark.parametrize("path", [*PAGES, "/", "/no-such-page", "/sign-out"])
def test_a_signed_out_person_is_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_returns_to_the_page_asked_for(client, world):
    sign_in_url = client.get("/audit-log/").headers["Location"]
    assert sign_in_url == "/sign-in?next=%2Faudit-log%2F"
    page = client.get(sign_in_url).get_data(as_text=True)
    assert 'action="/sign-in?next=/audit-log/"' in page  # next survives the form
    response = post_form(client, sign_in_url, credentials(world.auditor))
    assert response.headers["Location"] == "/sign-in/two-factor"  # an auditor's second step
    response = enter_code(client, world.auditor)
    assert response.headers["Location"] == "/audit-log/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_sends_anyone_off_site(client, world, target):
    response = post_form(
        client, "/sign-in?" + urlencode({"next": target}), credentials(world.officer)
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/requests/7?tab=history", "/requests/7?tab=history"),
        ("/", "/"),
        (None, None),
        ("", None),
        ("requests", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("/ok\r\nSet-Cookie: x", None),
    ],
)
def test_safe_next_path(value, expected):
    assert safe_next_path(value) == expected


@pytest.mark.parametrize("who", sorted(PEOPLE))
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_is_for_its_roles_only(client_for, world, who, path):
    response = client_for(getattr(world, who)).get(path)
    if PEOPLE[who] in PAGES[path]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert "You do not have permission to see this page" in html
        assert "Request a restricted platform account" in html


def test_a_person_with_no_role_gets_403_at_home(client_for, world):
    nobody = factories.make_user()
    factories.db.session.commit()
    response = client_for(nobody).get("/")
    assert response.status_code == 403


def test_health_checks_and_assets_need_no_sign_in(client, app):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    # An asset that does not exist is a 404, not a redirect: /assets is public.
    assert client.get("/assets/no-such-file.css").status_code == 404
