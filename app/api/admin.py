"""Administration for admin tokens (scope `admin`): departments, platforms and their
pipelines, people, and cover for absent approvers.

Each view is the admin screen's view without the HTML (app.screens.admin): load what the
URL names (404 if nothing), call one operation, answer with the thing as it now stands.
The operations' refusals become their problems (app.web.problems): invalid-content (422)
naming the field, stale-request (409) for a pipeline someone else changed first,
not-permitted (403) for the last admin or one's own roles. The audit events are the
screens' own, with the token that made them (`api_token`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app
from sqlalchemy import ColumnElement, select

from app.api.admin_schemas import (
    AdminPersonSchema,
    DelegationSchema,
    DepartmentSchema,
    InvitationSchema,
    NewDelegationSchema,
    NewDepartmentSchema,
    NewPersonSchema,
    NewPlatformSchema,
    PersonChangesSchema,
    PipelineChangeSchema,
    PipelineSchema,
    PlatformSchema,
    RenameOrRetireSchema,
)
from app.api.auth import caller, requires
from app.api.blueprint import blueprint
from app.api.writes import Answer, write
from app.extensions import db
from app.models.delegations import Delegation
from app.models.departments import Department
from app.models.platforms import Platform
from app.models.users import User, normalise_email, with_roles_and_stages
from app.operations.create_department import create_department
from app.operations.create_platform import create_platform
from app.operations.create_user import create_user
from app.operations.deactivate_user import deactivate_user
from app.operations.delegations import end_delegation, start_delegation
from app.operations.issue_password_link import issue_password_link
from app.operations.reactivate_user import reactivate_user
from app.operations.set_pipeline import StepSpec, set_pipeline
from app.operations.update_department import update_department
from app.operations.update_platform import update_platform
from app.operations.update_user import update_user
from app.reads.pipelines import pipeline_versions
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, Quorum
from app.security.api_tokens import Scope
from app.security.password_links import set_password_url
from app.web.client import client_from_request

TAGS = ["administration"]


# Departments ---------------------------------------------------------------------------


@blueprint.route("/admin/departments", methods=["GET"], tags=TAGS)
@requires(Scope.ADMIN)
@blueprint.response(200, DepartmentSchema(many=True))
def list_departments() -> list[Department]:
    """List every department, retired ones too

    Each with its code (as references and filters show it), name, and whether it is open.
    """
    return list(db.session.scalars(select(Department).order_by(Department.name)))


@blueprint.route("/admin/departments", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.arguments(NewDepartmentSchema)
@blueprint.response(201, DepartmentSchema)
def add_department(body: dict[str, Any]) -> Answer:
    """Add a department

    Its code (capital letters and digits, never changed later) and its name, both unique.
    """
    added = create_department(
        caller(), code=body["code"], name=body["name"], client=client_from_request()
    )
    return added, 201


@blueprint.route("/admin/departments/<int:department_id>", methods=["PATCH"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=False)
@blueprint.arguments(RenameOrRetireSchema)
@blueprint.response(200, DepartmentSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def change_department(body: dict[str, Any], department_id: int) -> Answer:
    """Rename a department, retire it or open it again

    A retired department's officers start no new requests; nothing is ever deleted.
    """
    department = db.get_or_404(Department, department_id)
    update_department(
        department,
        caller(),
        name=body.get("name"),
        active=body.get("active"),
        client=client_from_request(),
    )
    return department


# Platforms and pipelines -----------------------------------------------------------------


@blueprint.route("/admin/platforms", methods=["GET"], tags=TAGS)
@requires(Scope.ADMIN)
@blueprint.response(200, PlatformSchema(many=True))
def list_platforms() -> list[Platform]:
    """List every platform, with the pipeline version new submissions take

    A platform with no pipeline version yet takes no submissions.
    """
    return list(db.session.scalars(select(Platform).order_by(Platform.name)))


@blueprint.route("/admin/platforms", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.arguments(NewPlatformSchema)
@blueprint.response(201, PlatformSchema)
def add_platform(body: dict[str, Any]) -> Answer:
    """Add a platform

    It takes requests once it has a pipeline: PUT its pipeline next.
    """
    added = create_platform(
        caller(),
        name=body["name"],
        handle_max_length=body["handle_max_length"],
        handle_punctuation=body["handle_punctuation"],
        client=client_from_request(),
    )
    return added, 201


@blueprint.route("/admin/platforms/<int:platform_id>", methods=["PATCH"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=False)
@blueprint.arguments(RenameOrRetireSchema)
@blueprint.response(200, PlatformSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def change_platform(body: dict[str, Any], platform_id: int) -> Answer:
    """Rename a platform, retire it or open it again

    A retired platform takes no new requests or submissions; its requests carry on.
    """
    platform = db.get_or_404(Platform, platform_id)
    update_platform(
        platform,
        caller(),
        name=body.get("name"),
        active=body.get("active"),
        client=client_from_request(),
    )
    return platform


@blueprint.route("/admin/platforms/<int:platform_id>/pipeline", methods=["GET"], tags=TAGS)
@requires(Scope.ADMIN)
@blueprint.response(200, PipelineSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def read_pipeline(platform_id: int) -> dict[str, Any]:
    """Read a platform's pipeline versions

    Newest first, each with its stages (quorum, named set, target) and the requests first
    submitted under it.
    """
    return _pipeline(db.get_or_404(Platform, platform_id))


@blueprint.route("/admin/platforms/<int:platform_id>/pipeline", methods=["PUT"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=False)
@blueprint.arguments(PipelineChangeSchema)
@blueprint.response(200, PipelineSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def change_pipeline(body: dict[str, Any], platform_id: int) -> Answer:
    """Set a platform's pipeline: a new version, for new submissions only

    The stages in signing order, each with its quorum (any one of the stage's approvers,
    N of a named set, or all of one) and its target. Requests already submitted keep the
    version they were first submitted under. The same stages as the current version make
    no new version.
    """
    platform = db.get_or_404(Platform, platform_id)
    set_pipeline(
        platform,
        caller(),
        steps=[
            StepSpec(
                stage=step["stage"],
                quorum=Quorum(step["quorum"]),
                required=step["required"],
                approvers=tuple(step["approvers"]),
                target_working_days=step["target_working_days"],
            )
            for step in body["stages"]
        ],
        based_on=body["based_on"],
        client=client_from_request(),
    )
    db.session.flush()
    db.session.expire(platform, ["versions"])
    return _pipeline(platform)


def _pipeline(platform: Platform) -> dict[str, Any]:
    current = platform.pipeline_version
    return {
        "platform": platform.name,
        "current": current.number if current is not None else None,
        "versions": [
            {
                "number": row.version.number,
                "created_at": row.version.created_at,
                "stages": row.version.stages,
                "requests": row.requests,
                "references": [reference for reference, _status in row.references],
            }
            for row in pipeline_versions(platform)
        ],
    }


# People ---------------------------------------------------------------------------------


@blueprint.route("/admin/people", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.arguments(NewPersonSchema)
@blueprint.response(201, InvitationSchema)
def invite_person(body: dict[str, Any]) -> Answer:
    """Invite a person: their account, and a one-time link to set their password

    The link is in this answer only (`set_password_link`): it is never stored or shown
    again. Send it to them yourself.
    """
    person = create_user(
        caller(),
        email=body["email"],
        display_name=body["name"],
        password=None,
        roles=[Role(role) for role in body["roles"]],
        department=_department(body.get("department")),
        stage_codes=body.get("stages", []),
        lead_stage_codes=body.get("leads", []),
        client=client_from_request(),
    )
    token = issue_password_link(
        person,
        caller(),
        valid_hours=current_app.config["SET_PASSWORD_LINK_HOURS"],
        client=client_from_request(),
    )
    return {"person": person, "set_password_link": set_password_url(token)}, 201


@blueprint.route("/admin/people/<int:user_id>", methods=["PATCH"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=False)
@blueprint.arguments(PersonChangesSchema)
@blueprint.response(200, AdminPersonSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def change_person(body: dict[str, Any], user_id: int) -> Answer:
    """Change a person's name, roles, department, stages or leads

    What the body leaves out stays as it is. Nobody changes their own roles, and the last
    active admin stays one.
    """
    person = _person(user_id)
    update_user(
        person,
        caller(),
        display_name=body.get("name", person.display_name),
        roles=[Role(role) for role in body.get("roles", person.roles)],
        department=(_department(body["department"]) if "department" in body else person.department),
        stage_codes=body.get("stages", person.stage_codes),
        lead_stage_codes=body.get("leads", person.lead_stage_codes),
        client=client_from_request(),
    )
    return person


@blueprint.route("/admin/people/<int:user_id>/deactivate", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.response(200, AdminPersonSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def deactivate_person(user_id: int) -> Answer:
    """Deactivate a person's account

    Their sessions end and their tokens stop working; the account is never deleted, and
    the last active admin cannot be deactivated.
    """
    person = _person(user_id)
    deactivate_user(person, caller(), client=client_from_request())
    return person


@blueprint.route("/admin/people/<int:user_id>/reactivate", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.response(200, AdminPersonSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def reactivate_person(user_id: int) -> Answer:
    """Reactivate a deactivated account

    They sign in again with their password, or a new set-password link.
    """
    person = _person(user_id)
    reactivate_user(person, caller(), client=client_from_request())
    return person


# Cover --------------------------------------------------------------------------------


@blueprint.route("/admin/delegations", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.arguments(NewDelegationSchema)
@blueprint.response(201, DelegationSchema)
def add_delegation(body: dict[str, Any]) -> Answer:
    """Set cover for an absent approver

    From `starts_on` to `ends_on` (London dates, both included) the delegate decides the
    absent approver's stages on their behalf, and hears what they would.
    """
    delegator = _person_by_email(body["delegator"], "delegator")
    delegation = start_delegation(
        caller(),
        delegator=delegator,
        delegate=_person_by_email(body["delegate"], "delegate"),
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
        client=client_from_request(),
    )
    return delegation, 201


@blueprint.route("/admin/delegations/<int:delegation_id>/end", methods=["POST"], tags=TAGS)
@requires(Scope.ADMIN)
@write(idempotent=True)
@blueprint.response(200, DelegationSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def end_cover(delegation_id: int) -> Answer:
    """End cover now

    Before its end date; the delegate no longer decides for the absent approver.
    """
    delegation = db.get_or_404(Delegation, delegation_id)
    end_delegation(delegation, caller(), client=client_from_request())
    return delegation


def _person(user_id: int) -> User:
    person = _one_person(User.id == user_id)
    if person is None:
        abort(404)
    return person


def _person_by_email(email: str, field: str) -> User:
    person = _one_person(User.email == normalise_email(email))
    if person is None:
        raise InvalidContent({field: f"Nobody has the email address {normalise_email(email)}"})
    return person


def _one_person(where: ColumnElement[bool]) -> User | None:
    """The person `where` names, with their roles and stages: one statement."""
    query = select(User).where(where).options(*with_roles_and_stages())
    return db.session.scalars(query).unique().one_or_none()


def _department(code: str | None) -> Department | None:
    if code is None:
        return None
    department = db.session.scalar(select(Department).where(Department.code == code.upper()))
    if department is None:
        raise InvalidContent({"department": f"There is no department with the code {code}"})
    return department
