"""Officers' screens: the department's requests, and filing, changing, submitting and
withdrawing one.

Every view that changes something keeps the same order: load the request (404 when the
person may not see it), authorise (403; 409 when its status does not allow the change),
validate the form, call one operation with the client and the version of the request the
page was drawn from, commit, flash, redirect. A refusal is rolled back and shown: wrong
answers on their fields, anything else as a message (app.web.errors turns the refusals a
view leaves alone into 403 and 409 pages).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models.platforms import Platform, Stage
from app.models.requests import AccessRequest, Decision
from app.operations.create_request import create_request
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.reads.pagination import pagination
from app.reads.requests import load_request
from app.rules.roles import Role
from app.rules.workflow import (
    Action,
    InvalidContent,
    InvalidPipeline,
    InvalidTransition,
    NotYourDepartment,
    Outcome,
    StaleRequest,
    Status,
    check_officer_action,
)
from app.screens.requests import blueprint
from app.screens.requests.answers import missing_answers, summary_sections
from app.screens.requests.forms import NewRequestForm, SubmitForm, WithdrawForm
from app.screens.requests.listing import department_requests
from app.screens.requests.moved_on import where_it_stands
from app.screens.requests.sections import (
    SECTIONS,
    first_section,
    next_section,
    previous_section,
    section_of,
)
from app.web.client import client_from_request
from app.web.guards import role_required

#: Shown on a question page when someone else saved the request while it was open.
CHANGED_BY_SOMEONE_ELSE = (
    "Someone else changed this request while you had this page open. Your answers on "
    "this page have not been saved: check them, then save again"
)


@blueprint.get("/")
@role_required(Role.OFFICER)
def index() -> ResponseReturnValue:
    page = department_requests(current_user.department_id, request.args.get("page", 1, type=int))
    if page is None:
        abort(404)
    return render_template(
        "requests/index.html",
        page=page,
        pagination=pagination(page, lambda number: url_for(".index", page=number)),
    )


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def new() -> ResponseReturnValue:
    platforms = db.session.scalars(
        select(Platform)
        .where(Platform.active.is_(True), Platform.versions.any())
        .order_by(Platform.name)
    ).all()
    form = NewRequestForm(platforms)
    if form.validate_on_submit():
        platform = next(p for p in platforms if str(p.id) == form.platform.data)
        try:
            access_request = create_request(
                current_user,
                platform=platform,
                content={"kind": form.kind.data},
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.add_errors(refusal.errors)
        else:
            db.session.commit()
            return redirect(_section_url(access_request, first_section(access_request.kind)))
    return render_template("requests/new.html", form=form, platforms=platforms)


@blueprint.route("/<reference>/edit/<section>", methods=["GET", "POST"])
def edit(reference: str, section: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user, for_update=request.method == "POST")
    if not _may_take(access_request, Action.EDIT):
        return _moved_on(access_request)
    page = SECTIONS.get(section)
    if page is None:
        abort(404)
    from_check = request.args.get("from") == "check"
    form = page.form(obj=access_request)
    status = 200
    if form.validate_on_submit():
        try:
            update_request(
                access_request,
                current_user,
                content=form.content(),
                version=form.version.data,
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.add_errors(refusal.errors, lambda name: _field_url(access_request, name))
        except StaleRequest:
            db.session.rollback()
            form.show_version(access_request.version)
            form.form_errors.append(CHANGED_BY_SOMEONE_ELSE)
            status = 409
        else:
            db.session.commit()
            if form.save_draft.data:
                flash(_saved_message(access_request), "success")
                return redirect(url_for(".index"))
            following = None if from_check else next_section(page.slug, access_request.kind)
            if following is None:
                return redirect(url_for(".check", reference=access_request.reference))
            return redirect(_section_url(access_request, following))
    return render_template(
        page.template,
        access_request=access_request,
        section=page,
        form=form,
        action=_section_url(access_request, page.slug, from_check=from_check),
        back=_back_url(access_request, page.slug, from_check),
    ), status


@blueprint.get("/<reference>/check")
def check(reference: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user)
    if not _may_take(access_request, _submit_action(access_request)):
        return _moved_on(access_request)
    return _check_page(access_request, SubmitForm(obj=access_request))


@blueprint.post("/<reference>/submit")
def submit(reference: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user, for_update=True)
    action = _submit_action(access_request)
    check_officer_action(current_user, access_request, action)
    form = SubmitForm()
    if form.validate_on_submit():
        operation = resubmit_request if action is Action.RESUBMIT else submit_request
        try:
            operation(
                access_request,
                current_user,
                version=form.version.data,
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.add_errors(refusal.errors, lambda name: _field_url(access_request, name))
        except InvalidPipeline as refusal:
            db.session.rollback()
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            return redirect(url_for(".submitted", reference=access_request.reference))
    return _check_page(access_request, form)


@blueprint.get("/<reference>/submitted")
def submitted(reference: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user)
    _check_department_officer(access_request)
    revision = access_request.latest_revision
    if revision is None:
        return redirect(url_for(".show", reference=access_request.reference))
    names: dict[str, str] = {
        code: name
        for code, name in db.session.execute(
            select(Stage.code, Stage.name).where(Stage.code.in_(revision.pipeline))
        )
    }
    stages = [names.get(code, code) for code in revision.pipeline]
    return render_template(
        "requests/submitted.html", access_request=access_request, revision=revision, stages=stages
    )


@blueprint.route("/<reference>/withdraw", methods=["GET", "POST"])
def withdraw(reference: str) -> ResponseReturnValue:
    access_request = load_request(reference, current_user, for_update=request.method == "POST")
    if not _may_take(access_request, Action.WITHDRAW):
        return _moved_on(access_request)
    form = WithdrawForm(obj=access_request)
    if form.validate_on_submit():
        try:
            withdraw_request(
                access_request,
                current_user,
                reason=form.reason.data or "",
                version=form.version.data,
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.add_errors(refusal.errors)
        else:
            db.session.commit()
            flash(f"Request {access_request.reference} has been withdrawn", "success")
            return redirect(url_for(".show", reference=access_request.reference))
    return render_template("requests/withdraw.html", access_request=access_request, form=form)


# Helpers -------------------------------------------------------------------------------


def _may_take(access_request: AccessRequest, action: Action) -> bool:
    """Whether the officer may take `action` now: False when the request has moved past
    it and this is a plain visit (GET). Raises otherwise: 403 for someone who may not act
    on it at all, 409 for a form sent after the request moved on."""
    try:
        check_officer_action(current_user, access_request, action)
    except InvalidTransition:
        if request.method != "GET":
            raise
        return False
    return True


def _moved_on(access_request: AccessRequest) -> ResponseReturnValue:
    """The request's page, with a banner saying where it now stands."""
    code = access_request.current_stage
    stage = db.session.get(Stage, code) if code else None
    flash(where_it_stands(access_request, stage.name if stage else None), "moved_on")
    return redirect(url_for(".show", reference=access_request.reference))


