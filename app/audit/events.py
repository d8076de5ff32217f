"""Every kind of audit event, in one place. Values are what the database, exports and
docs/audit-format.md show; never rename one, only add."""

from __future__ import annotations

import enum


class EventType(enum.StrEnum):
    # A request's life (officers).
    REQUEST_CREATED = "request_created"
    REQUEST_UPDATED = "request_updated"
    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_RESUBMITTED = "request_resubmitted"
    REQUEST_WITHDRAWN = "request_withdrawn"
    # Decisions (approvers). The last stage's approval has to_status "approved".
    STAGE_APPROVED = "stage_approved"
    STAGE_APPROVED_WITH_CONDITIONS = "stage_approved_with_conditions"
    CHANGES_REQUESTED = "changes_requested"
    REQUEST_REJECTED = "request_rejected"
    # Deadlines (`sla tick`, no actor): each at most once per request, revision and stage.
    #: 80 % of the stage's target is reached: its approvers are reminded.
    STAGE_DUE_SOON = "stage_due_soon"
    #: The stage's due date has passed: its approvers are told.
    STAGE_OVERDUE = "stage_overdue"
    #: The stage is SLA_ESCALATE_AFTER_DAYS working days overdue: its leads are told.
    STAGE_ESCALATED = "stage_escalated"
    # An approved account's life (app.rules.accounts). The account's statuses are in the
    # payload (`account_status`); from_status and to_status are the request's, unset.
    APPROVED_ACCOUNT_OPENED = "approved_account_opened"
    APPROVED_ACCOUNT_CONDITION_CONFIRMED = "approved_account_condition_confirmed"
    APPROVED_ACCOUNT_REVIEWED = "approved_account_reviewed"
    APPROVED_ACCOUNT_SUSPENDED = "approved_account_suspended"
    APPROVED_ACCOUNT_REINSTATED = "approved_account_reinstated"
    APPROVED_ACCOUNT_REVOKED = "approved_account_revoked"
    #: After a revocation: the officers confirm the account was closed or handed over.
    APPROVED_ACCOUNT_CLOSURE_CONFIRMED = "approved_account_closure_confirmed"
    APPROVED_ACCOUNT_CLOSED = "approved_account_closed"
    #: `lifecycle tick`, no actor: the permission's end date has passed.
    APPROVED_ACCOUNT_EXPIRED = "approved_account_expired"
    #: The officers asked to change the account's handle, owner or purpose.
    APPROVED_ACCOUNT_CHANGE_REQUESTED = "approved_account_change_requested"
    #: A stage of the platform's change pipeline approved it; the last applies it.
    APPROVED_ACCOUNT_CHANGE_APPROVED = "approved_account_change_approved"
    APPROVED_ACCOUNT_CHANGE_REJECTED = "approved_account_change_rejected"
    # Account notices (`lifecycle tick`, no actor): each once per account and date.
    #: Approved some working days ago and not yet recorded as opened: its officers are told.
    APPROVED_ACCOUNT_OPENING_OVERDUE = "approved_account_opening_overdue"
    #: The account's review is due soon: Security is told.
    APPROVED_ACCOUNT_REVIEW_DUE = "approved_account_review_due"
    #: The account's review date has passed: Security is told.
    APPROVED_ACCOUNT_REVIEW_OVERDUE = "approved_account_review_overdue"
    # Security.
    SIGN_IN_SUCCEEDED = "sign_in_succeeded"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGNED_OUT = "signed_out"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    PASSWORD_CHANGED = "password_changed"
    #: A wrong current password on the change-password page.
    PASSWORD_CHANGE_FAILED = "password_change_failed"
    #: A person chose their password through a one-time link (new account or reset).
    PASSWORD_SET = "password_set"
    #: An admin issued a one-time set-password link (never the link itself).
    PASSWORD_LINK_ISSUED = "password_link_issued"
    #: An idle or absolute timeout ended a session (recorded when next used).
    SESSION_EXPIRED = "session_expired"
    #: A person ended one of their other sessions (Your sessions).
    SESSION_ENDED = "session_ended"
    #: A person ended every session of theirs but the one they were using.
    OTHER_SESSIONS_ENDED = "other_sessions_ended"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"
    TWO_FACTOR_FAILED = "two_factor_failed"
    #: An admin removed a person's second factor; they enrol again at their next sign-in.
    TWO_FACTOR_RESET = "two_factor_reset"
    #: A person whose roles do not need a second factor turned theirs off.
    TWO_FACTOR_TURNED_OFF = "two_factor_turned_off"
    RECOVERY_CODE_USED = "recovery_code_used"
    #: A person made a personal API token (never the token itself).
    API_TOKEN_CREATED = "api_token_created"
    #: A person revoked one of their API tokens.
    API_TOKEN_REVOKED = "api_token_revoked"
    #: Written until issue 15 for each change made through the API, beside the change's
    #: own event; now that event carries the token in its payload (`api_token`).
    API_TOKEN_USED = "api_token_used"
    #: A person chose immediate emails or a daily digest on their account page.
    NOTIFICATION_FREQUENCY_CHANGED = "notification_frequency_changed"
    # Administration (the admin screens and the command line).
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    #: An admin ended all of a person's sessions: signed out everywhere.
    USER_SESSIONS_ENDED = "user_sessions_ended"
    DEPARTMENT_CREATED = "department_created"
    DEPARTMENT_UPDATED = "department_updated"
    PLATFORM_CREATED = "platform_created"
    PLATFORM_UPDATED = "platform_updated"
    STAGE_CREATED = "stage_created"
    #: An admin made a new version of a platform's pipeline (before and after).
    PIPELINE_CHANGED = "pipeline_changed"
    #: An approver (or an admin for them) gave a colleague their stages for a while.
    #: An admin chose which roles must sign in with single sign-on.
    SIGN_IN_POLICY_CHANGED = "sign_in_policy_changed"
    DELEGATION_STARTED = "delegation_started"
    #: A delegation was ended before its end date.
    DELEGATION_ENDED = "delegation_ended"
    DEMO_DATA_SEEDED = "demo_data_seeded"
    #: An admin made a failed notification due again (the admin Outbox page's Retry).
    NOTIFICATION_RETRIED = "notification_retried"
    # Auditors.
    AUDIT_EXPORTED = "audit_exported"
    #: An auditor asked for a check of the chain (the worker runs it: app.audit.checks).
    AUDIT_CHECK_REQUESTED = "audit_check_requested"
    #: A check of the chain ended: passed, failed (the chain is broken) or error.
    AUDIT_CHECKED = "audit_checked"
