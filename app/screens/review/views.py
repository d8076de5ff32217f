"""Approvers' queue: the requests awaiting their decision, with its navigation count."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.models.types import utcnow
from app.models.users import User
from app.reads.delegations import covering_for
from app.reads.queue import (
    DEFAULT_SORT,
    FIRST_ORDER,
    QueueQuery,
    SortKey,
    SortOrder,
    awaiting_decision_count,
    queue_page,
)
from app.reads.reference_lists import reference_lists
from app.rules.formatting import LONDON
from app.rules.roles import Role
from app.screens.review import blueprint
from app.screens.review.forms import QueueFilterForm
from app.web.guards import role_required
from app.web.navigation import count_known, nav_count

E = TypeVar("E", SortKey, SortOrder)


@nav_count(blueprint, "review.queue")
def queue_count(user: User) -> int:
    return awaiting_decision_count(user, covering_for(user))


@blueprint.get("/")
@role_required(Role.APPROVER)
def queue() -> str:
    lists = reference_lists(db.session)
    departments, platforms = lists.department_choices(), lists.platforms
    filters = QueueFilterForm(formdata=request.args)
    filters.set_choices(departments, platforms)
    sort = _choice(SortKey, request.args.get("sort"), DEFAULT_SORT)
    query = QueueQuery(
        department_id=filters.chosen_id("department"),
        platform_id=filters.chosen_id("platform"),
        sort=sort,
        order=_choice(SortOrder, request.args.get("order"), FIRST_ORDER[sort]),
        page=request.args.get("page", 1, type=int) or 1,
    )
    page = queue_page(current_user, query, covering_for(current_user))
    if query.department_id is None and query.platform_id is None:
        count_known("review.queue", page.total)  # every request awaiting them: the link's
    return render_template(
        "review/queue.html",
        filters=filters,
        query=query,
        page=page,
        today=utcnow().astimezone(LONDON).date(),
        selected=_selected_filters(query, dict(departments), dict(platforms)),
        sort_links=_sort_links(query),
        pagination=_pagination(query, page.page, page.pages),
    )


def _choice(kind: type[E], value: str | None, default: E) -> E:
    """`value` as one of the `kind` enum's members, or `default` for anything else."""
    try:
        return kind(value or "")
    except ValueError:
        return default


def _url(query: QueueQuery, **changes: Any) -> str:
    args: dict[str, Any] = query.args(**changes)
    return url_for("review.queue", **args)


def _selected_filters(
    query: QueueQuery, departments: dict[int, str], platforms: dict[int, str]
) -> list[dict[str, Any]]:
    """moj_filter's "Selected filters": each with a link that removes it."""
    selected = []
    if query.department_id is not None:
        remove = _url(query, department=None, page=1)
        name = departments[query.department_id]
        selected.append({"heading": "Department", "items": [{"text": name, "href": remove}]})
    if query.platform_id is not None:
        remove = _url(query, platform=None, page=1)
        name = platforms[query.platform_id]
        selected.append({"heading": "Platform", "items": [{"text": name, "href": remove}]})
    return selected


def _sort_links(query: QueueQuery) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (server-side, so it works with
    JavaScript off) and its aria-sort state."""
    links = {}
    for key in SortKey:
        if key is query.sort:
            state = "ascending" if query.order is SortOrder.ASC else "descending"
            flipped = SortOrder.DESC if query.order is SortOrder.ASC else SortOrder.ASC
            href = _url(query, sort=key, order=flipped, page=1)
        else:
            state = "none"
            href = _url(query, sort=key, order=FIRST_ORDER[key], page=1)
        links[key.value] = {"href": href, "state": state}
    return links


def _pagination(query: QueueQuery, current: int, pages: int) -> dict[str, Any] | None:
    """govukPagination() options, or None for a single page."""
    if pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in range(1, pages + 1):
        if number in (1, pages) or abs(number - current) <= 1:
            items.append(
                {"number": number, "href": _url(query, page=number), "current": number == current}
            )
        elif items and not items[-1].get("ellipsis"):
            items.append({"ellipsis": True})
    options: dict[str, Any] = {"items": items}
    if current > 1:
        options["previous"] = {"href": _url(query, page=current - 1)}
    if current < pages:
        options["next"] = {"href": _url(query, page=current + 1)}
    return options
