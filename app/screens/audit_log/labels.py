"""The words the audit log shows for each event type.

Kept beside the auditor's screens; `tests/web/audit_log` checks every `EventType` has
words here, so a new event type cannot reach the log unnamed.
"""

from __future__ import annotations

from app.audit.events import EventType

#: Each event type as a short phrase, in the order `EventType` lists them.
EVENT_LABELS: dict[EventType, str] = {
    EventType.REQUEST_CREATED: "Request created",
    EventType.REQUEST_UPDATED: "Request updated",
    EventType.REQUEST_SUBMITTED: "Request submitted",
    EventType.REQUEST_RESUBMITTED: "Request resubmitted",
    EventType.REQUEST_WITHDRAWN: "Request withdrawn",
    EventType.STAGE_APPROVED: "Stage approved",
    EventType.STAGE_APPROVED_WITH_CONDITIONS: "Stage approved with conditions",
    EventType.CHANGES_REQUESTED: "Changes requested",
    EventType.REQUEST_REJECTED: "Request rejected",
    EventType.STAGE_DUE_SOON: "Decision due soon",
    EventType.STAGE_OVERDUE: "Decision overdue",
    EventType.STAGE_ESCALATED: "Overdue decision escalated",
    EventType.APPROVED_ACCOUNT_OPENED: "Approved account opened",
    EventType.APPROVED_ACCOUNT_CONDITION_CONFIRMED: "Condition confirmed",
    EventType.APPROVED_ACCOUNT_REVIEWED: "Approved account reviewed",
    EventType.APPROVED_ACCOUNT_SUSPENDED: "Approved account suspended",
    EventType.APPROVED_ACCOUNT_REINSTATED: "Approved account reinstated",
    EventType.APPROVED_ACCOUNT_REVOKED: "Approved account revoked",
    EventType.APPROVED_ACCOUNT_CLOSURE_CONFIRMED: "Closure after revocation confirmed",
    EventType.APPROVED_ACCOUNT_CLOSED: "Approved account closed",
    EventType.APPROVED_ACCOUNT_EXPIRED: "Approved account expired",
    EventType.APPROVED_ACCOUNT_CHANGE_REQUESTED: "Account change asked for",
    EventType.APPROVED_ACCOUNT_CHANGE_APPROVED: "Account change approved",
    EventType.APPROVED_ACCOUNT_CHANGE_REJECTED: "Account change rejected",
    EventType.APPROVED_ACCOUNT_OPENING_OVERDUE: "Opening not yet recorded",
    EventType.APPROVED_ACCOUNT_REVIEW_DUE: "Account review due",
    EventType.APPROVED_ACCOUNT_REVIEW_OVERDUE: "Account review overdue",
    EventType.SIGN_IN_SUCCEEDED: "Signed in",
    EventType.SIGN_IN_FAILED: "Sign-in failed",
    EventType.SIGNED_OUT: "Signed out",
    EventType.ACCOUNT_LOCKED: "Account locked",
    EventType.ACCOUNT_UNLOCKED: "Account unlocked",
    EventType.PASSWORD_CHANGED: "Password changed",
    EventType.PASSWORD_CHANGE_FAILED: "Password change refused",
    EventType.PASSWORD_SET: "Password set",
    EventType.PASSWORD_LINK_ISSUED: "Password link issued",
    EventType.SESSION_EXPIRED: "Session expired",
    EventType.SESSION_ENDED: "Session ended",
    EventType.OTHER_SESSIONS_ENDED: "Other sessions ended",
    EventType.TWO_FACTOR_ENROLLED: "Two-factor set up",
    EventType.TWO_FACTOR_FAILED: "Two-factor code refused",
    EventType.TWO_FACTOR_RESET: "Two-factor reset",
    EventType.TWO_FACTOR_TURNED_OFF: "Two-factor turned off",
    EventType.RECOVERY_CODE_USED: "Recovery code used",
    EventType.API_TOKEN_CREATED: "API token created",
    EventType.API_TOKEN_REVOKED: "API token revoked",
    EventType.API_TOKEN_USED: "API token used for a change",
    EventType.NOTIFICATION_FREQUENCY_CHANGED: "Email frequency changed",
    EventType.USER_CREATED: "User created",
    EventType.USER_UPDATED: "User updated",
    EventType.USER_DEACTIVATED: "User deactivated",
    EventType.USER_REACTIVATED: "User reactivated",
    EventType.USER_SESSIONS_ENDED: "User's sessions ended",
    EventType.DEPARTMENT_CREATED: "Department created",
    EventType.DEPARTMENT_UPDATED: "Department updated",
    EventType.PLATFORM_CREATED: "Platform created",
    EventType.PLATFORM_UPDATED: "Platform updated",
    EventType.STAGE_CREATED: "Stage created",
    EventType.PIPELINE_CHANGED: "Pipeline changed",
    EventType.SIGN_IN_POLICY_CHANGED: "Sign-in policy changed",
    EventType.DELEGATION_STARTED: "Delegation set",
    EventType.DELEGATION_ENDED: "Delegation ended",
    EventType.DEMO_DATA_SEEDED: "Demo data added",
    EventType.NOTIFICATION_RETRIED: "Notification retried",
    EventType.AUDIT_EXPORTED: "Audit trail exported",
    EventType.AUDIT_CHECK_REQUESTED: "Audit check requested",
    EventType.AUDIT_CHECKED: "Audit chain checked",
}


def event_label(value: str) -> str:
    """The words for a stored event type; an unknown value is shown as it is stored."""
    try:
        return EVENT_LABELS[EventType(value)]
    except (ValueError, KeyError):
        return value
