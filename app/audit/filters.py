"""Which audit events an auditor asked for: the filters shared by the audit log screen,
the exports and (later) the API. Plain Python over SQLAlchemy; no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from app.audit.events import EventType
from app.models import AccessRequest, AuditEvent, Department, Platform
from app.rules.formatting import LONDON


@dataclass(frozen=True)
class AuditFilters:
    """What an auditor asked to see. None means "any"."""

    #: Whole days in London time, both inclusive.
    first_day: date | None = None
    last_day: date | None = None
    #: A department's code: only events about that department's requests.
    department: str | None = None
    #: A platform's name: only events about requests for that platform.
    platform: str | None = None
    event_type: EventType | None = None
    #: Part of the actor's email address, any case.
    actor: str | None = None
    #: A request reference, any case.
    reference: str | None = None


def london_day_bounds(
    first: date | None, last: date | None
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds [start, end) covering whole days `first` to `last` in London time.

    London's midnight is 00:00 UTC in winter and 23:00 UTC the day before in summer, so
    a day can be 23 or 25 hours long; None leaves that end open.
    """
    start = _london_midnight(first) if first is not None else None
    end = None
    if last is not None and last < date.max:
        end = _london_midnight(last + timedelta(days=1))
    return start, end


def _london_midnight(day: date) -> datetime:
    # The clocks never change at midnight in London, so midnight is never ambiguous.
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def filtered_events(filters: AuditFilters) -> Select[AuditEvent]:
    """SELECT the events matching `filters`, unordered."""
    query = select(AuditEvent)
    if filters.department is not None or filters.platform is not None:
        # An inner join: events about no request cannot match a department or platform.
        query = query.join(AccessRequest, AccessRequest.id == AuditEvent.request_id)
    if filters.department is not None:
        query = query.join(Department, Department.id == AccessRequest.department_id).where(
            Department.code == filters.department
        )
    if filters.platform is not None:
        query = query.join(Platform, Platform.id == AccessRequest.platform_id).where(
            Platform.name == filters.platform
        )
    start, end = london_day_bounds(filters.first_day, filters.last_day)
    if start is not None:
        query = query.where(AuditEvent.occurred_at >= start)
    if end is not None:
        query = query.where(AuditEvent.occurred_at < end)
    if filters.event_type is not None:
        query = query.where(AuditEvent.event_type == str(filters.event_type))
    if filters.actor:
        query = query.where(AuditEvent.actor_email.icontains(filters.actor, autoescape=True))
    if filters.reference:
        # References are written in capitals (PRQ-2026-00042), so compare in capitals
        # and keep the index on request_reference usable.
        query = query.where(AuditEvent.request_reference == filters.reference.upper())
    return query
