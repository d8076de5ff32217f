"""The register of approved accounts: which departments hold which accounts, since when,
under what conditions, and when each is next reviewed.

Who sees what (`may_see_register`, `register_scope`): officers their department's
accounts; Security and Cabinet Office approvers and auditors every account. The screen,
its CSV export and the public page all read here, with no Flask request in it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.accounts import AccountCondition, ApprovedAccount
from app.models.departments import Department
from app.models.platforms import Platform
from app.models.requests import AccessRequest
from app.models.users import User
from app.reads.pagination import Page, page_count, query_args
from app.rules.accounts import OVERSIGHT_STAGES, AccountStatus
from app.rules.formatting import in_london
from app.rules.roles import Role

#: Rows a page of the register shows.
PAGE_SIZE = 50


class RegisterSort(enum.StrEnum):
    DEPARTMENT = "department"
    PLATFORM = "platform"
    HANDLE = "handle"
    STATUS = "status"
    SINCE = "since"
    REVIEW = "review"


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


DEFAULT_SORT = RegisterSort.DEPARTMENT


@dataclass(frozen=True)
class RegisterQuery:
    """What the person asked for: filters, sort and page (all from the query string)."""

    department_id: int | None = None
    platform_id: int | None = None
    status: AccountStatus | None = None
    sort: RegisterSort = DEFAULT_SORT
    order: SortOrder = SortOrder.ASC
    page: int = 1

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string for this view with `changes`, leaving out defaults."""
        values = {
            "department": self.department_id,
            "platform": self.platform_id,
            "status": self.status,
            "sort": self.sort,
            "order": self.order,
            "page": self.page,
            **changes,
        }
        return query_args(values, {"sort": DEFAULT_SORT, "order": SortOrder.ASC, "page": 1})


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    department: str
    platform: str
    handle: str
    url: str
    owner: str
    status: AccountStatus
    since: datetime
    approved_at: datetime
    opened_on: date | None
    ends_on: date | None
    review_due_on: date | None
    conditions: int
    open_conditions: int
    #: Each condition's number, state and words, for the export.
    condition_lines: tuple[str, ...] = ()


def may_see_register(user: User) -> bool:
    return register_scope(user) is not None


def register_scope(user: User) -> int | bool | None:
    """Whose accounts `user` sees: True for every department's; a department id for
    their own; None for none. Officers see their department's; Security and Cabinet
    Office approvers and auditors see all (an officer who is also one sees all)."""
    if not user.active:
        return None
    if user.has_role(Role.AUDITOR) or (
        user.has_role(Role.APPROVER) and any(user.can_sign(s) for s in OVERSIGHT_STAGES)
    ):
        return True
    if user.has_role(Role.OFFICER) and user.department_id is not None:
        return user.department_id
    return None


_SORT_COLUMNS = {
    RegisterSort.DEPARTMENT: Department.name,
    RegisterSort.PLATFORM: Platform.name,
    RegisterSort.HANDLE: ApprovedAccount.handle,
    RegisterSort.STATUS: ApprovedAccount.status,
    RegisterSort.SINCE: ApprovedAccount.status_since,
    RegisterSort.REVIEW: ApprovedAccount.review_due_on,
}


def _query(user: User, query: RegisterQuery) -> Any:
    scope = register_scope(user)
    if scope is None:
        return None
    statement = (
        select(ApprovedAccount, AccessRequest.reference, Department.name, Platform.name)
        .join(AccessRequest, AccessRequest.id == ApprovedAccount.request_id)
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
    )
    if scope is not True:
        statement = statement.where(AccessRequest.department_id == scope)
    if query.department_id is not None:
        statement = statement.where(AccessRequest.department_id == query.department_id)
    if query.platform_id is not None:
        statement = statement.where(AccessRequest.platform_id == query.platform_id)
    if query.status is not None:
        statement = statement.where(ApprovedAccount.status == str(query.status))
    return statement


