"""What the request page and approver screen tests share: moving a request along with the
real operations, reading its state back, counting queries, and picking pieces of a page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import AccessRequest, AuditEvent, Decision, User
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome
from tests.factories import World


def decide(
    request: AccessRequest,
    approver: User,
    outcome: Outcome = Outcome.APPROVE,
    *,
    reason: str = "",
    conditions: str = "",
) -> Decision:
    """`approver` decides the request's current stage now, and it is committed."""
    decision = decide_stage(
        request,
        approver,
        stage=request.current_stage or "",
        version=request.version,
        outcome=outcome,
        reason=reason,
        conditions=conditions,
    )
    db.session.commit()
    return decision


def at_stage(world: World, stage: str, **overrides: Any) -> AccessRequest:
    """A submitted request whose earlier stages the first approver of each approved."""
    request = world.submitted(**overrides)
    for code in ("security", "no10", "cabinet_office"):
        if code == stage:
            break
        decide(request, world.approvers_for(code)[0])
    db.session.commit()
    return request


@dataclass(frozen=True)
class State:
    """What a decision could change, read straight from the database."""

    status: str
    current_stage: str | None
    version: int
    decisions: int
    audit_head: int


def state_of(request: AccessRequest) -> State:
    db.session.expire_all()
    row = db.session.execute(
        select(AccessRequest.status, AccessRequest.current_stage, AccessRequest.version).where(
            AccessRequest.id == request.id
        )
    ).one()
    decisions = db.session.scalar(
        select(func.count()).select_from(Decision).where(Decision.request_id == request.id)
    )
    head = db.session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
    return State(row.status, row.current_stage, row.version, int(decisions or 0), int(head or 0))


@contextmanager
def counting_queries(*, expire: bool = True) -> Iterator[list[str]]:
    """Collect every SQL statement sent while the block runs.

    The tests keep one app context, and so one session, across requests; a server starts
    each request with an empty one. Expiring everything first makes each request load
    what it uses, as it would in production, so two counts compare fairly.
    """
    if expire:
        db.session.expire_all()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries(statements: list[str]) -> list[str]:
    """The statements that ask something: not where a transaction happens to begin (that
    depends on the test's one session, not on the page)."""
    return [s for s in statements if not s.startswith("BEGIN")]


def text_of(fragment: str) -> str:
    """A piece of HTML as the words a person reads: tags gone, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def element(page: str, element_id: str) -> str:
    """The HTML of the element with this id, up to its matching closing tag."""
    start = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', page)
    assert start, f"no element with id {element_id!r}"
    tag = start.group(1)
    depth, position = 0, start.start()
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[start.start() :]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return page[position : start.start() + match.end()]
    raise AssertionError(f"element {element_id!r} is not closed")


def forms_of(page: str) -> list[str]:
    """The action of every <form> on a page (the header's sign-out form included)."""
    return re.findall(r'<form\b[^>]*\baction="([^"]*)"', page)


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's forms by name (the decision form's csrf_token, stage
    and version; the header's sign-out form carries the csrf_token too)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields.setdefault(attributes["name"], html.unescape(attributes.get("value", "")))
    return fields


def stage_rows(page: str) -> list[tuple[str, str, str]]:
    """The approval stages task list as (stage, state, who decided when) rows."""
    rows = []
    for item in re.findall(r'<li class="govuk-task-list__item.*?</li>', page, re.S):
        name = re.search(
            r'<div class="govuk-task-list__name-and-hint">\s*<div>(.*?)</div>', item, re.S
        )
        hint = re.search(r'class="govuk-task-list__hint">(.*?)</div>', item, re.S)
        status = re.search(r'class="govuk-task-list__status"[^>]*>(.*?)</div>', item, re.S)
        assert name and status
        rows.append(
            (
                text_of(name.group(1)),
                text_of(status.group(1)),
                text_of(hint.group(1)) if hint else "",
            )
        )
    return rows


def timeline(page: str) -> list[dict[str, str]]:
    """The history timeline, newest first: each item's title, byline, date and description."""
    found = re.search(r'<div class="moj-timeline">(.*?)\n</div>', page, re.S)
    if found is None:
        return []
    items = []
    for item in found.group(1).split('<div class="moj-timeline__item">')[1:]:

        def part(css_class: str, item: str = item) -> str:
            match = re.search(rf'class="{css_class}"[^>]*>(.*?)</(?:h\d|p|div)>', item, re.S)
            return text_of(match.group(1)) if match else ""

        items.append(
            {
                "title": part("moj-timeline__title"),
                "byline": part("moj-timeline__byline"),
                "date": part("moj-timeline__date"),
                "description": text_of(item.split('"moj-timeline__description">', 1)[1]),
            }
        )
    return items
