"""`flask sla tick`: the deadline notices due now, each written exactly once.

For every request waiting at a stage, the stage's schedule (app.deadlines.schedule) says
which notices are due today: a reminder to the stage's approvers at 80 % of the target,
an overdue notice to them once the due date has passed, an escalation to the stage's
leads once it is SLA_ESCALATE_AFTER_DAYS working days overdue. Each notice is one audit
event, the outbox messages `app.notifications.rules` says it causes, and a row in
`deadline_notices` whose unique key (request, revision, stage, kind) lets it be written
once, however often and on however many hosts the tick runs.

One transaction per request, so that nothing one request does can lose another's notices:

1. A first pass reads every waiting request with what it needs (two queries) and works
   out, in Python, which requests have something to do.
2. Each of those is locked (`FOR UPDATE SKIP LOCKED`: one held by an operation or by a
   tick on another host is left for the next tick), read again, and its notices written
   in a SAVEPOINT each: the key first, then the event and the messages. Should the key
   exist after all, its IntegrityError undoes that notice alone. Then commit.

The tick also keeps each stored due date (`AccessRequest.stage_due_on`) equal to what the
calendar says now: after an update of the bank holiday data, or a new closure day, the
dates move, and the tick says so. On SQLite every transaction holds the write lock, so
ticks on one machine simply take turns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from app.audit.chain import append_event, format_time
from app.audit.events import EventType
from app.deadlines.clock import calendar, escalate_after, schedule_of
from app.deadlines.schedule import NoticeKind, StageSchedule, schedule_for
from app.deadlines.working_days import london_day
from app.extensions import db
from app.models.deadlines import DeadlineNotice
from app.models.platforms import PipelineStage, Stage
from app.models.requests import AccessRequest, RequestRevision
from app.models.types import utcnow
from app.notifications.rules import queue_for
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS, Status

log = logging.getLogger(__name__)

EVENT_TYPES: dict[NoticeKind, EventType] = {
    NoticeKind.DUE_SOON: EventType.STAGE_DUE_SOON,
    NoticeKind.OVERDUE: EventType.STAGE_OVERDUE,
    NoticeKind.ESCALATED: EventType.STAGE_ESCALATED,
}

#: A notice's key: (request id, revision, stage code, kind).
Key = tuple[int, int, str, str]


@dataclass(frozen=True)
class Written:
    """One notice this tick wrote."""

    reference: str
    stage: str
    kind: NoticeKind
    due_on: date
    #: How many people its messages went to.
    told: int


@dataclass(frozen=True)
class Moved:
    """A stored due date the tick set or corrected."""

    reference: str
    stage: str
    was: date | None
    now: date


@dataclass
class TickReport:
    waiting: int = 0
    written: list[Written] = field(default_factory=list)
    #: Notices due that an earlier tick (or another host) had already written.
    already: int = 0
    moved: list[Moved] = field(default_factory=list)
    #: (reference, stage, last date counted) of schedules beyond the bank holiday data.
    beyond: list[tuple[str, str, date]] = field(default_factory=list)
    #: References left for the next tick: locked by someone else, or they failed.
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Waiting:
    request_id: int
    reference: str
    stage: str
    stage_name: str
    revision: int
    schedule: StageSchedule | None
    stored_due_on: date | None

    def due_kinds(self, today: date) -> list[NoticeKind]:
        return self.schedule.notices_due(today) if self.schedule is not None else []

    def to_do(self, today: date, written: set[Key]) -> bool:
        if self.schedule is None:  # no clock yet: the tick starts it
            return True
        if self.schedule.due_on != self.stored_due_on:
            return True
        return any(
            (self.request_id, self.revision, self.stage, str(kind)) not in written
            for kind in self.schedule.notices_due(today)
        )


def run_tick(
    now: datetime | None = None, *, stopping: Callable[[], bool] = lambda: False
) -> TickReport:
    """Write every deadline notice due at `now` (default: now) that is not yet written."""
    now = now or utcnow()
    today = london_day(now)
    report = TickReport()
    waiting, written = _waiting(), _written()
    db.session.rollback()  # end the read: on SQLite it holds the write lock
    report.waiting = len(waiting)
    for item in waiting:
        if item.schedule is not None and item.schedule.beyond_holiday_data:
            report.beyond.append((item.reference, item.stage_name, item.schedule.escalate_on))
    for item in waiting:
        if stopping():
            break
        if not item.to_do(today, written):
            report.already += len(item.due_kinds(today))
            continue
        part = TickReport()  # what this request's transaction did, told once it commits
        try:
            done = _tick_request(item.request_id, now, today, part)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sla tick: %s failed; the next tick tries again", item.reference)
            report.failed.append(item.reference)
            continue
        if not done:
            report.skipped.append(item.reference)
        report.written += part.written
        report.moved += part.moved
        report.already += part.already
    return report


def _waiting() -> list[_Waiting]:
    """Every request waiting at a stage, with its schedule: one query."""
    latest = (
        select(func.max(RequestRevision.number))
        .where(RequestRevision.request_id == AccessRequest.id)
        .correlate(AccessRequest)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            AccessRequest.id,
            AccessRequest.reference,
            AccessRequest.current_stage,
            AccessRequest.stage_started_at,
            AccessRequest.stage_due_on,
            PipelineStage.target_working_days,
            latest.label("revision"),
            Stage.name.label("stage_name"),
        )
        .outerjoin(Stage, Stage.code == AccessRequest.current_stage)
        .outerjoin(
            PipelineStage,
            and_(
                PipelineStage.pipeline_version_id == AccessRequest.pipeline_version_id,
                PipelineStage.stage_code == AccessRequest.current_stage,
            ),
        )
        .where(AccessRequest.status == str(Status.IN_REVIEW))
        .where(AccessRequest.current_stage.is_not(None))
        .order_by(AccessRequest.id)
    ).all()
    working, after = calendar(), escalate_after()
    # A schedule depends only on the London day reached and the target: many requests
    # share one, so each is counted once per tick.
    schedules: dict[tuple[date, int], StageSchedule] = {}

    def schedule(started_at: datetime | None, target: int | None) -> StageSchedule | None:
        if started_at is None:
            return None
        key = (london_day(started_at), target or DEFAULT_TARGET_WORKING_DAYS)
        if key not in schedules:
            schedules[key] = schedule_for(started_at, key[1], working, escalate_after=after)
        return schedules[key]

    return [
        _Waiting(
            request_id=row.id,
            reference=row.reference,
            stage=row.current_stage,
            revision=row.revision or 0,
            stage_name=row.stage_name or row.current_stage,
            schedule=schedule(row.stage_started_at, row.target_working_days),
            stored_due_on=row.stage_due_on,
        )
        for row in rows
    ]


def _written() -> set[Key]:
    """The notices already written for requests in review: one query."""
    rows = db.session.execute(
        select(
            DeadlineNotice.request_id,
            DeadlineNotice.revision,
            DeadlineNotice.stage_code,
            DeadlineNotice.kind,
        )
        .join(AccessRequest, AccessRequest.id == DeadlineNotice.request_id)
        .where(AccessRequest.status == str(Status.IN_REVIEW))
    )
    return {(r.request_id, r.revision, r.stage_code, r.kind) for r in rows}


def _tick_request(request_id: int, now: datetime, today: date, report: TickReport) -> bool:
    """Bring one request's due date and notices up to date, in the caller's transaction.
    False if someone else holds it (it is left for the next tick)."""
    locked = db.session.execute(
        select(AccessRequest.id)
        .where(AccessRequest.id == request_id)
        .with_for_update(skip_locked=True)
    ).scalar()
    if locked is None:
        return False
    request = db.session.get(AccessRequest, request_id, populate_existing=True)
    assert request is not None
    # Read again under the lock: a decision may have moved it on since the first pass.
    if Status(request.status) is not Status.IN_REVIEW or request.current_stage is None:
        return True
    revision = request.latest_revision
    assert revision is not None, "a request in review has a revision"
    if request.stage_started_at is None:  # waiting since before deadlines: starts now
        request.stage_started_at = now
    schedule = schedule_of(request)
    assert schedule is not None
    stage_name = request.stage.name if request.stage else request.current_stage
    if request.stage_due_on != schedule.due_on:
        report.moved.append(
            Moved(request.reference, stage_name, request.stage_due_on, schedule.due_on)
        )
        request.stage_due_on = schedule.due_on
        db.session.flush()
    for kind in schedule.notices_due(today):
        told = _write_notice(request, revision.number, kind, schedule)
        if told is None:
            report.already += 1
        else:
            report.written.append(
                Written(request.reference, stage_name, kind, schedule.due_on, told)
            )
    return True


def already_written(key: dict[str, object]) -> bool:
    """Whether the notice with this key exists (under the request's lock, the answer holds
    until commit; the unique key covers any tick that did not take the lock)."""
    return db.session.scalar(select(DeadlineNotice.id).filter_by(**key)) is not None


def _write_notice(
    request: AccessRequest, revision: int, kind: NoticeKind, schedule: StageSchedule
) -> int | None:
    """Claim the notice's key, then write its event and messages: how many people it
    told, or None if it was already written."""
    stage = request.current_stage
    assert stage is not None
    key = {"request_id": request.id, "revision": revision, "stage_code": stage, "kind": kind}
    if already_written(key):
        return None
    try:
        with db.session.begin_nested():
            notice = DeadlineNotice(**key, due_on=schedule.due_on)
            db.session.add(notice)
            db.session.flush()
    except IntegrityError:  # written meanwhile by a tick that did not wait for our lock
        return None
    payload: dict[str, object] = {
        "revision": revision,
        "stage_started_at": format_time(request.stage_started_at or utcnow()),
        "target_working_days": schedule.target,
        "due_on": schedule.due_on.isoformat(),
    }
    if kind is NoticeKind.ESCALATED:
        payload["escalate_after_working_days"] = schedule.escalate_after
    payload["beyond_holiday_data"] = schedule.beyond_holiday_data
    event = append_event(
        db.session,
        EVENT_TYPES[kind],
        request=request,
        from_status=request.status,
        to_status=request.status,
        stage=stage,
        payload=payload,
    )
    notice.audit_seq = event.seq
    return len(queue_for(event, request))