def register_page(user: User, query: RegisterQuery) -> Page[RegisterRow] | None:
    """One page of the register as `user` may see it; None if they may see none, or the
    page asked for is past the last. Three queries: the count, the rows, their conditions."""
    statement = _query(user, query)
    if statement is None:
        return None
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = page_count(total, PAGE_SIZE)
    if not 1 <= query.page <= pages:
        return None
    column = _SORT_COLUMNS[query.sort]
    ordered = column.asc() if query.order is SortOrder.ASC else column.desc()
    rows = db.session.execute(
        statement.options(selectinload(ApprovedAccount.conditions))
        .order_by(ordered.nulls_last(), ApprovedAccount.id)
        .limit(PAGE_SIZE)
        .offset((query.page - 1) * PAGE_SIZE)
    ).all()
    items = [_row(*row) for row in rows]
    return Page(items, query.page, pages, total, PAGE_SIZE)


def register_rows(user: User, query: RegisterQuery) -> list[RegisterRow]:
    """Every row of the register `user` may see, filtered and sorted as `query` asks
    (for the export: not paged)."""
    statement = _query(user, query)
    if statement is None:
        return []
    column = _SORT_COLUMNS[query.sort]
    ordered = column.asc() if query.order is SortOrder.ASC else column.desc()
    rows = db.session.execute(
        statement.options(selectinload(ApprovedAccount.conditions)).order_by(
            ordered.nulls_last(), ApprovedAccount.id
        )
    ).all()
    return [_row(*row, with_lines=True) for row in rows]


def _row(
    account: ApprovedAccount,
    reference: str,
    department: str,
    platform: str,
    *,
    with_lines: bool = False,
) -> RegisterRow:
    conditions: list[AccountCondition] = account.conditions
    return RegisterRow(
        reference=reference,
        department=department,
        platform=platform,
        handle=account.handle,
        url=account.url,
        owner=account.owner,
        status=AccountStatus(account.status),
        since=account.status_since,
        approved_at=account.approved_at,
        opened_on=account.opened_on,
        ends_on=account.ends_on,
        review_due_on=account.review_due_on,
        conditions=len(conditions),
        open_conditions=sum(1 for c in conditions if c.confirmed_at is None),
        condition_lines=tuple(
            f"{c.number} ({'confirmed' if c.confirmed_at else 'open'}): {c.text}"
            for c in conditions
        )
        if with_lines
        else (),
    )


@dataclass(frozen=True)
class PublicRow:
    department: str
    platform: str
    handle: str
    approved_on: date


def public_register() -> list[PublicRow]:
    """The accounts open now, with nothing internal: department, platform, handle and
    the date approved (one query)."""
    rows = db.session.execute(
        select(Department.name, Platform.name, ApprovedAccount.handle, ApprovedAccount.approved_at)
        .join(AccessRequest, AccessRequest.id == ApprovedAccount.request_id)
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
        .where(ApprovedAccount.status == str(AccountStatus.OPEN))
        .order_by(Department.name, Platform.name, ApprovedAccount.handle)
    ).all()
    return [PublicRow(d, p, h, in_london(approved_at).date()) for d, p, h, approved_at in rows]


def reviews_due(horizon: date) -> list[RegisterRow]:
    """Open and suspended accounts whose review falls due by `horizon`, soonest first
    (overdue ones first of all): what Security has to review."""
    rows = db.session.execute(
        select(ApprovedAccount, AccessRequest.reference, Department.name, Platform.name)
        .join(AccessRequest, AccessRequest.id == ApprovedAccount.request_id)
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
        .where(
            ApprovedAccount.status.in_([str(AccountStatus.OPEN), str(AccountStatus.SUSPENDED)]),
            ApprovedAccount.review_due_on <= horizon,
        )
        .options(selectinload(ApprovedAccount.conditions))
        .order_by(ApprovedAccount.review_due_on, ApprovedAccount.id)
    ).all()
    return [_row(*row) for row in rows]
