"""An approver's decision on the current stage of a request.

GET shows the request, the stages so far and the decision form, or says why this person
may not decide. POST: load (404), authorise against what the approver saw (403 not
theirs to decide, 409 someone else decided first), validate, decide_stage, commit, flash,
back to the queue. A refused decision stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.decide_stage import decide_stage
from app.reads.delegations import covering_for
from app.reads.request_page import decide_as, request_page
from app.reads.requests import load_request
from app.rules.formatting import uk_datetime
from app.rules.roles import Role
from app.rules.workflow import (
    ConditionsRequired,
    InvalidContent,
    NotPermitted,
    Outcome,
    ReasonRequired,
    Refusal,
    StaleRequest,
)
from app.screens.review import blueprint
from app.screens.review.forms import DecisionForm
from app.web.client import client_from_request
from app.web.guards import role_required

#: What the success banner says, by outcome.
DONE: dict[Outcome, str] = {
    Outcome.APPROVE: "You approved {reference} at the {stage} stage",
    Outcome.APPROVE_WITH_CONDITIONS: (
        "You approved {reference} with conditions at the {stage} stage"
    ),
    Outcome.REQUEST_CHANGES: "You asked for changes to {reference} at the {stage} stage",
    Outcome.REJECT: "You rejected {reference} at the {stage} stage",
}


#: How the banner names a decision already made, by outcome.
DECIDED: dict[Outcome, str] = {
    Outcome.APPROVE: "approved",
    Outcome.APPROVE_WITH_CONDITIONS: "approved with conditions",
    Outcome.REQUEST_CHANGES: "asked for changes at",
    Outcome.REJECT: "rejected",
}


@dataclass(frozen=True)
class AlreadyDecided:
    """The decision that beat this one to the stage: who made it, and when."""

    heading: str
    sentence: str


def already_decided(access_request: AccessRequest, stage_code: str) -> AlreadyDecided | None:
    """The latest decision at the stage the approver saw, said for the stale banner."""
    if not access_request.decisions:
        return None
    decision = max(access_request.decisions, key=lambda d: (d.decided_at, d.id))
    revision = access_request.latest_revision
    if decision.stage_code != stage_code or revision is None or decision.revision_id != revision.id:
        return None  # not a decision that beat this one (it was withdrawn, say)
    mine = decision.approver_id == current_user.id
    who = "You" if mine else decision.approver.display_name
    when = uk_datetime(decision.decided_at)
    sentence = (
        f"{who} {DECIDED[Outcome(decision.outcome)]} the {decision.stage.name} stage on {when}"
    )
    if mine:
        return AlreadyDecided(
            "You have already decided this stage", sentence + ", perhaps in another tab or window"
        )
    return AlreadyDecided("This stage has already been decided", sentence)


@blueprint.route("/<reference>/decide", methods=["GET", "POST"])
@role_required(Role.APPROVER)
def decide(reference: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user, for_update=request.method == "POST")
    form = DecisionForm()
    covering = covering_for(current_user)
    if request.method == "GET":
        form.stage.data = access_request.current_stage or ""
        form.version.data = str(access_request.version)
        return _page(access_request, form, covering=covering)

    if not form.stage.data or form.seen_version is None:
        abort(400)
    # In whose name: their own, or that of an absent approver they cover for today.
    on_behalf_of, refusal = decide_as(
        current_user,
        access_request,
        stage=form.stage.data,
        version=form.seen_version,
        covering=covering,
    )
    if refusal is not None:
        return _page(access_request, form, covering=covering, refusal=refusal)
    if not form.validate_on_submit():
        return _page(access_request, form, covering=covering)
    decision = form.decision()
    try:
        decided = decide_stage(
            access_request,
            current_user,
            **decision,
            on_behalf_of=on_behalf_of,
            client=client_from_request(),
        )
    except (ReasonRequired, ConditionsRequired, InvalidContent) as refused:
        db.session.rollback()
        form.show_refusal(refused)
        return _page(access_request, form, covering=covering)
    except Refusal as refused:  # the request moved on between the check and the lock
        db.session.rollback()
        return _page(access_request, form, covering=covering, refusal=refused)
    db.session.commit()
    flash(
        DONE[decision["outcome"]].format(
            reference=access_request.reference, stage=decided.stage.name
        ),
        "success",
    )
    return redirect(url_for("review.queue"))


def _page(
    access_request: AccessRequest,
    form: DecisionForm,
    *,
    covering: list[User],
    refusal: Refusal | None = None,
) -> ResponseReturnValue:
    """The decision page: the form, or why not (403 not theirs to decide, 409 moved on;
    a GET that only explains is a 200). Without `refusal`, the page's own: whether this
    person may decide the request as it is now."""
    page = request_page(access_request, current_user, with_history=False, covering=covering)
    if refusal is None and request.method == "GET":
        refusal = page.refusal
    status = 200
    if refusal is not None and request.method == "POST":
        status = 403 if isinstance(refusal, NotPermitted) else 409
    stale = isinstance(refusal, StaleRequest)
    response = make_response(
        render_template(
            "review/decide.html",
            page=page,
            form=form,
            refusal=refusal,
            stale=stale,
            already_decided=(
                already_decided(access_request, form.stage.data)
                if stale and form.stage.data
                else None
            ),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
