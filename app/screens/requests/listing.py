"""The officer's list of their department's requests, a page at a time.

A page costs the same two queries however many requests there are: one count, and one
select that joins each row's platform and current stage (the only related rows the
table shows) and asks whether its approval carries conditions (for the status tag), so
drawing the table never goes back to the database.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, undefer

from app.extensions import db
from app.models.requests import AccessRequest
from app.reads.pagination import Page, page_count

PAGE_SIZE = 25


def department_requests(department_id: int | None, number: int) -> Page[AccessRequest] | None:
    """Page `number` of the department's requests, newest change first; None when there
    is no such page."""
    where = AccessRequest.department_id == department_id
    total = db.session.scalar(select(func.count()).select_from(AccessRequest).where(where)) or 0
    pages = page_count(total, PAGE_SIZE)
    if not 1 <= number <= pages:
        return None
    query = (
        select(AccessRequest)
        .where(where)
        .order_by(AccessRequest.updated_at.desc(), AccessRequest.id.desc())
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
        .options(
            joinedload(AccessRequest.platform),
            joinedload(AccessRequest.stage),
            # "Approved with conditions": an EXISTS in this same select.
            undefer(AccessRequest.conditions_attached),
            # The table shows neither: do not join them.
            lazyload(AccessRequest.department),
            lazyload(AccessRequest.requester),
        )
    )
    items = list(db.session.scalars(query))
    return Page(items=items, number=number, pages=pages, total=total, size=PAGE_SIZE)
