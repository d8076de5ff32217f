"""The register of approved accounts, its CSV export, Security's reviews due, and the
public page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.deadlines.clock import london_today
from app.extensions import db
from app.reads.pagination import pagination
from app.reads.reference_lists import reference_lists
from app.reads.register import (
    DEFAULT_SORT,
    RegisterQuery,
    RegisterSort,
    SortOrder,
    public_register,
    register_page,
    register_rows,
    register_scope,
    reviews_due,
)
from app.reads.register_export import register_csv
from app.rules.accounts import ACCOUNT_STATUS_LABELS, ACCOUNT_STATUS_TAGS, REVIEW_STAGE
from app.rules.roles import Role
from app.screens.register import blueprint
from app.screens.register.forms import RegisterFilterForm
from app.web.guards import check_roles

#: How far ahead Security's list of reviews looks.
REVIEWS_AHEAD = timedelta(days=60)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    scope = _scope()
    filters, query, departments, platforms = _query()
    page = register_page(current_user, query)
    if page is None:
        abort(404)
    return render_template(
        "register/index.html",
        filters=filters,
        query=query,
        page=page,
        all_departments=scope is True,
        labels=ACCOUNT_STATUS_LABELS,
        tags=ACCOUNT_STATUS_TAGS,
        selected=_selected(query, dict(departments), dict(platforms)),
        sort_links=_sort_links(query),
        export_href=url_for(".export", **query.args(page=None)),
        pagination=pagination(page, lambda number: url_for(".index", **query.args(page=number))),
    )


@blueprint.get("/export.csv")
def export() -> ResponseReturnValue:
    _scope()
    _filters, query, _departments, _platforms = _query()
    rows = register_rows(current_user, query)
    response = Response(register_csv(rows), mimetype="text/csv")
    name = f"register-of-approved-accounts-{london_today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/reviews")
def reviews() -> ResponseReturnValue:
    check_roles(Role.APPROVER)
    if not current_user.can_sign(REVIEW_STAGE):
        abort(403)
    today = london_today()
    return render_template(
        "register/reviews.html",
        rows=reviews_due(today + REVIEWS_AHEAD),
        today=today,
        labels=ACCOUNT_STATUS_LABELS,
        ahead=REVIEWS_AHEAD.days,
    )


@blueprint.get("/public")
def public() -> ResponseReturnValue:
    """The accounts open now, for anyone: only when PERMIT_PUBLIC_REGISTER=1."""
    if not current_app.config["PERMIT_PUBLIC_REGISTER"]:
        abort(404)
    response = Response(render_template("register/public.html", rows=public_register()))
    # Nothing on it is personal or internal: shared caches may keep it for five minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Cookie")
    return response


# Helpers -------------------------------------------------------------------------------


def _scope() -> int | bool:
    scope = register_scope(current_user)
    if scope is None:
        abort(403)
    return scope


def _query() -> tuple[RegisterFilterForm, RegisterQuery, list[Any], list[Any]]:
    lists = reference_lists(db.session)
    departments, platforms = lists.department_choices(), lists.platforms
    filters = RegisterFilterForm(formdata=request.args)
    filters.set_choices(departments, platforms)
    try:
        sort = RegisterSort(request.args.get("sort") or DEFAULT_SORT)
    except ValueError:
        sort = DEFAULT_SORT
    try:
        order = SortOrder(request.args.get("order") or SortOrder.ASC)
    except ValueError:
        order = SortOrder.ASC
    query = RegisterQuery(
        department_id=filters.chosen_id("department"),
        platform_id=filters.chosen_id("platform"),
        status=filters.chosen_status(),
        sort=sort,
        order=order,
        page=request.args.get("page", 1, type=int) or 1,
    )
    return filters, query, departments, platforms


def _selected(
    query: RegisterQuery, departments: dict[int, str], platforms: dict[int, str]
) -> list[dict[str, Any]]:
    """moj_filter's "Selected filters": each with a link that removes it."""
    chosen = [
        ("Department", "department", departments.get(query.department_id or 0)),
        ("Platform", "platform", platforms.get(query.platform_id or 0)),
        ("Status", "status", ACCOUNT_STATUS_LABELS[query.status] if query.status else None),
    ]
    return [
        {
            "heading": heading,
            "items": [
                {"text": text, "href": url_for(".index", **query.args(**{name: None}, page=1))}
            ],
        }
        for heading, name, text in chosen
        if text
    ]


def _sort_links(query: RegisterQuery) -> dict[str, dict[str, str]]:
    """For each column: the link that sorts by it on the server (JavaScript off too) and
    its aria-sort state."""
    links = {}
    for key in RegisterSort:
        if key is query.sort:
            asc = query.order is SortOrder.ASC
            state = "ascending" if asc else "descending"
            flipped = SortOrder.DESC if asc else SortOrder.ASC
            href = url_for(".index", **query.args(sort=key, order=flipped, page=1))
        else:
            state = "none"
            href = url_for(".index", **query.args(sort=key, order=SortOrder.ASC, page=1))
        links[key.value] = {"href": href, "state": state}
    return links
