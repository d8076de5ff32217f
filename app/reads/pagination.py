"""govukPagination() options for any list shown a page at a time.

A layer under the screens (STYLE.md habit 13): the officers' list and the admin's outbox
both page with it, so neither imports the other's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, which page it is, and how many there are."""

    items: list[T]
    #: 1 for the first page.
    number: int
    #: How many pages there are (1 when the list is empty).
    pages: int
    #: Items in the whole list.
    total: int
    #: Items a full page holds.
    size: int

    @property
    def first_item(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def query_args(values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, str]:
    """A list's query string: each value as text, leaving out None and the defaults (so
    links stay short and one view has one address)."""
    return {
        name: str(value)
        for name, value in values.items()
        if value is not None and defaults.get(name) != value
    }


def page_count(total: int, size: int) -> int:
    """How many pages `total` items fill: at least 1, so an empty list has its page."""
    return max(1, -(-total // size))


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
