"""The approver's queue in SQL: what waits for their decision, sorted, filtered, paged.

`may_decide` is `app.rules.workflow.check_can_decide` as a SQL condition, so the queue and the
navigation count list exactly the requests whose decision page offers the form (that page
asks the rule itself, through `app.reads.request_page.decision_refusal`). Change both
together: tests/web/review/test_queue.py holds them to each other.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, exists, func, literal, or_, select

from app.extensions import db
from app.models.departments import Department
from app.models.platforms import PipelineStage, Platform, pipeline_stage_approvers
from app.models.requests import AccessRequest, Decision, RequestRevision
from app.models.users import User
from app.reads.pagination import query_args
from app.rules.formatting import in_london
from app.rules.workflow import Quorum, Status

#: Rows on each page of the queue.
PAGE_SIZE = 25
#: No queue has more pages: request ids are 32-bit integers. A page asked for beyond it
#: (a hand-typed page=10**30) is taken as this one, whose OFFSET both databases accept.
MOST_PAGES = math.ceil(2**31 / PAGE_SIZE)


def may_decide(user: User, covering: Sequence[User] = ()) -> ColumnElement[bool]:
    """SQL for `decision_refusal(user, request, covering=covering) is None`: in review at
    a stage that `user`, or someone they cover for today, may sign (`_may_sign`)."""
    signers = [_may_sign(user, user)] + [_may_sign(user, absent) for absent in covering]
    return and_(AccessRequest.status == str(Status.IN_REVIEW), or_(*signers))


def _may_sign(user: User, signer: User) -> ColumnElement[bool]:
    """`user` deciding in `signer`'s name (themselves, or an absent approver): at one of
    the signer's stages, inside the stage's named set if it has one, filed by neither of
    them, and neither has decided another stage of it nor counted at this one already."""
    people = sorted({user.id, signer.id})
    filed_a_revision = exists().where(
        RequestRevision.request_id == AccessRequest.id,
        RequestRevision.submitted_by_id.in_(people),
    )
    theirs = or_(Decision.approver_id.in_(people), Decision.on_behalf_of_id.in_(people))
    decided_another_stage = exists().where(
        Decision.request_id == AccessRequest.id,
        theirs,
        Decision.stage_code != AccessRequest.current_stage,
    )
    # Counted at this stage of the revision in review: its decisions all come after the
    # revision was submitted (`submitted_at`), those of earlier revisions before it.
    counted_here = exists().where(
        Decision.request_id == AccessRequest.id,
        theirs,
        Decision.stage_code == AccessRequest.current_stage,
        Decision.decided_at >= AccessRequest.submitted_at,
    )
    # The stage has a named set, and the signer is not in it.
    outside_named_set = exists().where(
        PipelineStage.pipeline_version_id == AccessRequest.pipeline_version_id,
        PipelineStage.stage_code == AccessRequest.current_stage,
        PipelineStage.quorum != str(Quorum.ANY_ONE),
        ~exists().where(
            pipeline_stage_approvers.c.pipeline_stage_id == PipelineStage.id,
            pipeline_stage_approvers.c.user_id == signer.id,
        ),
    )
    return and_(
        AccessRequest.current_stage.in_(sorted(signer.stage_codes)),
        AccessRequest.requester_id.not_in(people),
        ~filed_a_revision,
        ~decided_another_stage,
        ~counted_here,
        ~outside_named_set,
    )


def awaiting_decision_count(user: User, covering: Sequence[User] = ()) -> int:
    """How many requests wait for `user`'s decision, or for that of someone they cover
    for today: one COUNT query."""
    if not user.active:
        return 0
    count = db.session.scalar(
        select(func.count()).select_from(AccessRequest).where(may_decide(user, covering))
    )
    return int(count or 0)


# The queue page ---------------------------------------------------------------------


class SortKey(enum.StrEnum):
    SUBMITTED = "submitted"
    DAYS = "days"
    REFERENCE = "reference"
    DEPARTMENT = "department"
    #: The current stage's due date (docs/deadlines.md).
    DUE = "due"


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


#: The order a column sorts in first: most days waiting first, the others A to Z and
#: oldest (or soonest due) first.
FIRST_ORDER: dict[SortKey, SortOrder] = {
    SortKey.SUBMITTED: SortOrder.ASC,
    SortKey.DAYS: SortOrder.DESC,
    SortKey.REFERENCE: SortOrder.ASC,
    SortKey.DEPARTMENT: SortOrder.ASC,
    SortKey.DUE: SortOrder.ASC,
}
#: Longest waiting first.
DEFAULT_SORT = SortKey.DAYS

#: What each sort key orders by, ascending. A request in review changes only when it is
#: submitted or decided, so its `updated_at` is when it reached the stage now deciding:
#: more days waiting means an earlier `updated_at`, hence DAYS sorts on it descending.
_SORT_COLUMNS: dict[SortKey, tuple[Any, bool]] = {
    SortKey.SUBMITTED: (AccessRequest.submitted_at, False),
    SortKey.DAYS: (AccessRequest.updated_at, True),
    SortKey.REFERENCE: (AccessRequest.reference, False),
    SortKey.DEPARTMENT: (Department.name, False),
    SortKey.DUE: (AccessRequest.stage_due_on, False),
}


@dataclass(frozen=True)
class QueueQuery:
    """What the person asked for: filters, sort and page (all from the query string)."""

    department_id: int | None = None
    platform_id: int | None = None
    sort: SortKey = DEFAULT_SORT
    order: SortOrder = FIRST_ORDER[DEFAULT_SORT]
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string for this view with `changes`, leaving out defaults."""
        values = {
            "department": self.department_id,
            "platform": self.platform_id,
            "sort": self.sort,
            "order": self.order,
            "page": self.page,
            **changes,
        }
        defaults = {"sort": DEFAULT_SORT, "order": FIRST_ORDER[values["sort"]], "page": 1}
        return query_args(values, defaults)


