"""Auditors' screens: the audit log with filters (checks of the chain: checks.py).

Every view here only reads. The whole blueprint is for auditors (`roles_guard`, which
covers the blueprint's other modules too).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for

from app.extensions import db
from app.reads.audit_log import MAX_SEQ, event_page
from app.reads.reference_lists import reference_lists
from app.rules.roles import Role
from app.rules.workflow import STATUS_LABELS
from app.screens.audit_log import blueprint
from app.screens.audit_log.details import event_details
from app.screens.audit_log.forms import AuditFilterForm
from app.screens.audit_log.labels import event_label
from app.web.guards import roles_guard

blueprint.before_request(roles_guard(Role.AUDITOR))


@blueprint.get("/")
def index() -> str:
    lists = reference_lists(db.session)
    form = AuditFilterForm.from_query(
        request.args, departments=lists.department_codes(), platforms=lists.platform_names()
    )
    page = None
    if form.validate():
        page = event_page(
            db.session,
            form.filters(),
            before=_cursor(request.args.get("before")),
            after=_cursor(request.args.get("after")),
        )
    return render_template(
        "audit_log/index.html",
        form=form,
        page=page,
        selected=form.selected(lambda name: _log_url(form.query_pairs(without=name))),
        clear_href=url_for("audit_log.index"),
        newer_href=_page_url(form, "after", page.newer_after) if page else None,
        older_href=_page_url(form, "before", page.older_before) if page else None,
        stage_names=lists.stages,
        status_labels={str(status): label for status, label in STATUS_LABELS.items()},
        event_label=event_label,
        event_details=event_details,
    )


def _cursor(value: str | None) -> int | None:
    """A seq from the query string, or None for anything that is not one (ignored)."""
    if value is None or not (value.isascii() and value.isdecimal()) or len(value) > 19:
        return None
    seq = int(value)
    return seq if 1 <= seq <= MAX_SEQ else None


def _log_url(pairs: list[tuple[str, str]]) -> str:
    base = url_for("audit_log.index")
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _page_url(form: AuditFilterForm, name: str, seq: int | None) -> str | None:
    return _log_url([*form.query_pairs(), (name, str(seq))]) if seq is not None else None
