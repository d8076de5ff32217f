"""The tokens page in the web app: a person makes a token (shown once, stored hashed, only
with scopes their roles allow), sees their tokens, and revokes them; nobody else's."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent
from app.models.api import ApiToken
from app.security.api_tokens import parse_token
from tests.api.conftest import ApiClient
from tests.factories import make_user
from tests.web.client import csrf_token, post_form

TOKEN = re.compile(r"permit_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
PAGE = "/account/api-tokens"


def create(client, **fields):
    data = {"name": "Dashboard", "scopes": ["requests:read"], "expires_in_days": "90", **fields}
    return post_form(client, PAGE, data)


def tokens() -> list[ApiToken]:
    db.session.rollback()
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def audit(event_type: EventType) -> list[AuditEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == str(event_type)))
    )


@pytest.mark.asvs("3.2.2")
def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(world, client_for, app):
    browser = client_for(world.officer)
    response = create(browser, scopes=["requests:read", "requests:write"])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = TOKEN.findall(page)
    assert len(set(shown)) == 1
    text = shown[0]
    assert "You will not see it again" in page
    assert response.headers["Cache-Control"] == "no-store"

    [token] = tokens()
    secret = parse_token(text)[1]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([(c.name, getattr(token, c.name)) for c in ApiToken.__table__.c])
    assert token.scopes == ["requests:read", "requests:write"]
    assert (token.expires_at - token.created_at).days == 90
    # Never again: not on the list, not on the next visit.
    listed = browser.get(PAGE).get_data(as_text=True)
    assert not TOKEN.search(listed)
    assert f"permit_{token.prefix}_" in listed
    # And it works.
    assert ApiClient(app, token, text).get("/api/v1/requests").status_code == 200


def test_creating_a_token_is_an_audit_event_naming_it_but_not_its_secret(world, client_for):
    response = create(client_for(world.officer))
    text = TOKEN.search(response.get_data(as_text=True)).group(0)
    [event] = audit(EventType.API_TOKEN_CREATED)
    [token] = tokens()
    assert event.actor_email == world.officer.email
    assert event.payload["prefix"] == token.prefix
    assert event.payload["scopes"] == ["requests:read"]
    assert parse_token(text)[1] not in str(event.payload)


@pytest.mark.asvs("4.1.3")
def test_the_form_offers_only_the_scopes_the_persons_roles_allow(world, client_for):
    page = client_for(world.security).get(PAGE).get_data(as_text=True)
    offered = set(re.findall(r'name="scopes"[^>]*value="([^"]+)"', page))
    assert offered == {"requests:read", "decisions:write"}


@pytest.mark.asvs("4.1.3")
def test_a_scope_beyond_the_roles_is_refused_even_if_posted(world, client_for):
    response = create(client_for(world.officer), scopes=["requests:read", "audit:read"])
    assert response.status_code == 200
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert tokens() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a name for the token"),
        ({"name": "x" * 101}, "Name must be 100 characters or fewer"),
        ({"name": "tab\there"}, "Name must not contain control characters"),
        ({"scopes": []}, "Select what the token may do"),
        ({"expires_in_days": "7"}, "Select when the token expires"),
    ],
)
def test_a_wrong_form_is_shown_again_with_its_errors(world, client_for, fields, message):
    response = create(client_for(world.officer), **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert tokens() == []


def test_a_person_whose_roles_use_no_api_is_told_so(world, client_for):
    nobody = make_user(name="No Roles")  # every role uses the API now; no role, none
    db.session.commit()
    page = client_for(nobody).get(PAGE).get_data(as_text=True)
    assert "Your roles do not use the API" in page
    assert 'name="scopes"' not in page


@pytest.mark.asvs("3.5.1")
def test_revoking_a_token_stops_it_and_is_an_audit_event(world, client_for, app):
    browser = client_for(world.officer)
    text = TOKEN.search(create(browser).get_data(as_text=True)).group(0)
    [token] = tokens()
    response = browser.post(
        f"{PAGE}/{token.id}/revoke", data={"csrf_token": csrf_token(browser.get(PAGE))}
    )
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been revoked" in page and "Revoked" in page
    assert tokens()[0].revoked_at is not None
    [event] = audit(EventType.API_TOKEN_REVOKED)
    assert event.payload == {"token_id": token.id, "prefix": token.prefix, "name": "Dashboard"}
    assert ApiClient(app, token, text).get("/api/v1/requests").status_code == 401


@pytest.mark.asvs("4.2.1")
def test_another_persons_token_cannot_be_revoked_and_does_not_exist(world, client_for):
    create(client_for(world.officer))
    [token] = tokens()
    colleague = client_for(world.colleague)
    response = colleague.post(
        f"{PAGE}/{token.id}/revoke", data={"csrf_token": csrf_token(colleague.get(PAGE))}
    )
    assert response.status_code == 404
    assert tokens()[0].revoked_at is None
    for token_id in (999_999, 2**40):
        missing = colleague.post(
            f"{PAGE}/{token_id}/revoke", data={"csrf_token": csrf_token(colleague.get(PAGE))}
        )
        assert missing.status_code == 404


def test_each_person_sees_only_their_own_tokens(world, client_for):
    create(client_for(world.officer), name="Officer's dashboard")
    page = client_for(world.colleague).get(PAGE).get_data(as_text=True)
    assert "Officer&#39;s dashboard" not in page and "You have no API tokens" in page


def test_revoking_needs_the_forms_csrf_token(world, client_for):
    browser = client_for(world.officer)
    create(browser)
    [token] = tokens()
    assert browser.post(f"{PAGE}/{token.id}/revoke").status_code == 400
    assert tokens()[0].revoked_at is None


def test_the_account_page_links_to_the_tokens_page(world, client_for):
    page = client_for(world.officer).get("/account/").get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
