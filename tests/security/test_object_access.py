"""Object-level access (IDOR): a person who may use a route, pointed at an object they may
not touch, is refused and nothing changes, on the screens and in the API alike.

Another department's request is "not found" (404), exactly as a reference that does not
exist, so its existence does not leak; approvers are told a draft does not exist; an
approver is refused a stage they do not hold; another person's API token or session does
not exist for you; an admin cannot reset their own second factor, and a Retry acts only
on the outbox message named (one that does not exist is not found); only exports made
through the API have a manifest there; a set-password link that is not genuine sets
nothing.
Every route of the route table that names an object is covered here
(`test_every_route_naming_an_object_is_covered`).
"""

from __future__ import annotations

import re

import pytest
from werkzeug.test import TestResponse

from app.audit.events import EventType
from app.audit.export import ExportFormat
from app.audit.filters import AuditFilters
from app.audit.manifest import filter_description
from app.extensions import db
from app.models import AuditEvent, Delegation, User
from app.models.notifications import DeliveryStatus
from app.operations.create_api_token import create_api_token
from app.operations.record_export import record_export
from app.rules.roles import Role
from app.rules.workflow import Outcome, Status
from app.security.user_sessions import open_session
from tests import outbox
from tests.factories import make_user
from tests.security.route_table import (
    APPROVERS,
    ROUTES,
    ROUTES_BY_KEY,
    Route,
    Subject,
    Who,
    a_delegation,
    a_password_link,
    a_person,
    request_of,
)
from tests.security.support import attempt, changes, stored

pytestmark = pytest.mark.asvs("4.2.1", "4.1.3")

#: Rules whose variable names no object of ours (a file of the design system's assets).
NOT_OBJECTS = frozenset({"/assets/<path:filename>"})

#: Every route about one request, on the screens and in the API.
REQUEST_ROUTES = [row for row in ROUTES if "reference" in row.variables]
#: Deciding a request's stage (a change to an approved account is decided on routes of
#: its own, under /account/, covered with the rest of REQUEST_ROUTES).
DECISION_ROUTES = [
    row
    for row in REQUEST_ROUTES
    if row.method == "POST" and "decide" in row.rule and "/account/" not in row.rule
]
ADMIN_USER_ROUTES = [row for row in ROUTES if "user_id" in row.variables]
#: An admin's own second factor is reset by another admin (app/screens/admin/two_factor.py).
RESET_ROUTES = [row for row in ADMIN_USER_ROUTES if row.rule.endswith("/reset-two-factor")]
DEPARTMENT_ROUTES = [row for row in ROUTES if "department_id" in row.variables]
PLATFORM_ROUTES = [row for row in ROUTES if "platform_id" in row.variables]
TOKEN_ROUTES = [row for row in ROUTES if "token_id" in row.variables]
SESSION_ROUTES = [row for row in ROUTES if "session_id" in row.variables]
MANIFEST_ROUTES = [row for row in ROUTES if "seq" in row.variables]
LINK_ROUTES = [row for row in ROUTES if "token" in row.variables]
OUTBOX_ROUTES = [row for row in ROUTES if "message_id" in row.variables]
CHECK_ROUTES = [row for row in ROUTES if "check_id" in row.variables]
DELEGATION_ROUTES = [row for row in ROUTES if "delegation_id" in row.variables]

NO_SUCH_REFERENCE = "PRQ-2099-99999"


def usable_by(who: Who, routes: list[Route]) -> list[Route]:
    """The routes `who` may use (on some object): the ones an IDOR would go through."""
    return [row for row in routes if who in row.allowed]


def request_subject(access_request, section: str = "purpose") -> Subject:
    return Subject(
        {
            "reference": access_request.reference,
            "section": section,
            "number": "1",
            "action": "record_opening",
        },
        access_request,
    )


def same_answer(first: TestResponse, second: TestResponse) -> bool:
    """True when two answers are the same, apart from per-response tokens."""

    def plain(response: TestResponse) -> str:
        return re.sub(r'(value|nonce)="[^"]*"', "", response.get_data(as_text=True))

    return first.status_code == second.status_code and plain(first) == plain(second)