def _submit_action(access_request: AccessRequest) -> Action:
    """Submitting a request sent back for changes is a resubmission."""
    if access_request.status == Status.CHANGES_REQUESTED:
        return Action.RESUBMIT
    return Action.SUBMIT


def _check_department_officer(access_request: AccessRequest) -> None:
    """403 unless the signed-in person is an officer of the request's department."""
    if (
        not current_user.has_role(Role.OFFICER)
        or current_user.department_id != access_request.department_id
    ):
        raise NotYourDepartment("Only officers of the request's department can see this page")


def _section_url(access_request: AccessRequest, slug: str, *, from_check: bool = False) -> str:
    """A question page; `from_check` brings "Save and continue" back to Check your answers."""
    url = url_for(".edit", reference=access_request.reference, section=slug)
    return url + "?from=check" if from_check else url


def _field_url(access_request: AccessRequest, field: str) -> str | None:
    """The page that asks content field `field`, coming back to Check your answers."""
    slug = section_of(field)
    return _section_url(access_request, slug, from_check=True) if slug else None


def _back_url(access_request: AccessRequest, slug: str, from_check: bool) -> str:
    """Where a question page's back link goes: the page before it in the journey."""
    previous = None if from_check else previous_section(slug, access_request.kind)
    if previous is not None:
        return _section_url(access_request, previous)
    if from_check:
        return url_for(".check", reference=access_request.reference)
    return url_for(".show", reference=access_request.reference)


def _saved_message(access_request: AccessRequest) -> str:
    if access_request.status == Status.DRAFT:
        return f"Request {access_request.reference} has been saved as a draft"
    return (
        f"Your changes to request {access_request.reference} have been saved. "
        "Resubmit it when it is ready"
    )


def _last_changes_request(access_request: AccessRequest) -> Decision | None:
    """The approver's decision that sent the request back for changes, latest first."""
    for decision in reversed(access_request.decisions):
        if decision.outcome == Outcome.REQUEST_CHANGES:
            return decision
    return None


def _check_page(access_request: AccessRequest, form: SubmitForm) -> ResponseReturnValue:
    sections = summary_sections(
        access_request,
        missing_answers(access_request),
        lambda slug: _section_url(access_request, slug, from_check=True),
    )
    return render_template(
        "requests/check.html",
        access_request=access_request,
        form=form,
        sections=sections,
        resubmit=_submit_action(access_request) is Action.RESUBMIT,
        changes_requested=(
            _last_changes_request(access_request)
            if access_request.status == Status.CHANGES_REQUESTED
            else None
        ),
    )
