"""Platforms' pipelines, for admins: add a platform, then set its pipeline, stage by stage
with each stage's quorum and target. Every save is a new version; requests in flight
keep the version they were first submitted under (app.operations.set_pipeline)."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models import Platform
from app.operations.create_platform import create_platform
from app.operations.set_pipeline import StepSpec, set_pipeline
from app.reads.pipelines import pipeline_versions, stage_choices
from app.rules.roles import Role
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS, InvalidContent, Quorum, StaleRequest
from app.screens.admin import blueprint
from app.screens.admin.forms import PipelineForm, PlatformForm
from app.web.client import client_from_request
from app.web.guards import role_required


@blueprint.route("/platforms/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_platform() -> ResponseReturnValue:
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            added = create_platform(
                current_user,
                name=form.name.data or "",
                handle_max_length=form.handle_max_length.data,
                handle_punctuation=form.handle_punctuation.data or "",
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            flash(
                f"{added.name} has been added. Set its pipeline: it takes requests once it "
                "has one.",
                "success",
            )
            return redirect(url_for("admin.pipeline", platform_id=added.id))
    return render_template("admin/new_platform.html", form=form)


@blueprint.route("/platforms/<int:platform_id>/pipeline", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def pipeline(platform_id: int) -> ResponseReturnValue:
    platform = db.get_or_404(Platform, platform_id)
    current = platform.pipeline_version
    form = PipelineForm(data=None if request.method == "POST" else _shown(platform))
    form.set_stages(stage_choices())
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            made = set_pipeline(
                platform,
                current_user,
                steps=_steps(form),
                based_on=int(form.based_on.data)
                if (form.based_on.data or "").isdecimal()
                else None,
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        except StaleRequest as refusal:
            db.session.rollback()
            status, conflict = 409, refusal.message
            current = platform.pipeline_version
            form = PipelineForm(data=_shown(platform))
            form.set_stages(stage_choices())
        else:
            db.session.commit()
            if made is None:
                flash("Nothing changed: the pipeline is as it was.", "success")
            else:
                flash(
                    f"Version {made.number} of the {platform.name} pipeline is saved. "
                    "New submissions go through it; requests already submitted keep theirs.",
                    "success",
                )
            return redirect(url_for("admin.pipeline", platform_id=platform.id))
    if status == 200 and (form.errors or form.error_summary()):
        status = 400
    return (
        render_template(
            "admin/pipeline.html",
            platform=platform,
            current=current,
            form=form,
            conflict=conflict,
            versions=pipeline_versions(platform),
        ),
        status,
    )


def _shown(platform: Platform) -> dict[str, object]:
    """The form filled with the current version, and empty rows after it."""
    version = platform.pipeline_version
    steps = [
        {
            "stage": step.stage_code,
            "quorum": step.quorum,
            "required": step.required_approvals if step.quorum == Quorum.N_OF_M else None,
            "approvers": "\n".join(user.email for user in step.approvers),
            "target_working_days": step.target_working_days,
        }
        for step in (version.stages if version is not None else [])
    ]
    return {"based_on": str(version.number) if version is not None else "", "steps": steps}


def _steps(form: PipelineForm) -> list[StepSpec]:
    """The rows that name a stage, in order."""
    specs = []
    for row in form.steps:
        step = row.form
        if not step.stage.data:
            continue
        quorum = Quorum(step.quorum.data) if step.quorum.data in set(Quorum) else Quorum.ANY_ONE
        specs.append(
            StepSpec(
                stage=step.stage.data,
                quorum=quorum,
                required=step.required.data if step.required.data is not None else 1,
                approvers=_addresses(step.approvers.data or ""),
                target_working_days=(
                    step.target_working_days.data
                    if step.target_working_days.data is not None
                    else DEFAULT_TARGET_WORKING_DAYS
                ),
            )
        )
    return specs


def _addresses(text: str) -> tuple[str, ...]:
    """The named approvers' addresses: one a line, as the hint says; commas, semicolons
    and spaces between them do as well."""
    return tuple(part for part in re.split(r"[\s,;]+", text) if part)
