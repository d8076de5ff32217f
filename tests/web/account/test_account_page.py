"""The "Your account" page, and its link in every signed-in person's navigation."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.rules.roles import Role
from tests import factories
from tests.web.client import page_title


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, re.S)
    assert nav
    return [
        re.sub(r"<[^>]+>", "", anchor).strip()
        for anchor in re.findall(
            r'<a class="govuk-service-navigation__link"[^>]*>(.*?)</a>', nav.group(0), re.S
        )
    ]


def summary(html: str) -> dict[str, str]:
    """The page's summary list as {key: value}, tags and extra spaces removed."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.S,
    )
    return {
        " ".join(re.sub(r"<[^>]+>", "", key).split()): " ".join(
            re.sub(r"<[^>]+>", "", value).split()
        )
        for key, value in rows
    }


def test_the_account_page_shows_who_you_are(client_for, world):
    response = client_for(world.officer).get("/account/")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f"<title>{page_title('Your account')}</title>" in html
    assert summary(html) == {
        "Name": "Olive Officer",
        "Email address": world.officer.email,
        "Roles": "Officer",
        "Department": "Department for Science, Innovation and Technology",
    }
    assert 'href="/account/password"' in html and "Change your password" in html


def test_someone_without_a_department_or_with_two_roles(client_for, world):
    both = factories.make_user(Role.AUDITOR, Role.ADMIN, name="Bea Both")
    db.session.commit()
    details = summary(client_for(both).get("/account/").get_data(as_text=True))
    assert details["Roles"] == "Admin, Auditor"
    assert details["Department"] == "No department"


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("who", ["officer", "security", "auditor", "admin"])
def test_every_signed_in_person_has_your_account_last_in_the_navigation(client_for, world, who):
    html = client_for(getattr(world, who)).get("/", follow_redirects=True).get_data(as_text=True)
    assert nav_links(html)[-1] == "Your account"
    assert 'href="/account/"' in html


def test_the_navigation_marks_your_account_on_the_account_pages(client_for, world):
    client = client_for(world.officer)
    page = client.get("/account/").get_data(as_text=True)
    assert re.search(
        r'<a class="govuk-service-navigation__link" href="/account/"[^>]*aria-current="page"', page
    )
    password_page = client.get("/account/password").get_data(as_text=True)
    assert "govuk-service-navigation__item--active" in password_page
