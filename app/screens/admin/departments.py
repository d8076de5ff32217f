"""Departments, for admins: add one, rename it, retire it or open it again. Each change is
one operation and its audit event, with before and after. Nothing is ever deleted: a
retired department keeps its people, requests and history, and its code."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models import Department
from app.operations.create_department import create_department
from app.operations.update_department import update_department
from app.reads.departments import departments_with_counts
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.screens.admin import blueprint
from app.screens.admin.forms import DepartmentForm, RenameForm
from app.web.client import client_from_request
from app.web.guards import role_required


@blueprint.route("/departments", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def departments() -> ResponseReturnValue:
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            added = create_department(
                current_user,
                code=form.code.data or "",
                name=form.name.data or "",
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            flash(f"{added.name} ({added.code}) has been added.", "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", form=form, rows=departments_with_counts())


@blueprint.route("/departments/<int:department_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def department(department_id: int) -> ResponseReturnValue:
    department = db.get_or_404(Department, department_id)
    form = RenameForm(data=None if request.method == "POST" else {"name": department.name})
    if form.validate_on_submit():
        try:
            changed = update_department(
                department, current_user, name=form.name.data or "", client=client_from_request()
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            if changed:
                flash(f"The department is now called {department.name}.", "success")
            return redirect(url_for("admin.department", department_id=department.id))
    return render_template("admin/department.html", department=department, form=form)


@blueprint.post("/departments/<int:department_id>/retire")
@role_required(Role.ADMIN)
def retire_department(department_id: int) -> ResponseReturnValue:
    return _set_open(department_id, active=False)


@blueprint.post("/departments/<int:department_id>/reopen")
@role_required(Role.ADMIN)
def reopen_department(department_id: int) -> ResponseReturnValue:
    return _set_open(department_id, active=True)


def _set_open(department_id: int, *, active: bool) -> ResponseReturnValue:
    department = db.get_or_404(Department, department_id)
    changed = update_department(
        department, current_user, active=active, client=client_from_request()
    )
    db.session.commit()
    if changed:
        word = "open again" if active else "retired"
        flash(f"{department.name} is {word}.", "success")
    return redirect(url_for("admin.department", department_id=department.id))
