"""People, from the admin's browser: the list and its filters, inviting someone (the
one-time link shown once), changing a person's roles, department and stages, and
deactivating and reactivating them. Each change is an audit event with before and after;
bad input gets an error summary and changes nothing."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, User
from app.rules.roles import Role
from tests import factories
from tests.web.client import csrf_token, page_title, post_form

PEOPLE = "/admin/people"
INVITE = "/admin/people/invite"


def person_url(user: User) -> str:
    return f"/admin/people/{user.id}"


def events(event_type: EventType) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def names_listed(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/admin/people/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize("who", ["officer", "security", "auditor"])
def test_only_admins_see_people(client_for, world, who):
    client = client_for(getattr(world, who))
    for url in (PEOPLE, INVITE, person_url(world.officer)):
        assert client.get(url).status_code == 403, url


def test_the_list_shows_everyone_in_name_order(client_for, world):
    html = client_for(world.admin).get(PEOPLE).get_data(as_text=True)
    assert f"<title>{page_title('People')}</title>" in html
    listed = names_listed(html)
    assert listed == sorted(listed)
    assert {"Olive Officer", "Sally Security", "Adam Admin", "Audrey Auditor"} <= set(listed)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("text=olive", {"Olive Officer"}),
        ("text=SECURITY", {"Sally Security", "Sid Security"}),
        ("role=auditor", {"Audrey Auditor"}),
        ("role=officer&department={dsit}", {"Olive Officer", "Colin Colleague", "Dora Departed"}),
        ("role=officer&department={dsit}&account=active", {"Olive Officer", "Colin Colleague"}),
        ("account=deactivated", {"Dora Departed"}),
        ("text=%25", set()),  # a LIKE wildcard is searched for as itself
    ],
)
def test_the_filters_narrow_the_list(client_for, world, query, expected):
    factories.make_user(
        Role.OFFICER, department=world.department, name="Dora Departed", active=False
    )
    db.session.commit()
    url = f"{PEOPLE}?{query.format(dsit=world.department.id)}"
    html = client_for(world.admin).get(url).get_data(as_text=True)
    assert set(names_listed(html)) == expected
    if not expected:
        assert "Nobody matches these filters." in html


def test_a_filter_in_force_can_be_removed(client_for, world):
    html = client_for(world.admin).get(f"{PEOPLE}?role=auditor&text=aud").get_data(as_text=True)
    assert 'href="/admin/people?text=aud"' in html  # remove the role, keep the text
    assert 'href="/admin/people?role=auditor"' in html


def test_values_not_offered_count_as_no_filter(client_for, world):
    response = client_for(world.admin).get(f"{PEOPLE}?role=wizard&department=x&account=maybe")
    assert response.status_code == 200
    assert "Olive Officer" in response.get_data(as_text=True)


def invite(client, **fields):
    data = {
        "email": "newcomer@example.gov.uk",
        "display_name": "Nell Newcomer",
        "roles": ["approver"],
        "department": "",
        "stages": ["no10"],
        **fields,
    }
    return post_form(client, INVITE, data)


def test_an_invitation_makes_the_account_and_shows_its_link_once(client, client_for, world):
    response = invite(client_for(world.admin), leads=["no10"])
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Nell Newcomer has been invited" in html
    link = re.search(r'id="set-password-link"[^>]*value="([^"]+)"', html).group(1)
    person = db.session.scalar(select(User).where(User.email == "newcomer@example.gov.uk"))
    assert person.password_hash is None and person.active
    assert person.roles == {Role.APPROVER} and person.lead_stage_codes == {"no10"}
    [created] = events(EventType.USER_CREATED)[-1:]
    assert created.payload["leads"] == ["no10"] and created.actor_id == world.admin.id
    [issued] = events(EventType.PASSWORD_LINK_ISSUED)
    assert issued.payload["reason"] == "new_account"
    assert link not in str(issued.payload)
    # The link is for them: it opens the set-password page.
    assert client.get(urlsplit(link).path).status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter the person's email address"),
        ({"display_name": ""}, "Enter the person's full name"),
        ({"roles": []}, "Select at least one role"),
        ({"roles": ["wizard"]}, "Select roles from the list"),
        ({"roles": ["officer"], "stages": []}, "An officer needs a department"),
        ({"department": "999999", "roles": ["officer"], "stages": []}, "Select a department"),
        ({"stages": []}, "An approver needs at least one stage to sign"),
        ({"leads": ["security"]}, "can lead only the stages they sign"),
    ],
)
def test_a_bad_invitation_says_what_to_fix_and_makes_nothing(client_for, world, fields, message):
    before = user_count()
    response = invite(client_for(world.admin), **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in unescape(html)
    assert f"<title>{page_title('Error: Invite someone')}</title>" in html
    assert user_count() == before
    assert events(EventType.PASSWORD_LINK_ISSUED) == []


def test_an_address_already_taken_is_refused(client_for, world):
    html = invite(client_for(world.admin), email=world.officer.email.upper()).get_data(as_text=True)
    assert "A user with this email address already exists" in html


def test_a_change_of_roles_is_saved_and_audited_with_before_and_after(client_for, world):
    admin = client_for(world.admin)
    form = {
        "display_name": world.officer.display_name,
        "roles": ["officer", "auditor"],
        "department": str(world.department.id),
    }
    response = post_form(admin, person_url(world.officer), form)
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Olive Officer&#39;s details have been changed." in page

    db.session.refresh(world.officer)
    assert world.officer.roles == {Role.OFFICER, Role.AUDITOR}
    [event] = events(EventType.USER_UPDATED)
    assert event.payload["before"] == {"roles": ["officer"]}
    assert event.payload["after"] == {"roles": ["auditor", "officer"]}
    assert event.actor_id == world.admin.id


def test_the_page_shows_their_details_ticked(client_for, world):
    html = client_for(world.admin).get(person_url(world.security)).get_data(as_text=True)
    assert re.search(r'name="roles"[^>]*value="approver"[^>]*checked', html)
    assert re.search(r'name="stages"[^>]*value="security"[^>]*checked', html)
    assert not re.search(r'name="roles"[^>]*value="admin"[^>]*checked', html)


def test_a_bad_change_says_what_to_fix_and_changes_nothing(client_for, world):
    form = {"display_name": "Sally Security", "roles": ["approver"], "stages": []}
    response = post_form(client_for(world.admin), person_url(world.security), form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "An approver needs at least one stage to sign" in html
    db.session.refresh(world.security)
    assert world.security.stage_codes == {"security"}
    assert events(EventType.USER_UPDATED) == []


def test_an_admin_cannot_change_their_own_roles_but_may_change_their_name(client_for, world):
    admin = client_for(world.admin)
    html = admin.get(person_url(world.admin)).get_data(as_text=True)
    assert 'name="roles"' not in html
    assert "You cannot change your own roles: ask another admin." in html

    form = {"display_name": "Adam Admin-Jones", "roles": ["officer"], "department": ""}
    assert post_form(admin, person_url(world.admin), form).status_code == 302
    db.session.refresh(world.admin)
    assert world.admin.display_name == "Adam Admin-Jones"
    assert world.admin.roles == {Role.ADMIN}


def test_deactivating_asks_first_then_signs_them_out(client_for, world):
    officer = client_for(world.officer)
    admin = client_for(world.admin)
    url = f"{person_url(world.officer)}/deactivate"
    page = admin.get(url).get_data(as_text=True)
    assert "They will be signed out everywhere at once" in page
    db.session.refresh(world.officer)
    assert world.officer.active

    response = post_form(admin, url)
    assert response.status_code == 302
    db.session.refresh(world.officer)
    assert not world.officer.active
    assert officer.get("/requests/").headers["Location"].startswith("/sign-in")
    [event] = events(EventType.USER_DEACTIVATED)
    assert event.payload["before"] == {"active": True}
    assert event.payload["after"] == {"active": False}

    assert post_form(admin, f"{person_url(world.officer)}/reactivate").status_code == 302
    db.session.refresh(world.officer)
    assert world.officer.active
    assert len(events(EventType.USER_REACTIVATED)) == 1


def test_an_admin_cannot_deactivate_themselves(client_for, world):
    admin = client_for(world.admin)
    url = f"{person_url(world.admin)}/deactivate"
    response = post_form(admin, url)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "govuk-error-summary" in html and "You cannot deactivate your own account" in html
    db.session.refresh(world.admin)
    assert world.admin.active
    assert events(EventType.USER_DEACTIVATED) == []


def test_a_new_set_password_link_is_shown_once_and_audited(client_for, world):
    admin = client_for(world.admin)
    page = admin.get(person_url(world.officer))
    response = admin.post(
        f"{person_url(world.officer)}/password-link", data={"csrf_token": csrf_token(page)}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "a new set-password link" in html
    assert re.search(r'id="set-password-link"[^>]*value="https?://[^"]+/set-password/', html)
    [issued] = events(EventType.PASSWORD_LINK_ISSUED)
    assert issued.payload["reason"] == "reset" and issued.actor_id == world.admin.id


def test_an_unknown_person_is_not_found(client_for, world):
    assert client_for(world.admin).get("/admin/people/999999").status_code == 404
