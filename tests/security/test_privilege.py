"""Privilege: nobody raises their own, and the admin's and auditor's screens change
nothing for anyone without the role.

No form offers a field that grants a role, a stage, a department or an account's state,
and such fields posted to every form are ignored (mass assignment). The admin's screens
need the admin role and the second factor that role requires; the auditor's only read
(an export adds its own audit event and nothing else).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AccessRequest, AuditEvent, User, UserRole, UserStage
from app.rules.roles import Role
from tests.factories import PASSWORD, World, make_user
from tests.security.route_table import ROUTES, ROUTES_BY_KEY, Who, by_principal, rows
from tests.security.support import (
    TO_SIGN_IN,
    attempt,
    browser,
    changes,
    form_on_page,
    prepared,
    stored,
    use,
)
from tests.web.client import csrf_token, make_client, post_form

#: Names of fields that would grant privilege or move an object, were a form to read them.
PRIVILEGE_FIELDS = frozenset(
    {
        "role",
        "roles",
        "roles[]",
        "is_admin",
        "admin",
        "stage_codes",
        "stages",
        "department_id",
        "requester_id",
        "approver_id",
        "user_id",
        "active",
        "status",
        "current_stage",
    }
)

#: The forms whose purpose is to grant or take away privilege: an admin's, on people
#: (invite with roles and stages, change them, deactivate, reactivate). Who may post
#: them is the route table's business; what they do is tests/web/admin/test_people.py's.
GRANTING_FORMS = frozenset(
    {
        "POST /admin/people/invite",
        "POST /admin/people/<int:user_id>",
        "POST /admin/people/<int:user_id>/deactivate",
        "POST /admin/people/<int:user_id>/reactivate",
    }
)

#: The admin's and auditor's routes.
ADMIN_AND_AUDIT = [row for row in ROUTES if row.rule.startswith(("/admin/", "/audit-log/"))]
#: Methods no admin or audit page takes.
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")


POSTS_BY_PRINCIPAL = by_principal(rows("POST"))


def privileges() -> tuple[Any, ...]:
    """Who holds what: every person's roles, stages, department and state."""
    db.session.rollback()

    def table(*columns: Any) -> tuple[Any, ...]:
        return tuple(tuple(r) for r in db.session.execute(select(*columns).order_by(*columns)))

    return (
        table(UserRole.user_id, UserRole.role),
        table(UserStage.user_id, UserStage.stage_code),
        table(User.id, User.email, User.display_name, User.active, User.department_id),
    )


def misplaced_requests() -> list[str]:
    """Requests whose department is not their requester's (none, when all is well)."""
    db.session.rollback()
    return [
        request.reference
        for request in db.session.scalars(select(AccessRequest))
        if request.department_id != request.requester.department_id
    ]


def mass_assignment(world: World) -> dict[str, str]:
    """What an attacker adds to a form: roles, stages, another department, someone
    else's id, a status."""
    return {
        "role": "admin",
        "roles": "admin",
        "roles[]": "auditor",
        "is_admin": "y",
        "admin": "y",
        "stage_codes": "cabinet_office",
        "stages": "cabinet_office",
        "department_id": str(world.other_department.id),
        "requester_id": str(world.outsider.id),
        "approver_id": str(world.cabinet_office.id),
        "user_id": str(world.admin.id),
        "active": "n",
        "status": "approved",
        "current_stage": "cabinet_office",
        "display_name": "Changed Name",
    }


@pytest.mark.asvs("4.1.3", "5.1.2")
@pytest.mark.parametrize("who", sorted(POSTS_BY_PRINCIPAL), ids=str)
def test_no_form_offers_a_field_that_grants_privilege(people, world, who, subtests):
    for row in POSTS_BY_PRINCIPAL[who]:
        if row.form_page is None or row.key in GRANTING_FORMS:
            continue
        with subtests.test(route=row.key):
            subject = row.subject(world)
            form = form_on_page(prepared(people, who, row, subject), row, subject)
            assert form is not None, f"no form on {row.form_page} posts to {row.key}"
            offered = {field.name for field in form.fields} & PRIVILEGE_FIELDS
            assert not offered, f"{row.key} offers {offered}"


