"""The approved account's part of the request page: where the account stands, its
conditions and their state, and the steps the person looking may take now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.deadlines.clock import london_today
from app.extensions import db
from app.models.accounts import AccountChange, AccountCondition, ApprovedAccount
from app.models.requests import AccessRequest
from app.models.users import User
from app.rules.accounts import (
    ACCOUNT_STATUS_LABELS,
    ACCOUNT_STATUS_TAGS,
    CHANGE_FIELDS,
    CHANGE_STATUS_LABELS,
    AccountAction,
    AccountStatus,
    ChangeStatus,
    allowed_account_actions,
    check_can_file_change,
    check_decides_now,
)
from app.rules.formatting import uk_date, uk_datetime
from app.rules.workflow import Refusal, Status

#: The button for each step taken from its own page, and the page's action in the URL.
ACTION_BUTTONS: dict[AccountAction, tuple[str, str]] = {
    AccountAction.RECORD_OPENING: ("Record the account as opened", ""),
    AccountAction.CONFIRM_REVIEW: ("Review the account", "govuk-button--secondary"),
    AccountAction.SUSPEND: ("Suspend the account", "govuk-button--warning"),
    AccountAction.REINSTATE: ("Reinstate the account", "govuk-button--secondary"),
    AccountAction.REVOKE: ("Revoke permission", "govuk-button--warning"),
    AccountAction.CLOSE: ("Close the account", "govuk-button--secondary"),
    AccountAction.CONFIRM_CLOSURE: ("Confirm it was closed or handed over", ""),
}


@dataclass(frozen=True)
class ConditionItem:
    number: int
    text: Markup
    confirmed: bool
    #: "Confirmed by ... on ...: evidence", once confirmed.
    confirmation: str
    #: Where an officer confirms it; None for anyone else, or once confirmed.
    confirm_href: str | None


@dataclass(frozen=True)
class ChangeItem:
    number: int
    status: str
    #: "Handle: @old → @new", a line each.
    lines: tuple[str, ...]
    reason: str
    filed: str
    #: Its stages' decisions so far, in words.
    decided: tuple[str, ...]
    #: The stage it waits at, while in review.
    waiting_for: str | None
    #: Where the person looking decides it; None if they may not.
    decide_href: str | None


@dataclass(frozen=True)
class AccountButton:
    text: str
    href: str
    classes: str = ""


@dataclass
class AccountPanel:
    account: ApprovedAccount
    status_label: str
    status_classes: str
    rows: list[dict[str, Any]]
    conditions: list[ConditionItem]
    buttons: list[AccountButton] = field(default_factory=list)
    #: The review is past its date.
    review_overdue: bool = False
    #: Where the person looking records the opening, while it awaits one and they may.
    opening_href: str | None = None
    #: Changes asked for, newest first.
    changes: list[ChangeItem] = field(default_factory=list)

    @property
    def awaiting_opening(self) -> bool:
        return self.account.status == AccountStatus.AWAITING_OPENING

    @property
    def open_conditions(self) -> int:
        return sum(1 for c in self.conditions if not c.confirmed)


def account_panel(request: AccessRequest, user: User) -> AccountPanel | None:
    """The panel of an approved request's account; None before approval (no query)."""
    if request.status != Status.APPROVED:
        return None
    account = page_account(request)
    if account is None:
        return None
    status = AccountStatus(account.status)
    allowed = allowed_account_actions(user, account)
    reference = request.reference
    buttons = [
        AccountButton(
            text, url_for("requests.account_step", reference=reference, action=str(a)), classes
        )
        for a in allowed
        if a in ACTION_BUTTONS
        for text, classes in [ACTION_BUTTONS[a]]
    ]
    confirming = AccountAction.CONFIRM_CONDITION in allowed
    if _may_ask_change(user, account):
        href = url_for("requests.account_change", reference=reference)
        buttons.insert(
            0, AccountButton("Ask to change the account", href, "govuk-button--secondary")
        )
    return AccountPanel(
        account=account,
        status_label=ACCOUNT_STATUS_LABELS[status],
        status_classes=ACCOUNT_STATUS_TAGS[status],
        rows=account_rows(account),
        conditions=[condition_item(request, c, confirming) for c in account.conditions],
        buttons=buttons,
        opening_href=url_for(
            "requests.account_step", reference=reference, action=AccountAction.RECORD_OPENING
        )
        if AccountAction.RECORD_OPENING in allowed
        else None,
        changes=[change_item(request, change, user) for change in reversed(account.changes)],
        review_overdue=bool(
            account.review_due_on and not status.is_final and account.review_due_on < london_today()
        ),
    )


