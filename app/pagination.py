"""govukPagination() options for any list shown a page at a time.

A layer under the screens (STYLE.md habit 13): the officers' list and the admin's outbox
both page with it, so neither imports the other's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Paged(Protocol):
    """What pagination needs to know of a page: which it is, and how many there are."""

    @property
    def number(self) -> int: ...

    @property
    def pages(self) -> int: ...


def pagination(page: Paged, href: Callable[[int], str]) -> dict[str, Any] | None:
    """govukPagination() options for `page`, or None when there is only one page.

    Shows the first, last, current and neighbouring pages, with ellipses between.
    """
    if page.pages <= 1:
        return None
    shown = {1, page.pages, page.number - 1, page.number, page.number + 1}
    items: list[dict[str, Any]] = []
    for number in range(1, page.pages + 1):
        if number in shown:
            items.append({"number": number, "href": href(number), "current": number == page.number})
        elif items and not items[-1].get("ellipsis"):
            items.append({"ellipsis": True})
    params: dict[str, Any] = {"items": items}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params