def test_every_route_naming_an_object_is_covered() -> None:
    groups = (
        REQUEST_ROUTES,
        DECISION_ROUTES,
        ADMIN_USER_ROUTES,
        TOKEN_ROUTES,
        SESSION_ROUTES,
        MANIFEST_ROUTES,
        LINK_ROUTES,
        OUTBOX_ROUTES,
        CHECK_ROUTES,
        DEPARTMENT_ROUTES,
        PLATFORM_ROUTES,
        DELEGATION_ROUTES,
    )
    covered = {row.key for group in groups for row in group}
    naming = {row.key for row in ROUTES if row.variables and row.rule not in NOT_OBJECTS}
    assert naming - covered == set(), "add these routes' objects to test_object_access.py"


@pytest.mark.parametrize("status", list(Status))
def test_an_officer_is_told_another_departments_request_does_not_exist(
    people, world, status, subtests
):
    foreign = request_of(world, status, author=world.outsider)
    people.ready(Who.OFFICER)
    for row in usable_by(Who.OFFICER, REQUEST_ROUTES):
        with subtests.test(route=row.key):
            before = stored() if row.method != "GET" else None
            response = attempt(people, Who.OFFICER, row, request_subject(foreign))
            assert response.status_code == 404
            if before is not None:
                assert not changes(before, stored())


def test_another_departments_request_looks_like_one_that_does_not_exist(people, world, subtests):
    foreign = request_of(world, Status.IN_REVIEW, author=world.outsider)
    people.ready(Who.OFFICER)
    for row in usable_by(Who.OFFICER, REQUEST_ROUTES):
        with subtests.test(route=row.key):
            # The reference as written, in lower case (it is found either way), or none.
            answers = []
            for reference in (foreign.reference, foreign.reference.lower(), NO_SUCH_REFERENCE):
                subject = request_subject(foreign)
                subject.values["reference"] = reference
                answers.append(attempt(people, Who.OFFICER, row, subject))
            assert answers[0].status_code == 404
            assert same_answer(answers[0], answers[1])
            assert same_answer(answers[0], answers[2])


@pytest.mark.parametrize("who", sorted(APPROVERS))
def test_an_approver_is_told_a_draft_does_not_exist(people, world, who, subtests):
    draft = request_of(world, Status.DRAFT)
    people.ready(who)
    for row in usable_by(who, REQUEST_ROUTES):
        with subtests.test(route=row.key):
            before = stored() if row.method != "GET" else None
            response = attempt(people, who, row, request_subject(draft))
            assert response.status_code == 404
            if before is not None:
                assert not changes(before, stored())


@pytest.mark.parametrize("row", DECISION_ROUTES, ids=lambda row: row.key)
@pytest.mark.parametrize("who", sorted(APPROVERS - {Who.SECURITY}))
def test_an_approver_cannot_decide_a_stage_they_do_not_hold(people, world, who, row):
    access_request = request_of(world, Status.IN_REVIEW)  # at the security stage
    people.ready(who)
    before = stored()
    # The request's stage is not theirs (403); the stage they hold is not the request's
    # (409: what they saw is not what is there).
    for stage, refused in (("security", 403), (who.value, 409)):
        data = {"version": access_request.version, "stage": stage, "outcome": Outcome.APPROVE}
        if row.api:
            data.pop("version")  # If-Match says which version they saw
        response = attempt(people, who, row, request_subject(access_request), data)
        assert response.status_code == refused
    assert not changes(before, stored())


def test_an_approver_cannot_decide_a_second_stage_of_one_request(people, world):
    both = make_user(Role.APPROVER, stages=("security", "no10"))
    db.session.commit()
    access_request = request_of(world, Status.IN_REVIEW)
    client = people.signed_in(both)
    row = ROUTES_BY_KEY["POST /review/<reference>/decide"]

    def decide(stage: str) -> TestResponse:
        db.session.refresh(access_request)
        data = {
            "version": access_request.version,
            "stage": stage,
            "outcome": Outcome.APPROVE,
            "csrf_token": people.token(client),
        }
        return client.post(row.url(request_subject(access_request)), data=data)

    assert decide("security").status_code == 302
    before = stored()
    assert decide("no10").status_code == 403
    assert not changes(before, stored())


@pytest.mark.parametrize("row", RESET_ROUTES, ids=lambda row: row.key)
def test_an_admin_cannot_reset_their_own_second_factor(people, world, row):
    own = Subject({"user_id": str(world.admin.id)}, user=world.admin)
    people.ready(Who.ADMIN)
    before = stored()
    response = attempt(people, Who.ADMIN, row, own)
    if row.method == "GET":  # the page says why, and offers no button
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "You cannot reset your own" in page
        assert 'action="/admin/users/' not in page
    else:
        assert response.status_code == 403
    assert not changes(before, stored())


