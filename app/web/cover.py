"""The cover page, one flow for its two doors: an approver setting their own cover
(review.cover) and an admin setting it for them (admin.person_cover). Both show the
cover given and held, and the form; a POST starts a delegation
(app.operations.delegations) and comes back to the same page."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.delegations import Delegation
from app.models.users import User
from app.operations.delegations import end_delegation, start_delegation
from app.reads.delegations import colleagues_for, delegations_of
from app.rules.workflow import InvalidContent, InvalidTransition
from app.web.client import client_from_request
from app.web.delegation_forms import DelegationForm


def cover_page(delegator: User, *, template: str, here: str) -> ResponseReturnValue:
    """GET: `delegator`'s cover, and the form. POST: set cover; back to `here`."""
    form = DelegationForm()
    form.set_colleagues(colleagues_for(delegator))
    status = 200
    if form.validate_on_submit():
        chosen = form.delegate_id
        try:
            made = start_delegation(
                current_user,
                delegator=delegator,
                delegate=db.session.get(User, chosen) if chosen is not None else None,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
            status = 400
        else:
            db.session.commit()
            flash(
                f"{made.delegate.display_name} covers for {delegator.display_name} from "
                f"{made.starts_on:%-d %B %Y} to {made.ends_on:%-d %B %Y}.",
                "success",
            )
            return redirect(here)
    elif form.errors:
        status = 400
    return (
        render_template(template, delegator=delegator, form=form, cover=delegations_of(delegator)),
        status,
    )


def end_cover(delegation: Delegation, *, here: str) -> ResponseReturnValue:
    """End `delegation` now (its operation checks who may); back to `here`."""
    try:
        end_delegation(delegation, current_user, client=client_from_request())
    except InvalidTransition as refusal:
        db.session.rollback()
        flash(refusal.message)
        return redirect(here)
    db.session.commit()
    flash(
        f"{delegation.delegate.display_name} no longer covers for "
        f"{delegation.delegator.display_name}.",
        "success",
    )
    return redirect(here)
