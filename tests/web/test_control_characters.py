"""Control characters refused in the browser (app.rules.text): a new password (changing
one's own, or through a one-time link) and a person's name (an admin inviting someone or
changing their details) with a tab, a line break or NUL get the GOV.UK error summary and
the message on the field, and nothing changes."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from app.rules.roles import Role
from app.security.password_links import make_link_token
from app.security.password_policy import CONTROL_CHARACTERS
from app.security.passwords import verify_password
from tests import factories
from tests.web.client import csrf_token, post_form

pytestmark = pytest.mark.asvs("5.1.3")

NAME_REFUSAL = "Name must not contain control characters such as tabs or line breaks"
CONTROLS = {"tab": "\t", "line feed": "\n", "NUL": "\x00", "DEL": "\x7f", "C1": "\x9b"}


def error_summary(html: str) -> list[str]:
    box = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert box, "no error summary"
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", item)).split())
        for item in re.findall(r"<li>(.*?)</li>", box.group(0), re.S)
    ]


def field_error(html: str, name: str) -> str:
    """The message GOV.UK shows above the field `name`."""
    match = re.search(rf'<p id="{name}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert match, f"no error on {name}"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_new_password_with_a_control_character_is_refused_on_the_change_form(
    client_for, world, control
):
    client = client_for(world.officer)
    before = event_count()
    new = f"violet harbour{control}quietly"
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "new_password": new,
            "confirm_password": new,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == [CONTROL_CHARACTERS]
    assert field_error(html, "new_password") == "Error: " + CONTROL_CHARACTERS
    db.session.refresh(world.officer)
    assert verify_password(world.officer.password_hash, factories.PASSWORD)
    assert event_count() == before


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_new_password_with_a_control_character_is_refused_through_a_link(client, world, control):
    url = f"/set-password/{make_link_token(world.officer)}"
    before = event_count()
    new = f"violet harbour quietly{control}"
    token = csrf_token(client.get(url))
    response = client.post(
        url, data={"new_password": new, "confirm_password": new, "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == [CONTROL_CHARACTERS]
    db.session.refresh(world.officer)
    assert verify_password(world.officer.password_hash, factories.PASSWORD)
    assert event_count() == before


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_an_admin_cannot_invite_someone_whose_name_holds_a_control_character(
    client_for, world, control
):
    admin = client_for(world.admin)
    people = db.session.scalar(select(func.count()).select_from(User))
    before = event_count()
    response = post_form(
        admin,
        "/admin/people/invite",
        {
            "email": "ivy.invited@example.gov.uk",
            "display_name": f"Ivy{control}Invited",
            "roles": ["auditor"],
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == [NAME_REFUSAL]
    assert db.session.scalar(select(func.count()).select_from(User)) == people
    assert event_count() == before


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_an_admin_cannot_give_a_person_a_name_with_a_control_character(client_for, world, control):
    admin = client_for(world.admin)
    before = event_count()
    response = post_form(
        admin,
        f"/admin/people/{world.auditor.id}",
        {"display_name": f"Audrey{control}Auditor", "roles": [str(Role.AUDITOR)]},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == [NAME_REFUSAL]
    db.session.refresh(world.auditor)
    assert world.auditor.display_name == "Audrey Auditor"
    assert event_count() == before
