"""Changes to an approved account, from the request page: an officer asks
(`/requests/<reference>/account/changes/new`), each stage of the platform's change
pipeline decides (`…/changes/<number>/decide`). The officers' screens' order: load (404),
authorise (403; 409 for a form sent late), validate, call one operation, commit, flash,
redirect to the request page."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.operations.account_changes import decide_account_change, file_account_change
from app.rules.accounts import check_can_file_change, check_decides_now
from app.rules.workflow import InvalidTransition, Outcome
from app.screens.requests import blueprint
from app.screens.requests.account import (
    StepPage,
    account_moved_on,
    account_step_page,
    load_account,
)
from app.screens.requests.account_change_forms import ChangeDecisionForm, ChangeForm
from app.web.client import client_from_request


@blueprint.route("/<reference>/account/changes/new", methods=["GET", "POST"])
def account_change(reference: str) -> ResponseReturnValue:
    access_request, account = load_account(reference)
    try:
        check_can_file_change(
            current_user, account, pending=account.pending_change is not None, changes={"x": ""}
        )
    except InvalidTransition:
        if request.method != "GET":
            raise
        return account_moved_on(access_request, account)
    form = ChangeForm(obj=account)
    page = StepPage(
        ChangeForm,
        "Ask to change the account",
        "Send the change",
        "Your change has been sent for a decision",
        "Change what needs to change. The platform's change pipeline decides it; until "
        "then the account stays as it is.",
    )

    def operation(version: int) -> None:
        file_account_change(
            account,
            current_user,
            handle=form.handle.data or "",
            owner=form.owner.data or "",
            purpose=form.purpose.data or "",
            reason=form.reason.data or "",
            version=version,
            client=client_from_request(),
        )

    return account_step_page(access_request, account, form, page, operation)


@blueprint.route("/<reference>/account/changes/<int:number>/decide", methods=["GET", "POST"])
def decide_change(reference: str, number: int) -> ResponseReturnValue:
    access_request, account = load_account(reference)
    change = account.change(number)
    if change is None:
        abort(404)
    # A visit is checked against the change as it stands; a decision sent is checked, by
    # the operation, against the stage and version its page showed, so that someone who
    # was beaten to it is told so (409) rather than refused the next stage (403).
    if request.method == "GET":
        try:
            check_decides_now(current_user, change, change.decisions)
        except InvalidTransition:
            return redirect(url_for(".show", reference=access_request.reference))
    # Not obj=change: the change's own reason is the officer's, not the decision's.
    form = ChangeDecisionForm(data={"version": change.version, "stage": change.current_stage})
    page = StepPage(
        ChangeDecisionForm,
        f"Decide change {number} to the account",
        "Send decision",
        f"Your decision on change {number} has been recorded",
    )

    def operation(version: int) -> None:
        outcome = {"approve": Outcome.APPROVE, "reject": Outcome.REJECT}.get(
            form.outcome.data or ""
        )
        decide_account_change(
            change,
            current_user,
            stage=form.stage.data or "",
            version=version,
            outcome=outcome or Outcome.REQUEST_CHANGES,
            reason=form.reason.data or "",
            client=client_from_request(),
        )

    return account_step_page(
        access_request,
        account,
        form,
        page,
        operation,
        current_version=lambda: change.version,
        change=change,
    )
