"""The operations start and stop a stage's clock, in the same transaction as their event,
with the clock frozen (time-machine) at moments on either side of midnight and of the
clock changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from app.deadlines.clock import calendar
from app.extensions import db
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import Outcome
from tests.deadlines.support import london
from tests.deadlines.test_working_days import NEAR_MIDNIGHT
from tests.web.review.support import decide


@pytest.mark.parametrize(
    ("moment", "london_date", "due"),
    [pytest.param(*row[:3], id=row[3]) for row in NEAR_MIDNIGHT],
)
def test_a_submission_near_midnight_is_due_from_its_london_date(
    world, clock, moment, london_date, due
):
    clock(moment)
    request = world.submitted()
    db.session.commit()
    db.session.expire_all()
    assert request.stage_started_at == moment
    assert request.stage_due_on == due


def test_approval_starts_the_next_stage_and_any_other_outcome_stops_the_clock(world, clock):
    clock(london(2026, 12, 24, 16, 0))
    approved = world.submitted()
    sent_back = world.submitted()
    rejected = world.submitted()
    withdrawn = world.submitted()
    db.session.commit()
    assert approved.stage_due_on == date(2027, 1, 5)

    clock(london(2027, 1, 4, 9, 30))
    decide(approved, world.security)
    assert (approved.current_stage, approved.stage_started_at) == (
        "no10",
        london(2027, 1, 4, 9, 30),
    )
    assert approved.stage_due_on == date(2027, 1, 11)  # Tue 5 ... Mon 11 January
    decide(sent_back, world.security, Outcome.REQUEST_CHANGES, reason="More detail")
    decide(rejected, world.security, Outcome.REJECT, reason="No")
    withdraw_request(withdrawn, world.officer)
    db.session.commit()
    for request in (sent_back, rejected, withdrawn):
        assert (request.stage_started_at, request.stage_due_on) == (None, None), request.status

    decide(approved, world.no10)
    decide(approved, world.cabinet_office)
    assert approved.status == "approved"
    assert (approved.stage_started_at, approved.stage_due_on) == (None, None)


def test_each_pipeline_step_has_its_own_target(world, clock):
    for pipeline_step in world.platform.pipeline:
        if pipeline_step.stage_code == "no10":
            pipeline_step.target_working_days = 2
    db.session.commit()
    clock(london(2026, 12, 23, 10, 0))
    request = world.submitted()
    assert request.stage_due_on == date(2027, 1, 4)  # Security: the default 5
    decide(request, world.security)
    assert request.stage_due_on == date(2026, 12, 29)  # No10: 2 (Thu 24, Tue 29)


def test_closure_days_come_from_the_configuration(app, world, clock, monkeypatch):
    monkeypatch.setitem(
        app.config, "PERMIT_CLOSURE_DAYS", frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    )
    monkeypatch.delitem(app.extensions, "permit_calendar", raising=False)
    try:
        clock(london(2026, 12, 23, 10, 0))
        request = world.submitted()
        assert request.stage_due_on == date(2027, 1, 6)  # not 4 January
        assert not calendar().is_working_day(date(2026, 12, 31))
    finally:
        app.extensions.pop("permit_calendar", None)  # the next test's calendar has none


def test_a_target_below_one_working_day_is_refused_by_the_database(world):
    world.platform.pipeline[0].target_working_days = 0
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
