"""The page every screen shares: titles, header, navigation, assets and error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Blueprint
from flask_login import login_user
from werkzeug.exceptions import Conflict, InternalServerError

import config
from app import create_app
from app.rules.formatting import SERVICE_NAME
from app.rules.roles import Role
from app.rules.workflow import NotPermitted, StaleRequest
from app.web.navigation import nav_count, navigation_items
from tests import factories
from tests.web.client import page_title

SERVICE = SERVICE_NAME
STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "page has no <title>"
    return match.group(1).strip()


def test_every_page_has_a_unique_descriptive_title(client, client_for, world):
    titles = {
        "sign in": client.get("/sign-in"),
        "page not found": client_for(world.officer).get("/no-such-page"),
        "forbidden": client_for(world.officer).get("/admin/"),
        "officer": client_for(world.officer).get("/requests/"),
        "approver": client_for(world.security).get("/review/"),
        "auditor": client_for(world.auditor).get("/audit-log/"),
        "admin": client_for(world.admin).get("/admin/"),
    }
    seen = {name: title_of(r.get_data(as_text=True)) for name, r in titles.items()}
    assert len(set(seen.values())) == len(seen), seen
    for title in seen.values():
        page, _, service = title.rpartition(" \N{EN DASH} ")
        assert service == SERVICE and page, title
    assert seen["officer"] == page_title("Your department's requests")


def test_the_header_names_the_service_without_the_gov_uk_crown(client, client_for, world):
    for response in (client.get("/sign-in"), client_for(world.officer).get("/requests/")):
        html = response.get_data(as_text=True)
        assert 'class="govuk-generic-header"' in html
        assert SERVICE in html
        assert "govuk-header__logotype" not in html
        assert "govuk-logo" not in html and "govuk-footer__crown" not in html
        assert "<svg" not in html  # no crown anywhere, header or footer
        assert 'class="govuk-phase-banner' in html and "Beta" in html
        assert "This is an internal service" in html
        assert 'class="govuk-footer' in html


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("officer", ["Your department's requests", "Register"]),
        ("security", ["Awaiting your decision", "Register"]),
        # No10 oversees no approved account: no register (app.reads.register).
        ("no10", ["Awaiting your decision"]),
        ("auditor", ["Audit log", "Register"]),
        ("admin", ["Admin"]),
    ],
)
def test_the_navigation_shows_each_role_its_links_and_sign_out(client_for, world, who, links):
    html = client_for(getattr(world, who)).get("/", follow_redirects=True).get_data(as_text=True)
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, re.S)
    assert nav
    anchors = re.findall(
        r'<a class="govuk-service-navigation__link"[^>]*>(.*?)</a>', nav.group(0), re.S
    )
    shown = [re.sub(r"<[^>]+>", "", anchor).strip() for anchor in anchors]
    assert shown == [link.replace("'", "&#39;") for link in links] + ["Your account"]
    assert 'aria-current="page"' in nav.group(0)
    assert re.search(r'<form [^>]*method="post" action="/sign-out">', nav.group(0))
    assert 'name="csrf_token"' in nav.group(0) and ">Sign out</button>" in nav.group(0)


def test_a_person_with_two_roles_sees_both_sets_of_links(client_for, world):
    both = factories.make_user(Role.OFFICER, Role.AUDITOR, department=world.department)
    factories.db.session.commit()
    html = client_for(both).get("/audit-log/").get_data(as_text=True)
    assert "Your department&#39;s requests" in html and "Audit log" in html


def test_a_signed_out_person_sees_no_navigation(client, world):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "govuk-service-navigation" not in html and "Sign out" not in html


def test_a_blueprint_can_put_a_count_beside_its_link(world, database_url):
    fresh = create_app(config.TestConfig(database_url))
    extra = Blueprint("count_example", __name__)
    counts = {"value": 3}

    @nav_count(extra, "review.queue")
    def waiting(user):
        return counts["value"]

    fresh.register_blueprint(extra)
    with fresh.test_request_context("/review/"):
        login_user(world.security)
        [item, _register, _account] = navigation_items()
    assert item["current"] is True
    assert str(item["html"]) == (
        'Awaiting your decision <span class="moj-notification-badge">3'
        '<span class="govuk-visually-hidden"> waiting</span></span>'
    )
    counts["value"] = 0
    with fresh.test_request_context("/review/"):
        login_user(world.security)
        [item, _register, _account] = navigation_items()
    assert "html" not in item  # no badge for nothing waiting


def test_each_response_gets_its_own_csp_nonce_on_every_script(client, world):
    nonces = []
    for _ in range(2):
        html = client.get("/sign-in").get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all('nonce="' in tag for tag in scripts), scripts
        found = {re.search(r'nonce="([^"]+)"', tag).group(1) for tag in scripts}
        assert len(found) == 1
        nonces.append(found.pop())
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22


def test_the_page_loads_our_styles_and_one_module_script(client, world):
    html = client.get("/sign-in").get_data(as_text=True)
    for name in ("govuk-frontend.min.css", "moj-frontend.min.css", "permit.css"):
        assert f'<link rel="stylesheet" href="/assets/{name}">' in html
    assert '<script type="module" src="/assets/permit.js"' in html
    assert "style=" not in html  # no inline styles: a strict CSP comes later


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("govuk-frontend.min.css", "text/css"),
        ("govuk-frontend.min.js", "javascript"),
        ("moj-frontend.min.css", "text/css"),
        ("moj-frontend.min.js", "javascript"),
        ("permit.js", "javascript"),
        ("permit.css", "text/css"),
        ("manifest.json", "json"),
        ("images/favicon.ico", ""),
        ("fonts/bold-b542beb274-v2.woff2", ""),
    ],
)
def test_make_assets_puts_the_front_end_at_assets(client, app, path, mimetype):
    if not (STATIC / ".copied").exists():
        pytest.fail("app/static/ is empty: run `make assets` (make test does it for you)")
    response = client.get(f"/assets/{path}")
    assert response.status_code == 200
    assert mimetype in response.mimetype
    response.close()


def test_the_css_finds_its_fonts_and_images_under_assets(client, app):
    css = (STATIC / "govuk-frontend.min.css").read_text()
    for url in sorted(set(re.findall(r"url\((/assets/[^)]+)\)", css))):
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_page_not_found_is_in_the_service_design(client_for, world):
    response = client_for(world.officer).get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert title_of(html) == page_title("Page not found")
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert "Your department&#39;s requests" in html  # the navigation is still there


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (Conflict(), 409, "Someone else changed it while you were looking at it."),
        (Conflict("Someone else has already decided this stage"), 409, "already decided"),
        (StaleRequest("Reload the request to see it"), 409, "Reload the request to see it"),
        (NotPermitted("You cannot decide a request you filed"), 403, "a request you filed"),
        (InternalServerError(), 500, "Sorry, there is a problem with the service"),
    ],
)
def test_errors_and_refusals_get_their_pages(app, world, error, code, words):
    with app.test_request_context("/requests/"):
        login_user(world.officer)
        response = app.make_response(app.handle_user_exception(error))
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in html
    assert SERVICE in html


def test_the_admin_page_lists_users_departments_and_platforms(client_for, world):
    html = client_for(world.admin).get("/admin/").get_data(as_text=True)
    for text in (
        world.officer.email,
        "Sally Security",
        "Department for Science, Innovation and Technology",
        "Home Office",
        "TikTok",
        "Security (5 working days), then No10 (5 working days), "
        "then Cabinet Office (5 working days)",
    ):
        assert text in html, text
    assert "<form" not in html.split('id="main-content"')[1]  # read-only
