"""Reading the audit trail for the auditor's screens: keyset pages of the events that
match `app.audit.filters.AuditFilters` (the filter form's choices:
`app.reads.reference_lists`).

Plain functions of a session, no Flask. A page is one query for its events (joined to
the request, department and platform only when a filter needs them) plus at most one
EXISTS for the link in the other direction: the same number of queries whatever the
page holds.

Pages are keyset pages over `seq`, newest first: `before=N` lists the events older than
N, `after=N` those newer than N. A page reached by a link keeps its events while new ones
are appended, which offset pages would not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from app.audit.filters import AuditFilters, filtered_events
from app.extensions import SessionLike
from app.models import AuditEvent

#: Events on one page.
PAGE_SIZE = 50

#: The largest seq the database can hold (BIGINT): a bigger cursor is not a cursor.
MAX_SEQ = 2**63 - 1
#: The longest email address (RFC 5321): longer actor text cannot match anyone. The
#: screen's filter form and the API's query schema both stop there.
ACTOR_MAX = 254
#: The longest request reference the database holds.
REFERENCE_MAX = 20


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first, and the cursors of the pages either side."""

    events: list[AuditEvent]
    #: `after=` for the page of newer events, or None when there are none.
    newer_after: int | None
    #: `before=` for the page of older events, or None when there are none.
    older_before: int | None


def event_page(
    session: SessionLike,
    filters: AuditFilters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> EventPage:
    """The page of matching events older than `before`, or newer than `after` (`before`
    wins when both are given), or the newest page when neither is."""
    query = filtered_events(filters)
    seq = AuditEvent.seq
    if before is None and after is not None:
        rows = list(session.scalars(query.where(seq > after).order_by(seq.asc()).limit(size + 1)))
        more_newer = len(rows) > size
        events = rows[:size][::-1]
        more_older = _exists(session, query.where(seq <= after))
        edge = after + 1  # where an empty page's "older" link starts
    else:
        query_older = query.where(seq < before) if before is not None else query
        rows = list(session.scalars(query_older.order_by(seq.desc()).limit(size + 1)))
        more_older = len(rows) > size
        events = rows[:size]
        more_newer = before is not None and _exists(session, query.where(seq >= before))
        edge = before if before is not None else 0
    newest = events[0].seq if events else edge - 1
    oldest = events[-1].seq if events else edge
    return EventPage(
        events=events,
        newer_after=newest if more_newer else None,
        older_before=oldest if more_older else None,
    )


def _exists(session: SessionLike, query: Select[AuditEvent]) -> bool:
    return bool(session.scalar(select(query.exists())))
