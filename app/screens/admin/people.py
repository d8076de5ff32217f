"""People, for admins: find them, invite them, change their roles, department and stages,
end their sessions, deactivate and reactivate them. Each change is one operation and its
audit event.

An invitation makes the account without a password and shows its one-time set-password
link once, on the answer to the POST (it is a credential until used: never stored,
flashed or logged). Nobody changes their own roles, and the last active admin can be
neither demoted nor deactivated: the operations refuse, and the page says why.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Stage, User
from app.models.types import utcnow
from app.operations.create_user import create_user
from app.operations.deactivate_user import deactivate_user
from app.operations.end_user_sessions import end_all_sessions
from app.operations.issue_password_link import issue_password_link
from app.operations.reactivate_user import reactivate_user
from app.operations.update_user import update_user
from app.reads.people import PeopleQuery, find_people
from app.reads.user_sessions import count_active_sessions
from app.rules.roles import ROLE_LABELS, Role
from app.rules.workflow import InvalidContent, NotPermitted
from app.screens.admin import blueprint
from app.screens.admin.forms import InvitePersonForm, PeopleFilterForm, PersonForm
from app.security.password_links import set_password_url
from app.security.user_sessions import Timeouts
from app.web.client import client_from_request
from app.web.guards import role_required


def _departments() -> list[tuple[int, str]]:
    """Every department, a retired one said so (the operation refuses it to newcomers)."""
    query = select(Department.id, Department.name, Department.active).order_by(Department.name)
    return [
        (row.id, row.name if row.active else f"{row.name} (retired)")
        for row in db.session.execute(query)
    ]


def _stages() -> list[tuple[str, str]]:
    query = select(Stage.code, Stage.name).order_by(Stage.name)
    return [(row.code, row.name) for row in db.session.execute(query)]


@blueprint.get("/people")
@role_required(Role.ADMIN)
def people() -> ResponseReturnValue:
    departments = _departments()
    filters = PeopleFilterForm(formdata=request.args)
    filters.set_departments(departments)
    query = filters.query()
    return render_template(
        "admin/people.html",
        filters=filters,
        people=find_people(query),
        selected=_selected_filters(filters, query, dict(departments)),
        role_labels=ROLE_LABELS,
        stage_names=dict(_stages()),
    )


def _selected_filters(
    filters: PeopleFilterForm, query: PeopleQuery, departments: dict[int, str]
) -> list[dict[str, Any]]:
    """moj_filter's "Selected filters": each with a link to the list without it."""
    asked = {
        "text": query.text or None,
        "role": str(query.role) if query.role else None,
        "department": str(query.department_id) if query.department_id else None,
        "account": filters.account.data if query.active is not None else None,
    }
    shown = {
        "text": ("Name or email address", query.text),
        "role": ("Role", ROLE_LABELS[query.role] if query.role else ""),
        "department": ("Department", departments.get(query.department_id or 0, "")),
        "account": ("Account", "Active" if query.active else "Deactivated"),
    }
    selected = []
    for name, value in asked.items():
        if value is None:
            continue
        others: dict[str, Any] = {
            key: kept for key, kept in asked.items() if kept is not None and key != name
        }
        heading, text = shown[name]
        remove = url_for("admin.people", **others)
        selected.append({"heading": heading, "items": [{"text": text, "href": remove}]})
    return selected