@pytest.mark.parametrize("row", ADMIN_USER_ROUTES, ids=lambda row: row.key)
def test_an_admin_action_on_a_user_that_does_not_exist_is_not_found(people, world, row):
    people.ready(Who.ADMIN)
    before = stored()
    response = attempt(people, Who.ADMIN, row, Subject({"user_id": "999999"}))
    assert response.status_code == 404
    assert not changes(before, stored())


@pytest.mark.parametrize("row", DEPARTMENT_ROUTES + PLATFORM_ROUTES, ids=lambda row: row.key)
def test_an_admin_action_on_a_department_or_platform_that_does_not_exist_is_not_found(
    people, world, row
):
    people.ready(Who.ADMIN)
    before = stored()
    subject = Subject({"department_id": "999999", "platform_id": "999999"})
    response = attempt(people, Who.ADMIN, row, subject)
    assert response.status_code == 404
    assert not changes(before, stored())


@pytest.mark.parametrize("row", DELEGATION_ROUTES, ids=lambda row: row.key)
def test_ending_cover_that_does_not_exist_is_not_found(people, world, row):
    who = next(iter(row.allowed))
    people.ready(who)
    before = stored()
    response = attempt(people, who, row, Subject({"delegation_id": "999999"}))
    assert response.status_code == 404
    assert not changes(before, stored())


def test_an_approver_cannot_end_cover_that_names_neither_of_them(people, world):
    """The No10 approver is told that Security's cover by someone else does not exist,
    and it goes on."""
    row = ROUTES_BY_KEY["POST /review/cover/<int:delegation_id>/end"]
    subject = a_delegation(world)
    people.ready(Who.NO10)
    before = stored()
    response = attempt(people, Who.NO10, row, subject)
    assert response.status_code == 404
    assert not changes(before, stored())
    delegation = db.session.get(Delegation, int(subject.values["delegation_id"]))
    assert delegation.ended_at is None


@pytest.mark.parametrize("change", ["deactivate", "reactivate"], ids=lambda change: change)
def test_an_admin_cannot_deactivate_themselves(people, world, change):
    row = ROUTES_BY_KEY[f"POST /admin/people/<int:user_id>/{change}"]
    own = Subject({"user_id": str(world.admin.id)}, user=world.admin)
    people.ready(Who.ADMIN)
    before = stored()
    response = attempt(people, Who.ADMIN, row, own)
    # Deactivating oneself is refused on the page (409); reactivating an active account
    # does nothing.
    assert response.status_code == (409 if change == "deactivate" else 302)
    assert not changes(before, stored())


def test_an_admin_reset_acts_on_the_user_named_and_no_other(people, world):
    """The id in the address is the only one used: a user_id in the form is ignored."""
    row = ROUTES_BY_KEY["POST /admin/users/<int:user_id>/reset-two-factor"]
    target = a_person(second_factor=True)(world)
    bystander = a_person(second_factor=True)(world)
    assert isinstance(bystander.user, User) and isinstance(target.user, User)
    data = {"user_id": str(bystander.user.id)}
    assert attempt(people, Who.ADMIN, row, target, data).status_code == 302
    db.session.expire_all()
    assert not target.user.has_second_factor
    assert bystander.user.has_second_factor


@pytest.mark.parametrize("row", OUTBOX_ROUTES, ids=lambda row: row.key)
def test_an_outbox_message_that_does_not_exist_is_not_found(people, world, row, subtests):
    people.ready(Who.ADMIN)
    for message_id in ("999999", str(2**31), str(2**63)):
        with subtests.test(message_id=message_id):
            before = stored()
            response = attempt(people, Who.ADMIN, row, Subject({"message_id": message_id}))
            assert response.status_code == 404
            assert not changes(before, stored())


@pytest.mark.parametrize("row", CHECK_ROUTES, ids=lambda row: row.key)
def test_an_audit_check_that_does_not_exist_is_not_found(people, world, row, subtests):
    people.ready(Who.AUDITOR)
    for check_id in ("999999", str(2**31), str(2**63)):
        with subtests.test(check_id=check_id):
            before = stored()
            response = attempt(people, Who.AUDITOR, row, Subject({"check_id": check_id}))
            assert response.status_code == 404
            assert not changes(before, stored())


