"""Single sign-on against a real OpenID Connect provider started on a free port
(tests/sso/provider.py): a good sign-in, Permit's own second factor unless the provider's
multi-factor is trusted, and each refusal with a clear page and nothing created."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, User, UserSession
from tests.sso.provider import (
    Provider,
    bad_signature,
    expired,
    query_of,
    running_provider,
    wrong_audience,
)
from tests.web.client import PermitClient, make_client, post_form, sign_in

# The provider (oidc-provider-mock) calls Authlib's server side in ways Authlib now warns of.
pytestmark = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated"),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def sso_app(app: Flask, provider: Provider) -> Iterator[Flask]:
    settings = {
        "OIDC_ISSUER": provider.url,
        "OIDC_CLIENT_ID": "permit-tests",
        "OIDC_CLIENT_SECRET": "permit-tests-secret",
        "OIDC_TRUST_MFA": False,
    }
    before = {key: app.config[key] for key in settings}
    app.config.update(settings)
    provider.change_id_token = None
    try:
        yield app
    finally:
        app.config.update(before)
        provider.change_id_token = None


def start(client: PermitClient) -> str:
    """Press "Sign in with your organisation": the provider's authorization URL."""
    response = client.get("/sign-in/sso")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    query = query_of(location)
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"] and query["nonce"]
    return location


def come_back(client: PermitClient, callback: str):
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_through(provider: Provider, client: PermitClient, email: str):
    return come_back(client, provider.authorize(start(client), email))


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(UserSession)),
    )


def refused(response, words: str) -> None:
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "You have not been signed in" in page
    assert words in page


def last_failure() -> AuditEvent:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == EventType.SIGN_IN_FAILED)
        .order_by(AuditEvent.seq.desc())
    ).first()


def test_the_sign_in_page_offers_it_only_when_configured(app, client, provider):
    assert "sso-sign-in" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso").status_code == 404
    app.config.update(OIDC_ISSUER=provider.url, OIDC_CLIENT_ID="permit-tests")
    try:
        assert 'id="sso-sign-in"' in client.get("/sign-in").get_data(as_text=True)
    finally:
        app.config.update(OIDC_ISSUER="", OIDC_CLIENT_ID="")


def test_an_officer_signs_in_with_a_verified_email(sso_app, world, provider):
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=True)
    client = make_client(sso_app)
    response = sign_in_through(provider, client, world.officer.email)
    assert response.status_code == 302
    assert client.get("/requests/").status_code == 200  # signed in
    db.session.expire_all()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == EventType.SIGN_IN_SUCCEEDED)
    ).one()
    assert event.actor_id == world.officer.id
    assert event.payload == {"second_factor": None, "via": "sso"}


def test_permits_second_factor_still_follows_unless_the_providers_is_trusted(
    sso_app, world, provider
):
    email = world.security.email  # an approver: the role needs a second factor
    provider.set_user(email, email=email, email_verified=True, amr=["pwd", "mfa"])
    client = make_client(sso_app)
    response = sign_in_through(provider, client, email)
    assert response.headers["Location"] == "/sign-in/two-factor"
    sso_app.config["OIDC_TRUST_MFA"] = True
    client = make_client(sso_app)
    response = sign_in_through(provider, client, email)
    assert response.headers["Location"] != "/sign-in/two-factor"
    assert client.get("/review/").status_code == 200
    # Trusted, but the provider asked for a password only: Permit's code is asked for.
    provider.set_user(email, email=email, email_verified=True, amr=["pwd"])
    client = make_client(sso_app)
    assert sign_in_through(provider, client, email).headers["Location"] == "/sign-in/two-factor"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (bad_signature, "could not be checked"),
        (wrong_audience, "could not be checked"),
        (expired, "could not be checked"),
    ],
    ids=["bad signature", "wrong audience", "expired token"],
)
def test_a_token_that_does_not_check_out_is_refused(sso_app, world, provider, change, words):
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=True)
    provider.change_id_token = change
    before = counts()
    client = make_client(sso_app)
    refused(sign_in_through(provider, client, world.officer.email), words)
    assert counts() == before
    assert last_failure().payload["reason"] == "sso_invalid_token"
    assert client.get("/requests/").status_code == 302  # not signed in


