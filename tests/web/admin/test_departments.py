"""Departments, from the admin's browser: the list with its counts, adding one, renaming
it, retiring it and opening it again; bad input gets an error summary and changes
nothing; an officer of a retired department is told why they cannot start a request."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, Department
from tests.web.client import csrf_token, post_form

DEPARTMENTS = "/admin/departments"


def events(event_type: EventType) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


@pytest.mark.parametrize("who", ["officer", "security", "auditor"])
def test_only_admins_see_departments(client_for, world, who):
    client = client_for(getattr(world, who))
    assert client.get(DEPARTMENTS).status_code == 403
    assert client.get(f"{DEPARTMENTS}/{world.department.id}").status_code == 403


def test_the_list_counts_each_departments_people_and_requests(client_for, world):
    world.draft()
    db.session.commit()
    html = client_for(world.admin).get(DEPARTMENTS).get_data(as_text=True)
    row = html.split(">DSIT</th>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("<", 1)[0] for cell in row.split('numeric">')[1:]]
    assert cells == ["2", "1"]  # Olive and Colin; one draft


def test_an_admin_adds_a_department(client_for, world):
    admin = client_for(world.admin)
    response = post_form(admin, DEPARTMENTS, {"code": "dfe", "name": "Department for Education"})
    assert response.status_code == 302
    assert "Department for Education (DFE) has been added." in admin.get(DEPARTMENTS).get_data(
        as_text=True
    )
    assert db.session.scalar(select(Department).where(Department.code == "DFE")).active
    [event] = events(EventType.DEPARTMENT_CREATED)
    assert event.actor_id == world.admin.id


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"code": "", "name": "Department for Education"}, "Enter the department&#39;s code"),
        ({"code": "D-E", "name": "Department for Education"}, "only capital letters and digits"),
        ({"code": "DSIT", "name": "Department for Education"}, "this code already exists"),
        ({"code": "DFE", "name": ""}, "Enter the department&#39;s name"),
        ({"code": "DFE", "name": "Home Office"}, "this name already exists"),
    ],
)
def test_a_bad_department_gets_an_error_summary_and_nothing_changes(
    client_for, world, form, message
):
    count = db.session.query(Department).count()
    response = post_form(client_for(world.admin), DEPARTMENTS, form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert db.session.query(Department).count() == count
    assert events(EventType.DEPARTMENT_CREATED) == []


def test_rename_retire_and_reopen(client_for, world):
    admin = client_for(world.admin)
    url = f"{DEPARTMENTS}/{world.other_department.id}"
    assert post_form(admin, url, {"name": "The Home Office"}).status_code == 302
    page = admin.get(url)
    assert "The department is now called The Home Office." in page.get_data(as_text=True)

    token = csrf_token(page)
    assert admin.post(f"{url}/retire", data={"csrf_token": token}).status_code == 302
    db.session.refresh(world.other_department)
    assert not world.other_department.active
    page = admin.get(url).get_data(as_text=True)
    assert "The Home Office is retired." in page and "Retired" in page

    admin.post(f"{url}/reopen", data={"csrf_token": token})
    db.session.refresh(world.other_department)
    assert world.other_department.active
    updates = events(EventType.DEPARTMENT_UPDATED)
    assert [event.payload["after"] for event in updates] == [
        {"name": "The Home Office"},
        {"active": False},
        {"active": True},
    ]


def test_a_rename_to_a_name_taken_is_refused(client_for, world):
    url = f"{DEPARTMENTS}/{world.other_department.id}"
    response = post_form(client_for(world.admin), url, {"name": world.department.name})
    assert "govuk-error-summary" in response.get_data(as_text=True)
    db.session.refresh(world.other_department)
    assert world.other_department.name == "Home Office"


def test_an_officer_of_a_retired_department_is_told_they_cannot_start_a_request(client_for, world):
    world.department.active = False
    db.session.commit()
    officer = client_for(world.officer)
    form = {"platform": str(world.platform.id), "kind": "new_account"}
    response = post_form(officer, "/requests/new", form)
    assert response.status_code == 403
    assert "has been retired: it cannot start new requests" in response.get_data(as_text=True)


def test_the_new_request_page_says_so_before_the_officer_fills_it_in(client_for, world):
    world.department.active = False
    db.session.commit()
    html = client_for(world.officer).get("/requests/new").get_data(as_text=True)
    assert "has been retired: it cannot start new requests" in html
    assert 'action="/requests/new"' not in html
