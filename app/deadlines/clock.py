"""A stage's clock on the request row, set by the operations; the app's working calendar.

Every operation that moves a request calls `set_stage_clock` in its transaction, right
where it sets `current_stage`: reaching a stage (submitted, resubmitted, approved at the
stage before) starts the clock; leaving review (changes requested, rejected, approved,
withdrawn) stops it, so no clock runs while the request is back with its officers, and a
resubmission starts the first stage afresh.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.deadlines.schedule import StageSchedule, schedule_for
from app.deadlines.working_days import WorkingCalendar, london_day
from app.extensions import db
from app.models.platforms import PipelineStage
from app.models.requests import AccessRequest
from app.models.types import utcnow
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS, Status

#: How far ahead the admin page looks for dates beyond the bank holiday data: time enough
#: to install a newer govuk-bank-holidays before the first due date it would get wrong.
WARNING_HORIZON = timedelta(days=90)


def calendar() -> WorkingCalendar:
    """The working calendar with this app's closure days (made once per app)."""
    made = current_app.extensions.get("permit_calendar")
    if made is None:
        made = WorkingCalendar(current_app.config["PERMIT_CLOSURE_DAYS"])
        current_app.extensions["permit_calendar"] = made
    return made


def escalate_after() -> int:
    return int(current_app.config["SLA_ESCALATE_AFTER_DAYS"])


def target_for(request: AccessRequest, stage_code: str) -> int:
    """The stage's target in the request's pipeline version (the default if it has no
    such stage)."""
    step = request.step(stage_code)
    return step.target_working_days if step is not None else DEFAULT_TARGET_WORKING_DAYS


def schedule_of(request: AccessRequest, target: int | None = None) -> StageSchedule | None:
    """The current stage's schedule, or None when no stage's clock runs."""
    if request.stage_started_at is None or request.current_stage is None:
        return None
    if target is None:
        target = target_for(request, request.current_stage)
    return schedule_for(
        request.stage_started_at, target, calendar(), escalate_after=escalate_after()
    )


def set_stage_clock(request: AccessRequest, now: datetime) -> None:
    """Start the current stage's clock at `now`, or stop it if no stage is deciding."""
    if Status(request.status) is Status.IN_REVIEW and request.current_stage is not None:
        request.stage_started_at = now
        schedule = schedule_of(request)
        assert schedule is not None
        request.stage_due_on = schedule.due_on
    else:
        request.stage_started_at = None
        request.stage_due_on = None


def london_today() -> date:
    return london_day(utcnow())


def holiday_data_warning() -> str | None:
    """What the admin page warns of: a due date, or the next few months, beyond the years
    the bank holiday data covers. None when all is well."""
    working = calendar()
    latest_due = db.session.scalar(select(func.max(AccessRequest.stage_due_on)))
    longest = db.session.scalar(select(func.max(PipelineStage.target_working_days)))
    horizon = working.add_working_days(
        london_today() + WARNING_HORIZON, (longest or 0) + escalate_after() + 1
    )
    if not working.beyond_holiday_data(horizon, *([latest_due] if latest_due else [])):
        return None
    return (
        f"England and Wales bank holidays are known only up to {working.last_year}. "
        f"Due dates from 1 January {working.last_year + 1} count weekends and closure days "
        "only, and will miss that year's bank holidays. Install a newer version of the "
        "govuk-bank-holidays package, then run flask sla tick to correct the due dates."
    )
