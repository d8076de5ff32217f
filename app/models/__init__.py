"""All models, imported here so SQLAlchemy and Alembic see every table."""

from app.models.accounts import (
    AccountChange,
    AccountChangeDecision,
    AccountCondition,
    AccountNotice,
    ApprovedAccount,
)
from app.models.api import ApiToken, IdempotencyKey
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.audit_checks import AuditCheck, AuditCheckpoint
from app.models.deadlines import DeadlineNotice
from app.models.delegations import Delegation
from app.models.departments import Department
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.platforms import PipelineStage, PipelineVersion, Platform, Stage
from app.models.requests import AccessRequest, Decision, ReferenceCounter, RequestRevision
from app.models.sessions import RecoveryCode, UserSession
from app.models.sign_on import RoleSignInPolicy, UsedSsoValue
from app.models.users import Role, User, UserRole, UserStage

__all__ = [
    "GENESIS_HASH",
    "AccessRequest",
    "AccountChange",
    "AccountChangeDecision",
    "AccountCondition",
    "AccountNotice",
    "ApiToken",
    "ApprovedAccount",
    "AuditCheck",
    "AuditCheckpoint",
    "AuditEvent",
    "DeadlineNotice",
    "Decision",
    "Delegation",
    "DeliveryStatus",
    "Department",
    "IdempotencyKey",
    "OutboxMessage",
    "PipelineStage",
    "PipelineVersion",
    "Platform",
    "RecoveryCode",
    "ReferenceCounter",
    "RequestRevision",
    "Role",
    "RoleSignInPolicy",
    "Stage",
    "UsedSsoValue",
    "User",
    "UserRole",
    "UserSession",
    "UserStage",
]