def test_a_retry_acts_on_the_message_named_and_no_other(people, world):
    """The id in the address is the only one used: a message_id in the form is ignored."""
    row = ROUTES_BY_KEY["POST /admin/outbox/<int:message_id>/retry"]
    target = outbox.failed(world)
    bystander = outbox.failed(world)
    data = {"message_id": str(bystander.id)}
    response = attempt(people, Who.ADMIN, row, Subject({"message_id": str(target.id)}), data)
    assert response.status_code == 302
    db.session.expire_all()
    assert target.status == DeliveryStatus.PENDING
    assert bystander.status == DeliveryStatus.FAILED


@pytest.mark.parametrize("row", TOKEN_ROUTES, ids=lambda row: row.key)
def test_another_persons_api_token_does_not_exist_for_you(people, world, row, subtests):
    theirs, _text = create_api_token(
        world.outsider, name="Theirs", scopes=["requests:read"], expires_in_days=30
    )
    db.session.commit()
    people.ready(Who.OFFICER)
    for token_id in (str(theirs.id), "999999", str(2**31), str(2**63)):
        with subtests.test(token_id=token_id):
            before = stored()
            response = attempt(people, Who.OFFICER, row, Subject({"token_id": token_id}))
            assert response.status_code == 404
            assert not changes(before, stored())
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


@pytest.mark.asvs("3.3.4")
@pytest.mark.parametrize("row", SESSION_ROUTES, ids=lambda row: row.key)
def test_another_persons_session_does_not_exist_for_you(people, world, row, subtests):
    theirs, _token = open_session(world.outsider)
    db.session.commit()
    people.ready(Who.OFFICER)
    for session_id in (str(theirs.id), "999999", str(2**31), str(2**63)):
        with subtests.test(session_id=session_id):
            before = stored()
            response = attempt(people, Who.OFFICER, row, Subject({"session_id": session_id}))
            assert response.status_code == 404
            assert not changes(before, stored())
    db.session.refresh(theirs)
    assert theirs.ended_at is None


@pytest.mark.parametrize("row", MANIFEST_ROUTES, ids=lambda row: row.key)
def test_only_an_export_made_through_the_api_has_a_manifest_there(people, world, row, subtests):
    web_export, _hash = record_export(
        world.auditor,
        export_format=ExportFormat.CSV,
        filter_description=filter_description(AuditFilters()),
        via="web",
    )
    db.session.commit()
    other_event = db.session.scalars(
        db.select(AuditEvent.seq).where(AuditEvent.event_type != EventType.AUDIT_EXPORTED)
    ).first()
    people.ready(Who.AUDITOR)
    for seq in (web_export, other_event, 999_999, 2**63 - 1):
        with subtests.test(seq=seq):
            response = attempt(people, Who.AUDITOR, row, Subject({"seq": str(seq)}))
            assert response.status_code == 404


def forged(token: str) -> list[str]:
    """Links that are not the genuine one: altered, cut, and a made-up one."""
    return [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token[:20], "x"]


@pytest.mark.parametrize("row", LINK_ROUTES, ids=lambda row: row.key)
def test_a_set_password_link_that_is_not_genuine_sets_nothing(people, world, row, subtests):
    genuine = a_password_link(world)
    for token in forged(genuine.values["token"]):
        with subtests.test(token=token):
            before = stored()
            response = attempt(people, Who.ANONYMOUS, row, Subject({"token": token}))
            assert response.status_code == 410
            assert not changes(before, stored())


def test_a_used_link_cannot_set_the_password_again(people, world):
    row = ROUTES_BY_KEY["POST /set-password/<token>"]
    link = a_password_link(world)
    assert attempt(people, Who.ANONYMOUS, row, link).status_code == 302
    before = stored()
    assert attempt(people, Who.ANONYMOUS, row, link).status_code == 410
    assert not changes(before, stored())


def test_a_link_for_someone_deactivated_sets_nothing(people, world):
    row = ROUTES_BY_KEY["POST /set-password/<token>"]
    link = a_password_link(world)
    assert isinstance(link.user, User)
    link.user.active = False
    db.session.commit()
    before = stored()
    assert attempt(people, Who.ANONYMOUS, row, link).status_code == 410
    assert not changes(before, stored())