@pytest.mark.asvs("4.1.3", "5.1.2")
@pytest.mark.parametrize("who", sorted(POSTS_BY_PRINCIPAL), ids=str)
def test_privilege_fields_posted_to_every_form_are_ignored(people, world, who, subtests):
    people.ready(who)
    for row in POSTS_BY_PRINCIPAL[who]:
        if row.key in GRANTING_FORMS:
            continue
        with subtests.test(route=row.key):
            subject = row.subject(world)
            was_approved = subject.request is not None and subject.request.status == "approved"
            held = privileges()
            response = use(
                people,
                browser(people, who, row),
                who,
                row,
                subject,
                extra=mass_assignment(world),
            )
            assert response.status_code == row.expected(who)
            assert privileges() == held, f"{row.key} changed someone's privileges"
            assert misplaced_requests() == []
            if subject.request is not None and not was_approved:
                db.session.refresh(subject.request)
                assert subject.request.status != "approved"


@pytest.mark.asvs("4.1.3", "4.3.1")
@pytest.mark.parametrize("who", [Who.OFFICER, Who.AUDITOR, Who.ADMIN], ids=str)
def test_admin_and_audit_pages_take_no_other_method(people, world, who, subtests):
    """Someone without the role, and the auditor and admin themselves."""
    people.ready(who)
    client = people.client(who)
    by_rule: dict[str, set[str]] = {}
    for row in ADMIN_AND_AUDIT:
        by_rule.setdefault(row.rule, set()).add(row.method)
    for rule, taken in by_rule.items():
        row = next(r for r in ADMIN_AND_AUDIT if r.rule == rule)
        url = row.url(row.subject(world))
        for method in sorted(set(OTHER_METHODS) - taken):
            with subtests.test(route=rule, method=method):
                before = stored()
                response = client.open(
                    url, method=method, data={"csrf_token": people.token(client)}
                )
                assert response.status_code == 405
                assert not changes(before, stored())


@pytest.mark.asvs("4.1.3")
def test_asking_for_a_check_adds_the_check_and_its_audit_event_and_nothing_else(people, world):
    row = ROUTES_BY_KEY["POST /audit-log/verify"]
    people.ready(Who.AUDITOR)
    before = stored()
    assert attempt(people, Who.AUDITOR, row, row.subject(world)).status_code == 302
    counts = dict(before.counts)
    assert sorted(changes(before, stored())) == [
        f"audit_checks: {counts['audit_checks']} rows, now {counts['audit_checks'] + 1}",
        f"audit_events: {counts['audit_events']} rows, now {counts['audit_events'] + 1}",
        "audit_head changed",
    ]
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert newest is not None and newest.event_type == EventType.AUDIT_CHECK_REQUESTED


@pytest.mark.asvs("4.1.3")
def test_an_export_adds_its_own_audit_event_and_nothing_else(people, world):
    row = ROUTES_BY_KEY["POST /audit-log/export"]
    people.ready(Who.AUDITOR)
    before = stored()
    response = attempt(people, Who.AUDITOR, row, row.subject(world))
    assert response.status_code == 200
    response.get_data()  # the streamed zip, to the end
    assert changes(before, stored()) == [
        f"audit_events: {dict(before.counts)['audit_events']} rows, "
        f"now {dict(before.counts)['audit_events'] + 1}",
        "audit_head changed",
    ]
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert newest is not None and newest.event_type == EventType.AUDIT_EXPORTED


ADMIN_PAGES = [row for row in ADMIN_AND_AUDIT if row.rule.startswith("/admin/")]


@pytest.mark.asvs("4.3.1")
@pytest.mark.parametrize("has_second_factor", [True, False], ids=["not-entered", "not-set-up"])
def test_an_admin_password_alone_reaches_no_admin_page(app, world, has_second_factor):
    admin = make_user(Role.ADMIN, second_factor=has_second_factor)
    db.session.commit()
    client = make_client(app)
    response = post_form(client, "/sign-in", {"email": admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/two-factor"
    for row in ADMIN_PAGES:
        url = row.url(row.subject(world))
        before = stored()
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client.get("/sign-in"))})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(TO_SIGN_IN)
        assert not changes(before, stored())
