"""The administration API's bodies: departments, platforms, pipelines, people, cover."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.rules.content import HANDLE_MAX
from app.rules.roles import Role
from app.rules.workflow import QUORUM_LABELS, TARGET_MAX, Quorum

_QUORUMS = [str(q) for q in Quorum]
_ROLES = [str(r) for r in Role]


class DepartmentSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True, metadata={"description": "False once retired"})


class NewDepartmentSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Capital letters and digits"})
    name = fields.String(required=True)


class RenameOrRetireSchema(Schema):
    name = fields.String(metadata={"description": "A new name"})
    active = fields.Boolean(metadata={"description": "false retires it; true opens it again"})


class PlatformSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)
    handle_max_length = fields.Integer(allow_none=True)
    handle_punctuation = fields.String()
    pipeline_version = fields.Method(
        "_version",
        required=True,
        metadata={
            "type": ["integer", "null"],
            "description": "The version new submissions take; null before one is set",
        },
    )

    def _version(self, platform: Any) -> int | None:
        version = platform.pipeline_version
        return version.number if version is not None else None


class NewPlatformSchema(Schema):
    name = fields.String(required=True)
    handle_max_length = fields.Integer(
        load_default=None, validate=validate.Range(1, HANDLE_MAX), allow_none=True
    )
    handle_punctuation = fields.String(load_default="")


class StepSchema(Schema):
    stage = fields.String(required=True, metadata={"description": "A stage code"})
    quorum = fields.String(
        load_default=str(Quorum.ANY_ONE),
        validate=validate.OneOf(_QUORUMS),
        metadata={"description": "; ".join(f"{q}: {QUORUM_LABELS[q]}" for q in Quorum)},
    )
    required = fields.Integer(
        load_default=1,
        metadata={"description": "For n_of_m: how many of the named approvers must approve"},
    )
    approvers = fields.List(
        fields.Email(),
        load_default=list,
        metadata={"description": "For n_of_m and all_of: the named set's email addresses"},
    )
    target_working_days = fields.Integer(
        load_default=5, metadata={"description": f"1 to {TARGET_MAX} UK working days"}
    )


class StepOutSchema(Schema):
    stage = fields.String(attribute="stage_code", required=True)
    quorum = fields.String(required=True)
    required = fields.Integer(attribute="required_approvals", required=True)
    approvers = fields.Method("_emails", required=True)
    target_working_days = fields.Integer(required=True)

    def _emails(self, step: Any) -> list[str]:
        return sorted(user.email for user in step.approvers)


class PipelineChangeSchema(Schema):
    based_on = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": (
                "The version you saw (null for a platform with none): if another admin "
                "changed the pipeline since, the call is refused as stale-request (409)"
            )
        },
    )
    stages = fields.List(fields.Nested(StepSchema), required=True)


class PipelineVersionSchema(Schema):
    number = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    stages = fields.List(fields.Nested(StepOutSchema), required=True)
    requests = fields.Integer(required=True, metadata={"description": "Requests using it"})
    references = fields.List(
        fields.String(), required=True, metadata={"description": "The latest of them"}
    )


class PipelineSchema(Schema):
    platform = fields.String(required=True)
    current = fields.Integer(allow_none=True, required=True)
    versions = fields.List(fields.Nested(PipelineVersionSchema), required=True)


class AdminPersonSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(attribute="display_name", required=True)
    active = fields.Boolean(required=True)
    roles = fields.Method("_roles", required=True)
    department = fields.Method("_department", required=True, metadata={"type": ["string", "null"]})
    stages = fields.Method("_stages", required=True)
    leads = fields.Method("_leads", required=True)

    def _department(self, user: Any) -> str | None:
        return user.department.code if user.department is not None else None

    def _roles(self, user: Any) -> list[str]:
        return sorted(str(role) for role in user.roles)

    def _stages(self, user: Any) -> list[str]:
        return sorted(user.stage_codes)

    def _leads(self, user: Any) -> list[str]:
        return sorted(user.lead_stage_codes)


class InvitationSchema(Schema):
    person = fields.Nested(AdminPersonSchema, required=True)
    set_password_link = fields.String(
        required=True, metadata={"description": "The one-time link, in this answer only"}
    )


class PersonChangesSchema(Schema):
    name = fields.String()
    roles = fields.List(fields.String(validate=validate.OneOf(_ROLES)))
    department = fields.String(allow_none=True, metadata={"description": "A department code"})
    stages = fields.List(fields.String())
    leads = fields.List(fields.String())


class NewPersonSchema(PersonChangesSchema):
    email = fields.Email(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(_ROLES)), required=True)


class DelegationSchema(Schema):
    id = fields.Integer(required=True)
    delegator = fields.String(attribute="delegator.email", required=True)
    delegate = fields.String(attribute="delegate.email", required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    ended_at = fields.DateTime(allow_none=True)


class NewDelegationSchema(Schema):
    delegator = fields.Email(required=True, metadata={"description": "The absent approver"})
    delegate = fields.Email(required=True, metadata={"description": "The colleague who covers"})
    starts_on = fields.Date(required=True, metadata={"description": "London date, included"})
    ends_on = fields.Date(required=True, metadata={"description": "London date, included"})
