"""`flask sla tick`: what it prints, the beyond-the-data warning (also on the admin page),
due dates it sets or corrects, and how one request's trouble leaves the others alone."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import update

from app.deadlines import tick as tick_module
from app.extensions import db
from app.models import AccessRequest, DeadlineNotice
from app.operations.set_stage_lead import set_stage_lead
from tests.deadlines.support import (
    TickProcess,
    deadline_events,
    deadline_messages,
    london,
    notices,
)
from tests.notifications.support import wait_for


def test_it_prints_a_line_per_notice_and_a_summary(world, clock, tick):
    set_stage_lead(world.security_2, None, stage_code="security")
    clock(london(2026, 12, 23, 10, 0))
    late = world.submitted()
    clock(london(2026, 12, 31, 10, 0))
    soon = world.submitted()
    db.session.commit()
    clock(london(2027, 1, 7, 9, 0))
    lines = tick().output.splitlines()
    assert lines == [
        f"Overdue {late.reference} at Security (due Monday 4 January 2027): told 2 people.",
        f"Escalation {late.reference} at Security (due Monday 4 January 2027): told 1 person.",
        f"Reminder {soon.reference} at Security (due Friday 8 January 2027): told 2 people.",
        "2 requests waiting at a stage; wrote 3 notices (1 reminder, 1 overdue, 1 escalation); "
        "0 already written.",
    ]


def test_an_escalation_with_no_lead_is_recorded_and_warned_of(world, clock, tick):
    clock(london(2026, 12, 23, 10, 0))
    request = world.submitted()
    db.session.commit()
    clock(london(2027, 1, 7, 9, 0))
    output = tick().output
    assert (
        f"Escalation {request.reference} at Security (due Monday 4 January 2027): told nobody."
        in output
    )
    assert "WARNING: the Security stage has no active leads." in output
    assert [e.event_type for e in deadline_events()] == ["stage_overdue", "stage_escalated"]


def test_dates_beyond_the_holiday_data_are_counted_and_warned_of(world, clock, tick):
    # Wednesday 20 December 2028: due Friday 29th; the data ends with 2028, so New Year's
    # Day 2029 counts as a working day, and the escalation falls on Wednesday 3 January.
    clock(london(2028, 12, 20, 10, 0))
    request = world.submitted()
    db.session.commit()
    assert request.stage_due_on == date(2028, 12, 29)
    clock(london(2028, 12, 28, 9, 0))
    output = tick().output
    assert (
        f"WARNING: {request.reference} at Security: its dates run to Wednesday 3 January 2029, "
        "beyond the bank holiday data (which ends in 2028); they count weekends and closure "
        "days only. Install a newer govuk-bank-holidays." in output.splitlines()
    )
    assert f"Reminder {request.reference} at Security (due Friday 29 December 2028)" in output
    [event] = deadline_events()
    assert event.payload["beyond_holiday_data"] is True


def test_the_admin_page_warns_months_before_the_holiday_data_ends(world, clock, client_for):
    clock(london(2026, 12, 1, 10, 0))
    page = client_for(world.admin).get("/admin/").get_data(as_text=True)
    assert 'id="holiday-data-warning"' not in page
    clock(london(2028, 10, 2, 10, 0))  # 90 days on is 31 December 2028: time to upgrade
    page = client_for(world.admin).get("/admin/").get_data(as_text=True)
    assert 'id="holiday-data-warning"' in page
    assert "England and Wales bank holidays are known only up to 2028." in page
    assert "Install a newer version of the govuk-bank-holidays package" in page


def test_a_request_waiting_with_no_clock_gets_one_and_a_changed_calendar_moves_dates(
    app, world, clock, tick, monkeypatch
):
    """Requests waiting when deadlines were switched on (migration 0007 starts their clock;
    a bulk import may not), and due dates after the calendar changes."""
    clock(london(2026, 12, 23, 10, 0))
    unclocked, clocked = world.submitted(), world.submitted()
    db.session.commit()
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == unclocked.id)
        .values(stage_started_at=None, stage_due_on=None)
    )
    db.session.commit()
    clock(london(2026, 12, 24, 9, 0))
    output = tick().output
    assert f"Due date {unclocked.reference} at Security: Tuesday 5 January 2027." in output
    db.session.expire_all()
    assert unclocked.stage_started_at == london(2026, 12, 24, 9, 0)
    assert clocked.stage_due_on == date(2027, 1, 4)

    # A closure day is added (the service restarts with it): the tick moves the dates.
    monkeypatch.setitem(app.config, "PERMIT_CLOSURE_DAYS", frozenset({date(2026, 12, 31)}))
    monkeypatch.delitem(app.extensions, "permit_calendar", raising=False)
    try:
        output = tick().output
    finally:
        app.extensions.pop("permit_calendar", None)
    assert (
        f"Due date {clocked.reference} at Security: Tuesday 5 January 2027 "
        "(was Monday 4 January 2027)." in output
    )
    db.session.expire_all()
    assert clocked.stage_due_on == date(2027, 1, 5)


def test_a_notice_written_meanwhile_is_left_alone_and_the_rest_still_written(
    world, clock, tick, monkeypatch
):
    """Should a tick that does not hold the request's lock write a notice between this
    one's check and its insert, the unique key refuses the insert: that notice's
    SAVEPOINT is undone, and the request's other notices are still written."""
    set_stage_lead(world.security_2, None, stage_code="security")
    clock(london(2026, 12, 23, 10, 0))
    request = world.submitted()
    db.session.commit()
    db.session.add(
        DeadlineNotice(
            request_id=request.id,
            revision=1,
            stage_code="security",
            kind="overdue",
            due_on=date(2027, 1, 4),
        )
    )
    db.session.commit()
    monkeypatch.setattr(tick_module, "already_written", lambda key: False)
    clock(london(2027, 1, 7, 9, 0))
    output = tick().output
    assert "wrote 1 notice (0 reminders, 0 overdue, 1 escalation); 1 already written." in output
    assert [e.event_type for e in deadline_events()] == ["stage_escalated"]
    assert {s.kind for s in deadline_messages()} == {"stage_escalated"}


