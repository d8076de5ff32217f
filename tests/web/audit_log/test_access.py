"""Who reaches the auditor's screens, and that an auditor can change nothing anywhere."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

import config
from app import create_app
from app.extensions import db
from app.models import AccessRequest, AuditEvent, Decision, User
from tests.web.client import csrf_token

#: The auditor's pages. Only auditors read them: admins manage users and are themselves
#: audited, so the trail stays with the people whose job is to check it.
PAGES = ["/audit-log/", "/audit-log/verify", "/audit-log/verify/1"]
NOT_AUDITORS = ["officer", "security", "admin"]

#: POST routes that change nothing an auditor could misuse: starting and ending a session
#: (they write sign-in events, as for everyone), asking for a check of the chain and
#: exporting the trail (the auditor's own job: they record the check or the export, and
#: its audit event, and change nothing else; test_verify.py and tests/security show it).
NOT_STATE_CHANGING = {"auth.sign_in", "auth.sign_out", "audit_log.start_check", "audit_log.export"}
#: The second step of signing in (a signed-in auditor is sent home from it) and setting
#: up one's own second factor (theirs is set up already: sent back to the account page).
NOT_STATE_CHANGING |= {
    "auth.second_factor",
    "auth.recovery_code",
    "auth.set_up_two_factor",
    "auth.finish_two_factor_set_up",
    "account.set_up_two_factor",
}
#: Everyone's own password: changing it (their credentials, nothing an auditor watches
#: over) and a one-time set-password link (public: the link, not the session, names whose).
NOT_STATE_CHANGING |= {"account.change_password", "auth.set_password"}
#: Everyone's own API tokens: their credentials, as their password is.
NOT_STATE_CHANGING |= {"account.api_tokens"}
#: Everyone's own choice of how they get emails: about them alone, as their password is.
NOT_STATE_CHANGING |= {"account.notifications"}
#: Everyone's own other sessions: ending them all signs out their own browsers, as signing
#: out does. (Ending one names a session: the auditor's test request names none of theirs.)
NOT_STATE_CHANGING |= {"account.end_others"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _state_changing_routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route that accepts a state-changing method."""
    app = create_app(config.TestConfig())
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_STATE_CHANGING
        for method in (rule.methods or set()) - SAFE_METHODS
    )


STATE_CHANGING = _state_changing_routes()


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_out_person_is_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_a_signed_out_person_cannot_verify(client, world):
    token = csrf_token(client.get("/sign-in"))
    response = client.post("/audit-log/verify", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("who", NOT_AUDITORS)
@pytest.mark.parametrize("path", PAGES)
def test_only_auditors_see_the_auditor_pages(client_for, world, who, path):
    response = client_for(getattr(world, who)).get(path)
    assert response.status_code == 403


@pytest.mark.parametrize("who", NOT_AUDITORS)
def test_only_auditors_can_verify(client_for, world, who):
    browser = client_for(getattr(world, who))
    token = csrf_token(browser.get("/audit-log/"))  # the 403 page has the sign-out form
    assert browser.post("/audit-log/verify", data={"csrf_token": token}).status_code == 403


def test_the_navigation_marks_the_audit_log(auditor, world):
    index = auditor.get("/audit-log/").get_data(as_text=True)
    assert 'aria-current="page"' in index and ">Audit log<" in index.replace("\n", "")
    verify = auditor.get("/audit-log/verify").get_data(as_text=True)
    assert "govuk-service-navigation__item--active" in verify


def test_an_auditor_starts_at_the_audit_log(auditor, world):
    assert auditor.get("/").headers["Location"] == "/audit-log/"


# An auditor changes nothing ----------------------------------------------------------


def snapshot() -> tuple:
    """What any change would touch: the chain's head, requests, decisions, users."""
    db.session.remove()
    return (
        db.session.scalar(select(func.max(AuditEvent.seq))),
        list(
            db.session.execute(
                select(AccessRequest.id, AccessRequest.status, AccessRequest.version)
            )
        ),
        db.session.scalar(select(func.count()).select_from(Decision)),
        list(db.session.execute(select(User.id, User.active, User.email))),
    )


def _plausible_form(request: AccessRequest) -> dict[str, str]:
    """Fields a real form might want, so a refusal is about who asks, not what they sent."""
    return {
        "version": str(request.version),
        "outcome": "approve",
        "reason": "An auditor trying",
        "conditions": "None",
        "kind": "new_account",
        "account_handle": "@auditor",
        "purpose": "Testing refusals",
        "confirm": "yes",
    }


#: Real values for route arguments other than a reference, so that a 404 comes from the
#: guard and not from a URL no one could use. Anything else gets "1".
ARGUMENT_EXAMPLES = {"section": "purpose"}


@pytest.fixture(params=["draft", "in_review"])
def any_request(request, world) -> AccessRequest:
    """A request each workflow action could apply to, were the auditor allowed."""
    made = world.draft() if request.param == "draft" else world.submitted()
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("endpoint", "rule", "method"),
    STATE_CHANGING or [pytest.param("", "", "", marks=pytest.mark.skip("no such routes yet"))],
)
def test_an_auditor_is_refused_every_state_changing_route(
    app, auditor, world, any_request, endpoint, rule, method
):
    [route] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule]
    values = {
        name: any_request.reference if "reference" in name else ARGUMENT_EXAMPLES.get(name, 1)
        for name in route.arguments
    }
    with app.test_request_context():
        url = url_for(endpoint, **values)
    data = {**_plausible_form(any_request), "csrf_token": csrf_token(auditor.get("/audit-log/"))}
    before = snapshot()

    response = auditor.open(url, method=method, data=data)

    # The JSON API never takes a browser session (tests/api): 401, whoever is signed in.
    refusals = (401,) if endpoint.startswith("api.") else (403, 404)
    assert response.status_code in refusals, (url, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/requests/new",
        "/requests/{reference}/submit",
        "/requests/{reference}/edit/purpose",
        "/requests/{reference}/resubmit",
        "/requests/{reference}/withdraw",
        "/review/{reference}/decide",
    ],
)
def test_an_auditor_cannot_post_to_the_workflow(auditor, world, any_request, path):
    """The routes the issue names, whether or not they exist under these paths yet."""
    url = path.format(reference=any_request.reference)
    data = {**_plausible_form(any_request), "csrf_token": csrf_token(auditor.get("/audit-log/"))}
    before = snapshot()

    response = auditor.post(url, data=data)

    assert response.status_code in (403, 404, 405), (url, response.status_code)
    assert snapshot() == before