@dataclass(frozen=True)
class QueueRow:
    reference: str
    department: str
    platform: str
    submitted_at: datetime | None  # always set while in review
    waiting_since: datetime
    #: The stage's due date; None for a request whose clock `sla tick` has yet to start.
    due_on: date | None = None
    #: The absent approver it waits for, whom this person covers for; None: their own.
    on_behalf_of: str | None = None

    def days_waiting(self, today: date) -> int:
        return max((today - in_london(self.waiting_since).date()).days, 0)

    def overdue(self, today: date) -> bool:
        """Overdue from the day after the due date (app.deadlines.schedule)."""
        return self.due_on is not None and today > self.due_on


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def _ordering(query: QueueQuery) -> list[Any]:
    column, reverse = _SORT_COLUMNS[query.sort]
    descending = (query.order is SortOrder.DESC) != reverse
    first = column.desc() if descending else column.asc()
    if query.sort is SortKey.DUE:  # no due date yet: last, whichever way
        first = first.nulls_last()
    # Ties (same department, same day) keep a stable order so pages do not overlap.
    return [first, AccessRequest.submitted_at.asc(), AccessRequest.id.asc()]


def _conditions(
    user: User, query: QueueQuery, covering: Sequence[User]
) -> list[ColumnElement[bool]]:
    conditions = [may_decide(user, covering)]
    if query.department_id is not None:
        conditions.append(AccessRequest.department_id == query.department_id)
    if query.platform_id is not None:
        conditions.append(AccessRequest.platform_id == query.platform_id)
    return conditions


def queue_page(user: User, query: QueueQuery, covering: Sequence[User] = ()) -> QueuePage:
    """One page of the requests awaiting `user`'s decision, or the decision of someone they
    cover for today (`covering`): one query, whatever the size, its rows counted in it.

    A page past the last (an old link, a queue that has since shrunk) shows the last page,
    which takes two more: the count, then that page. An empty queue is one query too."""
    conditions = _conditions(user, query, covering)
    page = min(max(query.page, 1), MOST_PAGES)
    found = db.session.execute(_page_statement(user, query, covering, conditions, page)).all()
    if found:
        total = int(found[0][-1])
    elif page == 1:
        total = 0  # nothing on the first page: nothing waits
    else:
        counted = select(func.count()).select_from(AccessRequest).where(*conditions)
        total = int(db.session.scalar(counted) or 0)
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    if not found and page > pages:
        page = pages
        found = db.session.execute(_page_statement(user, query, covering, conditions, page)).all()
    rows = [QueueRow(*row[:-1]) for row in found]
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


def _page_statement(
    user: User,
    query: QueueQuery,
    covering: Sequence[User],
    conditions: list[ColumnElement[bool]],
    page: int,
) -> Select[Any]:
    """The rows of page `page`, each with the count of every row the conditions match (a
    window over the whole result, computed before LIMIT takes the page). The sort reads
    every matching row anyway; a COUNT of its own read them all a second time."""
    return (
        select(
            AccessRequest.reference,
            Department.name,
            Platform.name,
            AccessRequest.submitted_at,
            AccessRequest.updated_at,
            AccessRequest.stage_due_on,
            _on_behalf_of(user, covering),
            func.count().over().label("total"),
        )
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
        .where(*conditions)
        .order_by(*_ordering(query))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )


def _on_behalf_of(user: User, covering: Sequence[User]) -> ColumnElement[str | None]:
    """The name of the absent approver a row waits for, if not for `user` themselves."""
    if not covering:
        return literal(None, String).label("on_behalf_of")
    return case(
        (_may_sign(user, user), literal(None, String)),
        *[(_may_sign(user, absent), literal(absent.display_name)) for absent in covering],
        else_=literal(None, String),
    ).label("on_behalf_of")