def test_a_request_that_fails_is_rolled_back_alone_and_the_command_says_so(
    world, clock, tick, monkeypatch
):
    clock(london(2026, 12, 23, 10, 0))
    broken, fine = world.submitted(), world.submitted()
    db.session.commit()
    real, broken_id = tick_module.queue_for, broken.id

    def queue_for(event, request):
        if request.id == broken_id:
            raise RuntimeError("the outbox is on fire")
        return real(event, request)

    monkeypatch.setattr(tick_module, "queue_for", queue_for)
    clock(london(2027, 1, 5, 9, 0))
    result = tick()
    assert result.exit_code == 1
    assert f"1 request failed ({broken.reference}): see the log" in result.output
    assert [(e.event_type, e.request_reference) for e in deadline_events()] == [
        ("stage_overdue", fine.reference)
    ]
    assert [row[0] for row in notices()] == [fine.reference]  # nothing of the broken one's
    monkeypatch.setattr(tick_module, "queue_for", real)
    assert f"Overdue {broken.reference}" in tick().output  # the next tick tries again


def test_every_seconds_loops_quietly_until_sigterm(database_url, world, clock, tmp_path):
    clock(london(2026, 12, 23, 10, 0))
    reference = world.submitted().reference
    db.session.commit()
    db.session.remove()
    url = db.engine.url.render_as_string(hide_password=False)
    loop = TickProcess(url, london(2027, 1, 5, 9, 0), tmp_path / "clock.log", "--every", "1")
    try:
        wait_for(lambda: "wrote 1 notice" in loop.output(), "the first tick's notice")
        time.sleep(2.5)  # two or three more ticks, a second apart, with nothing to say
        assert loop.stop() == 0
    finally:
        loop.kill()
    output = loop.output()
    # Said once: the ticks after the first had nothing to say.
    assert output.count("wrote") == 1 and output.count(f"Overdue {reference}") == 1
