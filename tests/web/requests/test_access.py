"""Who reaches the officer's screens: officers of the request's department only.

Another department's officer is told the request does not exist (404); people in other
roles are refused (403), or told it does not exist where they may not even see it.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.rules.workflow import Status
from tests.operations.support import request_in, snapshot

#: Every officer screen about one request: (method, path after /requests/<reference>).
REQUEST_ROUTES = [
    ("GET", "/edit/purpose"),
    ("POST", "/edit/purpose"),
    ("GET", "/check"),
    ("POST", "/submit"),
    ("GET", "/submitted"),
    ("GET", "/withdraw"),
    ("POST", "/withdraw"),
]
NOT_OFFICERS = ["security", "auditor", "admin"]


def csrf_for(client) -> str:
    """A valid CSRF token for `client`, from the sign-out button every page has."""
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def call(client, method: str, url: str, version: int):
    if method == "GET":
        return client.get(url)
    return client.post(
        url,
        data={
            "csrf_token": csrf_for(client),
            "version": version,
            "purpose": "Changed",
            "save_continue": "y",
        },
    )


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
@pytest.mark.parametrize(("method", "path"), REQUEST_ROUTES)
def test_another_departments_officer_gets_not_found(client_for, world, method, path, status):
    access_request = request_in(world, status)
    outsider = client_for(world.outsider)
    before = snapshot()
    response = call(
        outsider,
        method,
        f"/requests/{access_request.reference}{path}",
        access_request.version,
    )
    assert response.status_code == 404
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize("who", NOT_OFFICERS)
@pytest.mark.parametrize(("method", "path"), REQUEST_ROUTES)
def test_other_roles_cannot_use_the_officer_screens(client_for, world, who, method, path):
    client = client_for(getattr(world, who))
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED):
        access_request = request_in(world, status)
        before = snapshot()
        response = call(
            client,
            method,
            f"/requests/{access_request.reference}{path}",
            access_request.version,
        )
        assert response.status_code in (403, 404), (status, response.status_code)
        db.session.rollback()
        assert snapshot() == before


@pytest.mark.parametrize("who", NOT_OFFICERS)
@pytest.mark.parametrize("path", ["/requests/", "/requests/new"])
def test_other_roles_cannot_list_or_start_requests(client_for, world, who, path):
    client = client_for(getattr(world, who))
    assert client.get(path).status_code == 403
    response = client.post(
        path, data={"csrf_token": csrf_for(client), "platform": world.platform.id}
    )
    assert response.status_code in (403, 405)


@pytest.mark.parametrize(("method", "path"), REQUEST_ROUTES)
def test_a_signed_out_person_is_sent_to_sign_in(client, world, method, path):
    access_request = request_in(world, Status.DRAFT)
    url = f"/requests/{access_request.reference}{path}"
    response = client.get(url) if method == "GET" else client.post(url)
    # A POST without a session has no CSRF token either: refused before anything else.
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    "reference", ["PRQ-2099-99999", "nonsense", "PRQ%00", "%3Cscript%3E", "x" * 500]
)
def test_a_request_that_does_not_exist_is_not_found(officer, world, reference):
    # "" is the request page: it shares load_request, which once gave PostgreSQL a NUL (500).
    for suffix in ("", "/edit/purpose", "/check", "/withdraw", "/submitted", "/record"):
        assert officer.get(f"/requests/{reference}{suffix}").status_code == 404


def test_a_colleague_in_the_department_may_work_on_the_request(client_for, world):
    access_request = request_in(world, Status.DRAFT)
    colleague = client_for(world.colleague)
    assert colleague.get(f"/requests/{access_request.reference}/edit/purpose").status_code == 200
    assert colleague.get(f"/requests/{access_request.reference}/check").status_code == 200
