"""An approved account's steps, from the request page: `/requests/<reference>/account/…`.

Each view keeps the officers' screens' order: load the request (404 when the person may
not see it, or it has no account), authorise (403; on a plain visit to a step the
account has moved past, back to the request page with a banner; 409 for a form sent
after it moved on), validate the form, call one operation with the version the page was
drawn from, commit, flash, redirect to the request page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.accounts import ApprovedAccount
from app.models.requests import AccessRequest
from app.operations import account_lifecycle as lifecycle
from app.reads.requests import load_request
from app.rules.accounts import (
    ACCOUNT_STATUS_LABELS,
    AccountAction,
    AccountStatus,
    check_account_action,
)
from app.rules.workflow import InvalidContent, InvalidTransition, StaleRequest
from app.screens.requests import blueprint
from app.screens.requests.account_forms import (
    ClosureForm,
    ConditionForm,
    OpeningForm,
    ReasonForm,
    ReviewForm,
)
from app.screens.requests.forms import VersionedForm
from app.web.client import client_from_request

#: Shown when someone else changed the account while the page was open.
CHANGED_BY_SOMEONE_ELSE = (
    "Someone else changed this account's record while you had this page open. Nothing "
    "has been saved: check the request page, then try again"
)


@dataclass(frozen=True)
class StepPage:
    form: type[VersionedForm]
    title: str
    button: str
    done: str
    intro: str = ""
    button_classes: str = ""
    warning: str = ""


STEP_PAGES: dict[AccountAction, StepPage] = {
    AccountAction.RECORD_OPENING: StepPage(
        OpeningForm,
        "Record the account as opened",
        "Record the opening",
        "The account has been recorded as opened",
        "Tell Security the account is live: its handle, the date it opened and its owner.",
    ),
    AccountAction.CONFIRM_REVIEW: StepPage(
        ReviewForm,
        "Review the account",
        "Confirm the review",
        "The review has been recorded",
        "Confirm the account may continue until its next review. To end it instead, "
        "revoke its permission from the request page.",
    ),
    AccountAction.SUSPEND: StepPage(
        ReasonForm,
        "Suspend the account",
        "Suspend the account",
        "The account has been suspended",
        "The department must stop using the account until it is reinstated.",
        "govuk-button--warning",
    ),
    AccountAction.REINSTATE: StepPage(
        ReasonForm,
        "Reinstate the account",
        "Reinstate the account",
        "The account has been reinstated",
        "The department may use the account again.",
    ),
    AccountAction.REVOKE: StepPage(
        ReasonForm,
        "Revoke the permission",
        "Revoke permission",
        "The permission has been revoked",
        "The department must close the account or hand it over, and confirm which it did.",
        "govuk-button--warning",
        "You cannot undo this. To use the account again, the department must ask again.",
    ),
    AccountAction.CLOSE: StepPage(
        ReasonForm,
        "Close the account",
        "Close the account",
        "The account has been recorded as closed",
        "The department no longer needs the account and has closed it.",
        "govuk-button--warning",
        "You cannot undo this. To use the platform again, start a new request.",
    ),
    AccountAction.CONFIRM_CLOSURE: StepPage(
        ClosureForm,
        "Confirm the account was closed or handed over",
        "Confirm",
        "The closure has been confirmed",
        "Its permission was revoked. Say what the department did with the account.",
    ),
}


@blueprint.route("/<reference>/account/<action>", methods=["GET", "POST"])
def account_step(reference: str, action: str) -> ResponseReturnValue:
    access_request, account = load_account(reference)
    try:
        step = AccountAction(action)
        page = STEP_PAGES[step]
    except (ValueError, KeyError):
        abort(404)
    if not _may_take(account, step):
        return account_moved_on(access_request, account)
    form = page.form(obj=account)

    def operation(version: int) -> None:
        client = client_from_request()
        if step is AccountAction.RECORD_OPENING:
            lifecycle.record_opening(
                account,
                current_user,
                handle=form.handle.data or "",
                url=form.url.data or "",
                opened_on=form.opened_on.data,
                owner=form.owner.data or "",
                version=version,
                client=client,
            )
        elif step is AccountAction.CONFIRM_REVIEW:
            lifecycle.confirm_review(
                account,
                current_user,
                note=form.note.data or "",
                next_review_on=form.next_review_on.data,
                version=version,
                client=client,
            )
        elif step is AccountAction.CONFIRM_CLOSURE:
            lifecycle.confirm_closure(
                account,
                current_user,
                how=form.how.data or "",
                statement=form.statement.data or "",
                version=version,
                client=client,
            )
        else:
            lifecycle.change_account_status(
                account,
                current_user,
                step,
                reason=form.reason.data or "",
                version=version,
                client=client,
            )

    if step is AccountAction.RECORD_OPENING and request.method == "GET":
        form.opened_on.data = None  # the date it went live is asked, not assumed
    return account_step_page(access_request, account, form, page, operation, action=action)


@blueprint.route("/<reference>/account/conditions/<int:number>", methods=["GET", "POST"])
def account_condition(reference: str, number: int) -> ResponseReturnValue:
    access_request, account = load_account(reference)
    condition = account.condition(number)
    if condition is None:
        abort(404)
    if not _may_take(account, AccountAction.CONFIRM_CONDITION):
        return account_moved_on(access_request, account)
    if condition.confirmed_at is not None:
        flash(f"Condition {number} has already been confirmed", "moved_on")
        return redirect(url_for(".show", reference=access_request.reference))
    form = ConditionForm(obj=account)
    page = StepPage(
        ConditionForm,
        f"Confirm condition {number}",
        "Confirm the condition",
        f"Condition {number} has been confirmed",
    )

    def operation(version: int) -> None:
        lifecycle.confirm_condition(
            account,
            current_user,
            number=number,
            evidence=form.evidence.data or "",
            version=version,
            client=client_from_request(),
        )

    return account_step_page(access_request, account, form, page, operation, condition=condition)


# Helpers -------------------------------------------------------------------------------


def load_account(reference: str) -> tuple[AccessRequest, ApprovedAccount]:
    access_request = load_request(reference, current_user, for_update=request.method == "POST")
    account = access_request.account
    if account is None:
        abort(404)
    return access_request, account


def _may_take(account: ApprovedAccount, action: AccountAction) -> bool:
    """False on a plain visit (GET) to a step the account has moved past; raises
    otherwise: 403 for someone who may not take it at all, 409 for a form sent late."""
    try:
        check_account_action(current_user, account, action)
    except InvalidTransition:
        if request.method != "GET":
            raise
        return False
    return True


def account_moved_on(
    access_request: AccessRequest, account: ApprovedAccount
) -> ResponseReturnValue:
    status = ACCOUNT_STATUS_LABELS[AccountStatus(account.status)].lower()
    flash(f"This step is no longer open: the account is {status}", "moved_on")
    return redirect(url_for(".show", reference=access_request.reference))


def account_step_page(
    access_request: AccessRequest,
    account: ApprovedAccount,
    form: VersionedForm,
    page: StepPage,
    operation: Callable[[int], None],
    *,
    current_version: Callable[[], int] | None = None,
    **context: Any,
) -> ResponseReturnValue:
    """The step's page: on a good form, `operation(version)`, commit and back to the
    request. Someone else's change first redraws the form at `current_version()` (the
    account's, unless the form is about something with a version of its own)."""
    status = 200
    if form.validate_on_submit():
        try:
            operation(form.version.data)
        except InvalidContent as refusal:
            db.session.rollback()
            form.add_errors(refusal.errors)
        except StaleRequest:
            db.session.rollback()
            form.show_version(current_version() if current_version else account.version)
            form.form_errors.append(CHANGED_BY_SOMEONE_ELSE)
            status = 409
        else:
            db.session.commit()
            flash(page.done, "success")
            return redirect(url_for(".show", reference=access_request.reference))
    return render_template(
        "requests/account_step.html",
        access_request=access_request,
        account=account,
        form=form,
        page=page,
        **context,
    ), status