@blueprint.route("/people/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite_person() -> ResponseReturnValue:
    form = InvitePersonForm()
    form.set_choices(_departments(), _stages())
    if form.validate_on_submit():
        try:
            person = create_user(
                current_user,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                password=None,
                roles=form.chosen_roles(),
                department=_department(form),
                stage_codes=form.stages.data or [],
                lead_stage_codes=form.leads.data or [],
                client=client_from_request(),
            )
            hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
            token = issue_password_link(
                person, current_user, valid_hours=hours, client=client_from_request()
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            return render_template(
                "admin/password_link.html",
                person=person,
                link=set_password_url(token),
                hours=hours,
                invited=True,
            )
    return render_template("admin/invite.html", form=form, role_items=form.role_items())


def _department(form: PersonForm) -> Department | None:
    """The department chosen; InvalidContent for one that is not there."""
    chosen = form.chosen_department_id()
    if chosen is None:
        if form.department.data:
            raise InvalidContent({"department": "Select a department from the list"})
        return None
    department = db.session.get(Department, chosen)
    if department is None:
        raise InvalidContent({"department": "Select a department from the list"})
    return department


@blueprint.route("/people/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    own = person.id == current_user.id
    form = PersonForm(data=None if request.method == "POST" else _details(person))
    form.set_choices(_departments(), _stages())
    if form.validate_on_submit():
        try:
            # One's own roles are not on the form (app.operations.update_user refuses a
            # change to them): they stay as they are.
            changed = update_user(
                person,
                current_user,
                display_name=form.display_name.data or "",
                roles=person.roles if own else form.chosen_roles(),
                department=_department(form),
                stage_codes=form.stages.data or [],
                lead_stage_codes=form.leads.data or [],
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        except NotPermitted as refusal:
            db.session.rollback()
            form.roles.errors = [*form.roles.errors, refusal.message]
        else:
            db.session.commit()
            if changed:
                flash(f"{person.display_name}'s details have been changed.", "success")
            else:
                flash(f"Nothing changed: {person.display_name}'s details were already so.")
            return redirect(url_for("admin.person", user_id=person.id))
    return render_template(
        "admin/person.html",
        person=person,
        form=form,
        own=own,
        role_items=form.role_items(),
        role_labels=ROLE_LABELS,
        active_sessions=count_active_sessions(
            person, now=utcnow(), timeouts=Timeouts.from_config(current_app.config)
        ),
    )


def _details(person: User) -> dict[str, Any]:
    """A person's details as the form's fields name them."""
    return {
        "display_name": person.display_name,
        "roles": sorted(str(role) for role in person.roles),
        "department": str(person.department_id) if person.department_id else "",
        "stages": sorted(person.stage_codes),
        "leads": sorted(person.lead_stage_codes),
    }


@blueprint.post("/people/<int:user_id>/password-link")
@role_required(Role.ADMIN)
def password_link(user_id: int) -> ResponseReturnValue:
    """A new one-time set-password link, for someone who lost theirs or forgot their
    password; shown once, on this answer."""
    person = db.get_or_404(User, user_id)
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    # A deactivated person's link is refused (InactiveUser: the 403 page says why).
    client = client_from_request()
    token = issue_password_link(person, current_user, valid_hours=hours, client=client)
    db.session.commit()
    return render_template(
        "admin/password_link.html",
        person=person,
        link=set_password_url(token),
        hours=hours,
        invited=False,
    )


@blueprint.post("/people/<int:user_id>/end-sessions")
@role_required(Role.ADMIN)
def end_person_sessions(user_id: int) -> ResponseReturnValue:
    """Sign the person out everywhere: for a lost laptop, or a session they cannot reach."""
    person = db.get_or_404(User, user_id)
    # Ending one's own is refused by the operation (NotPermitted: a 403 page saying where).
    ended = end_all_sessions(person, current_user, client=client_from_request())
    db.session.commit()
    if ended:
        flash(f"{person.display_name} has been signed out everywhere.", "success")
    else:
        flash(f"{person.display_name} was not signed in anywhere.")
    return redirect(url_for("admin.person", user_id=person.id))


@blueprint.route("/people/<int:user_id>/deactivate", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def deactivate_person(user_id: int) -> ResponseReturnValue:
    return _account_change(user_id, activate=False)


@blueprint.route("/people/<int:user_id>/reactivate", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reactivate_person(user_id: int) -> ResponseReturnValue:
    return _account_change(user_id, activate=True)


def _account_change(user_id: int, *, activate: bool) -> ResponseReturnValue:
    """A GET asks first; the POST deactivates or reactivates. A refusal (one's own
    account, the last admin) is said on the page, and nothing changes."""
    person = db.get_or_404(User, user_id)
    refusal: str | None = None
    if request.method == "POST":  # CSRFProtect has checked its token
        try:
            if activate:
                done = reactivate_user(person, current_user, client=client_from_request())
            else:
                done = deactivate_user(person, current_user, client=client_from_request())
        except NotPermitted as refused:
            db.session.rollback()
            refusal = refused.message
        else:
            db.session.commit()
            word = "reactivated" if activate else "deactivated"
            if done:
                flash(f"{person.display_name}'s account has been {word}.", "success")
            else:
                flash(f"{person.display_name}'s account was already {word}.")
            return redirect(url_for("admin.person", user_id=person.id))
    context: dict[str, Any] = {"person": person, "activate": activate, "refusal": refusal}
    status = 409 if refusal else 200
    return render_template("admin/account_change.html", **context), status
