"""Where each role starts, and the service navigation links each person sees.

The base template calls `navigation_items()` once per page. A link can show a count
(the approver's "Awaiting your decision (3)"): the blueprint that owns the page registers
a function with `nav_count`, and the count is worked out only when a page is drawn:

    # app/screens/review/views.py
    @nav_count(blueprint, "review.queue")
    def awaiting_decision_count(user: User) -> int:
        return db.session.scalar(...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, g, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from markupsafe import Markup, escape

from app.models.users import User
from app.reads.register import may_see_register
from app.rules.roles import Role

NavCount = Callable[[User], int]

_COUNTS_KEY = "permit.nav_counts"
#: g's key: counts the page itself worked out (`count_known`).
_KNOWN_KEY = "permit_known_nav_counts"


@dataclass(frozen=True)
class NavLink:
    #: Who sees the link; None for every signed-in person.
    role: Role | None
    text: str
    endpoint: str
    #: Narrows who sees it further: a person for whom it says False does not.
    visible: Callable[[User], bool] | None = None


#: Each role's links, in the order the navigation shows them. A role's first link is
#: where that person starts after signing in.
NAV_LINKS: tuple[NavLink, ...] = (
    NavLink(Role.OFFICER, "Your department's requests", "requests.index"),
    NavLink(Role.APPROVER, "Awaiting your decision", "review.queue"),
    NavLink(Role.AUDITOR, "Audit log", "audit_log.index"),
    NavLink(Role.ADMIN, "Admin", "admin.index"),
)
#: After the roles' links: the register, for those who may see it (app.reads.register).
REGISTER_LINK = NavLink(None, "Register", "register.index", visible=may_see_register)
#: After the roles' links, for everyone signed in (before "Sign out", which is a form).
ACCOUNT_LINK = NavLink(None, "Your account", "account.index")


def start_endpoint(user: User) -> str | None:
    """The endpoint of `user`'s start page: their first role's first link."""
    for link in NAV_LINKS:
        if link.role is not None and user.has_role(link.role):
            return link.endpoint
    return None


def nav_count(blueprint: Blueprint, endpoint: str) -> Callable[[NavCount], NavCount]:
    """Register `count(user)` as the number shown beside the navigation link to `endpoint`.

    Registered on each app the blueprint joins, so several test apps do not share state.
    """

    def decorator(count: NavCount) -> NavCount:
        def record(state: BlueprintSetupState) -> None:
            state.app.extensions.setdefault(_COUNTS_KEY, {})[endpoint] = count

        blueprint.record_once(record)
        return count

    return decorator


def count_known(endpoint: str, count: int) -> None:
    """The page being drawn has counted what `endpoint`'s link counts (the unfiltered
    queue, its total): the link shows that, and nothing is counted twice."""
    g.setdefault(_KNOWN_KEY, {})[endpoint] = count


def _counts(app: Flask) -> dict[str, NavCount]:
    return app.extensions.get(_COUNTS_KEY, {})


def _link_html(text: str, count: int) -> Markup:
    return Markup(
        '{text} <span class="moj-notification-badge">{count}'
        '<span class="govuk-visually-hidden"> waiting</span></span>'
    ).format(text=escape(text), count=count)


def navigation_items() -> list[dict[str, Any]]:
    """govukServiceNavigation() items for the signed-in person; [] when signed out.

    Worked out once per request (counts may query the database).
    """
    if "navigation_items" in g:
        return g.navigation_items  # type: ignore[no-any-return]
    items: list[dict[str, Any]] = []
    if current_user.is_authenticated:
        counts = _counts(current_app)
        for link in (*NAV_LINKS, REGISTER_LINK, ACCOUNT_LINK):
            if link.role is not None and not current_user.has_role(link.role):
                continue
            if link.visible is not None and not link.visible(current_user):
                continue
            item: dict[str, Any] = {"href": url_for(link.endpoint), "text": link.text}
            if link.endpoint in counts:
                known = g.get(_KNOWN_KEY, {})
                count = known.get(link.endpoint)
                if count is None:
                    count = counts[link.endpoint](current_user)
                if count:
                    item["html"] = _link_html(link.text, count)
            if request.endpoint == link.endpoint:
                item["current"] = True
            elif request.blueprint == link.endpoint.partition(".")[0]:
                item["active"] = True
            items.append(item)
    g.navigation_items = items
    return items