def test_a_replayed_state_is_refused(sso_app, world, provider):
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=True)
    client = make_client(sso_app)
    authorize = start(client)
    copy = make_client(sso_app)  # someone with a copy of the browser's cookie
    copy.set_cookie("__Host-permit_session", client.get_cookie("__Host-permit_session").value)
    callback = provider.authorize(authorize, world.officer.email)
    assert come_back(client, callback).status_code == 302
    before = counts()
    refused(come_back(copy, callback), "already been used")
    # Even with a fresh code for the same state from the provider.
    refused(come_back(copy, provider.authorize(authorize, world.officer.email)), "already")
    assert counts() == before
    assert last_failure().payload["reason"] == "sso_invalid_state"


def test_a_replayed_id_token_and_its_nonce_are_refused(sso_app, world, provider):
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=True)
    assert sign_in_through(provider, make_client(sso_app), world.officer.email).status_code == 302
    captured = provider.issued[-1]
    provider.change_id_token = lambda _token, _key: captured  # the old token, in a new flow
    before = counts()
    refused(sign_in_through(provider, make_client(sso_app), world.officer.email), "checked")
    assert counts() == before
    assert last_failure().payload["reason"] == "sso_invalid_token"


def test_an_email_no_account_has_is_refused_and_no_account_made(sso_app, world, provider):
    provider.set_user(
        "stranger@example.gov.uk", email="stranger@example.gov.uk", email_verified=True
    )
    before = counts()
    response = sign_in_through(provider, make_client(sso_app), "stranger@example.gov.uk")
    refused(response, "There is no Permit account for your email address")
    assert counts() == before
    failure = last_failure()
    assert failure.payload["reason"] == "sso_unknown_email"
    assert failure.payload["email"] == "stranger@example.gov.uk"


def test_an_unverified_email_is_refused(sso_app, world, provider):
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=False)
    refused(
        sign_in_through(provider, make_client(sso_app), world.officer.email),
        "did not confirm your email address",
    )


def test_a_deactivated_person_is_refused(sso_app, world, provider):
    world.colleague.active = False
    db.session.commit()
    email = world.colleague.email
    provider.set_user(email, email=email, email_verified=True)
    refused(sign_in_through(provider, make_client(sso_app), email), "no Permit account")


def test_the_provider_saying_no_is_refused(sso_app, world, provider):
    client = make_client(sso_app)
    start(client)
    response = client.get("/sign-in/sso/callback?error=access_denied&state=whatever")
    refused(response, "did not sign you in")


def test_an_admin_requires_sso_for_a_role_and_its_passwords_are_refused(
    sso_app, world, client_for, provider
):
    admin = client_for(world.admin)
    response = post_form(admin, "/admin/sign-in", {"sso_required": ["officer"]})
    assert response.status_code == 302
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == EventType.SIGN_IN_POLICY_CHANGED)
    ).one()
    assert event.payload["after"] == {"sso_required": ["officer"]}
    assert event.actor_id == world.admin.id
    # The right password is refused, saying how to sign in instead.
    officer = make_client(sso_app)
    refused_page = sign_in(officer, world.officer).get_data(as_text=True)
    assert "must sign in with your organisation" in refused_page
    assert officer.get("/requests/").status_code == 302
    assert last_failure().payload["reason"] == "sso_required"
    # Single sign-on still works for them, and other roles keep their passwords.
    provider.set_user(world.officer.email, email=world.officer.email, email_verified=True)
    assert sign_in_through(provider, officer, world.officer.email).status_code == 302
    assert officer.get("/requests/").status_code == 200
    assert sign_in(make_client(sso_app), world.auditor).status_code == 302


def test_without_sso_set_up_a_role_requiring_it_still_signs_in_with_a_password(
    app, world, client_for
):
    admin = client_for(world.admin)
    page = admin.get("/admin/sign-in").get_data(as_text=True)
    assert 'id="sso-not-set-up"' in page
    post_form(admin, "/admin/sign-in", {"sso_required": ["officer"]})
    assert sign_in(make_client(app), world.officer).status_code == 302