def page_account(request: AccessRequest) -> ApprovedAccount | None:
    """The request's account with its conditions and changes, in one statement (three
    by its relationships); a change's decisions follow in one more, when it has any."""
    return (
        db.session.scalars(
            select(ApprovedAccount)
            .where(ApprovedAccount.request_id == request.id)
            .options(joinedload(ApprovedAccount.conditions), joinedload(ApprovedAccount.changes))
        )
        .unique()
        .one_or_none()
    )


def _may_ask_change(user: User, account: ApprovedAccount) -> bool:
    try:
        check_can_file_change(
            user, account, pending=account.pending_change is not None, changes={"any": ""}
        )
    except Refusal:
        return False
    return True


def change_item(request: AccessRequest, change: AccountChange, user: User) -> ChangeItem:
    labels = CHANGE_FIELDS
    before, after = change.fields.get("before", {}), change.fields.get("after", {})
    lines = tuple(
        f"{labels.get(name, name)}: {before.get(name) or 'not set'} → {after[name]}"
        for name in sorted(after)
    )
    decided = tuple(
        f"{'Approved' if d.outcome == 'approve' else 'Rejected'} by "
        f"{d.approver.display_name} ({d.stage_code.replace('_', ' ')}), {uk_datetime(d.decided_at)}"
        + (f": {d.reason}" if d.reason else "")
        for d in change.decisions
    )
    try:
        check_decides_now(user, change, change.decisions)
    except Refusal:
        href = None
    else:
        href = url_for("requests.decide_change", reference=request.reference, number=change.number)
    return ChangeItem(
        number=change.number,
        status=CHANGE_STATUS_LABELS[ChangeStatus(change.status)],
        lines=lines,
        reason=change.reason,
        filed=f"{change.filed_by.display_name}, {uk_datetime(change.filed_at)}",
        decided=decided,
        waiting_for=change.current_stage,
        decide_href=href,
    )


def condition_item(
    request: AccessRequest, condition: AccountCondition, confirming: bool
) -> ConditionItem:
    confirmed = condition.confirmed_at is not None
    confirmation = ""
    if confirmed:
        who = condition.confirmed_by.display_name if condition.confirmed_by else "an officer"
        confirmation = f"Confirmed by {who} on {uk_date(condition.confirmed_at)}"
    href = None
    if confirming and not confirmed:
        href = url_for(
            "requests.account_condition", reference=request.reference, number=condition.number
        )
    return ConditionItem(
        condition.number,
        Markup("<br>").join(escape(line) for line in condition.text.splitlines()),
        confirmed,
        confirmation,
        href,
    )


def account_rows(account: ApprovedAccount) -> list[dict[str, Any]]:
    """govukSummaryList rows: the account as it stands."""
    status = AccountStatus(account.status)
    rows: list[tuple[str, str]] = [
        ("Handle", account.handle or "Not given"),
        ("Purpose", account.purpose or "Not given"),
        ("Web address", account.url or "Not given"),
        ("Owner", account.owner or "Not given"),
        ("Approved", uk_date(account.approved_at)),
        ("Opened", uk_date(account.opened_on) if account.opened_on else "Not yet"),
        (f"{ACCOUNT_STATUS_LABELS[status]} since", uk_datetime(account.status_since)),
        ("Permission ends", _day(account.ends_on, "No end date")),
    ]
    if not status.is_final:
        rows.append(
            ("Next review", _day(account.review_due_on, "Not due before the permission ends"))
        )
    if account.last_reviewed_on:
        rows.append(("Last reviewed", uk_date(account.last_reviewed_on)))
    if status is AccountStatus.REVOKED:
        rows.append(("Closed or handed over", account.closure_statement or "Not yet confirmed"))
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows]


def _day(day: date | None, otherwise: str) -> str:
    return uk_date(day) if day is not None else otherwise
