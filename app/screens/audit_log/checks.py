"""Auditors' checks of the audit chain: ask for one, and follow it to its result.

The worker runs the check (app.audit.checks); these pages only queue it and show how far
it has got. While the check is queued or running, its page has a link to refresh it, and
one to have it update itself every few seconds (a meta refresh: no JavaScript needed)
until the check ends, with a link to stop that. Updating is the auditor's choice, not
the default: a page that reloads by itself before anyone asked it to is a time limit
they did not choose (WCAG 2.2.1; axe's meta-refresh rule, which tests/browser applies).
Asking is a POST with a CSRF token; it writes the queued check and its
audit_check_requested event, nothing else.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.audit import checkpoints, checks
from app.extensions import db
from app.models.audit_checks import AuditCheck, CheckScope, CheckStatus
from app.screens.audit_log import blueprint
from app.web.client import client_from_request

#: Seconds between updates of a check's page, when the auditor asks for them: slow
#: enough to read the page, fast enough to follow a minute's check.
REFRESH_SECONDS = 5

#: Largest id a URL may name: more cannot be a row (and SQLite refuses such a number).
CHECK_ID_MAX = 2**31 - 1

#: Each status as a GOV.UK tag.
CHECK_TAGS: dict[str, dict[str, str]] = {
    CheckStatus.QUEUED: {"text": "Waiting to start", "classes": "govuk-tag--grey"},
    CheckStatus.RUNNING: {"text": "Checking", "classes": ""},  # no modifier: blue
    CheckStatus.PASSED: {"text": "Verified", "classes": "govuk-tag--green"},
    CheckStatus.FAILED: {"text": "Chain broken", "classes": "govuk-tag--red"},
    CheckStatus.ERROR: {"text": "Could not finish", "classes": "govuk-tag--orange"},
}

SCOPE_LABELS: dict[str, str] = {
    CheckScope.ROUTINE: "From the last checkpoint",
    CheckScope.FULL: "The whole log",
}


@blueprint.get("/verify")
def verify() -> ResponseReturnValue:
    """The two kinds of check on offer, and the latest checks."""
    return render_template(
        "audit_log/verify.html",
        checks=checks.recent_checks(db.session),
        checkpoint=checkpoints.last_checkpoint(db.session),
        active=checks.active_check(db.session),
        tags=CHECK_TAGS,
        scopes=SCOPE_LABELS,
    )


@blueprint.post("/verify")
def start_check() -> ResponseReturnValue:
    try:
        scope = CheckScope(request.form.get("scope", ""))
    except ValueError:
        abort(400, "Choose one of the two checks on the page.")
    check, queued = checks.request_check(scope, current_user, client=client_from_request())
    db.session.commit()
    if not queued:
        flash("A check was already waiting or running, so no other was started: this is it")
    return redirect(url_for("audit_log.check", check_id=check.id))


@blueprint.get("/verify/<int:check_id>")
def check(check_id: int) -> ResponseReturnValue:
    """One check: its progress while it runs, then what it found."""
    found = db.session.get(AuditCheck, check_id) if check_id <= CHECK_ID_MAX else None
    if found is None:
        abort(404)
    return render_template(
        "audit_log/check.html",
        check=found,
        checkpoint=checkpoints.last_checkpoint(db.session),
        updating=request.args.get("update") == "auto",
        refresh_seconds=REFRESH_SECONDS,
        tags=CHECK_TAGS,
        scopes=SCOPE_LABELS,
    )
