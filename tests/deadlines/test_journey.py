"""A request's deadlines from submission to escalation, with the clock frozen and moved.

Submitted on Wednesday 23 December 2026, Security's 5 working days end on Monday
4 January 2027 (Christmas Day, Boxing Day's substitute Monday and New Year's Day do not
count). Security is reminded on Thursday 31 December and approves; No10 sends it back for
changes, and while the officer has it no clock runs. Resubmitted on Wednesday 13 January,
Security starts again: due Wednesday 20 January, reminded Tuesday 19th, told it is overdue
on Thursday 21st and, 2 working days overdue, its lead is told on Monday 25 January.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import AccessRequest, OutboxMessage, User
from app.operations.deactivate_user import deactivate_user
from app.operations.resubmit_request import resubmit_request
from app.operations.set_stage_lead import set_stage_lead
from app.rules.roles import Role
from app.rules.workflow import Outcome
from tests import factories
from tests.deadlines.support import (
    DEADLINE_EVENTS,
    deadline_events,
    deadline_messages,
    london,
    notices,
)
from tests.web.review.support import decide, element, text_of, timeline


def messages_by_kind() -> list[tuple[str, list[str]]]:
    """(kind, sorted recipient names) per deadline event, in the order written."""
    by_event: dict[int, tuple[str, list[str]]] = {}
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboxMessage.audit_seq, OutboxMessage.kind, User.display_name)
        .join(User, User.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.kind.in_(DEADLINE_EVENTS))
    )
    for seq, kind, name in rows:
        by_event.setdefault(seq, (kind, []))[1].append(name)
    return [(kind, sorted(names)) for _, (kind, names) in sorted(by_event.items())]


def test_reminders_overdue_and_escalation_each_once(world, clock, tick, client_for):
    set_stage_lead(world.security_2, None, stage_code="security")
    set_stage_lead(world.no10, None, stage_code="no10")  # another stage's lead: not told
    gone = factories.make_user(Role.APPROVER, stages=("security",), name="Gail Gone")
    set_stage_lead(gone, None, stage_code="security")
    deactivate_user(gone, None)  # an inactive lead: not told
    db.session.commit()

    # Submitted: Security's clock starts.
    clock(london(2026, 12, 23, 10, 0))
    request = world.submitted()
    db.session.commit()
    reference = request.reference
    assert request.stage_due_on == date(2027, 1, 4)
    queue = client_for(world.security).get("/review/").get_data(as_text=True)
    assert "4 January 2027" in text_of(element(queue, "queue")) and "Overdue" not in queue
    page = client_for(world.officer).get(f"/requests/{reference}").get_data(as_text=True)
    assert text_of(element(page, "decision-expected")) == (
        "Security: expected by Monday 4 January 2027"
    )

    clock(london(2026, 12, 30, 9, 0))  # working day 3 of 5: nothing yet
    assert "wrote 0 notices" in tick().output

    clock(london(2026, 12, 31, 0, 5))  # working day 4: the reminder
    first = tick().output
    assert f"Reminder {reference} at Security (due Monday 4 January 2027): told 2 people." in first
    assert "wrote 1 notice (1 reminder, 0 overdue, 0 escalations); 0 already written." in first
    again = tick().output
    assert "wrote 0 notices (0 reminders, 0 overdue, 0 escalations); 1 already written." in again
    assert messages_by_kind() == [("stage_due_soon", ["Sally Security", "Sid Security"])]

    # Security approves; No10 sends it back before its own reminder would have come.
    clock(london(2026, 12, 31, 10, 0))
    decide(request, world.security)
    assert request.stage_due_on == date(2027, 1, 8)  # No10: Mon 4 ... Fri 8 January
    clock(london(2027, 1, 4, 11, 0))
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Say who moderates comments")
    assert (request.stage_started_at, request.stage_due_on) == (None, None)

    # With the officer: no clock runs, long past what No10's dates would have been.
    clock(london(2027, 1, 13, 9, 0))
    output = tick().output
    assert "0 requests waiting at a stage; wrote 0 notices" in output

    # Resubmitted: the pipeline starts again at Security, whose clock starts afresh.
    clock(london(2027, 1, 13, 10, 0))
    resubmit_request(request, world.officer)
    db.session.commit()
    assert request.current_stage == "security"
    assert request.stage_due_on == date(2027, 1, 20)

    clock(london(2027, 1, 18, 23, 0))
    assert "wrote 0 notices" in tick().output
    clock(london(2027, 1, 19, 0, 1))  # working day 4 of revision 2: reminded again
    assert f"Reminder {reference} at Security (due Wednesday 20 January 2027)" in tick().output

    clock(london(2027, 1, 21, 0, 1))  # the day after the due date
    assert f"Overdue {reference} at Security (due Wednesday 20 January 2027): told 2" in (
        tick().output
    )
    queue = client_for(world.security).get("/review/").get_data(as_text=True)
    assert "20 January 2027 Overdue" in text_of(element(queue, "queue"))
    page = client_for(world.officer).get(f"/requests/{reference}").get_data(as_text=True)
    assert text_of(element(page, "decision-expected")) == (
        "Overdue Security: overdue since Thursday 21 January 2027 "
        "(expected by Wednesday 20 January 2027)"
    )

    clock(london(2027, 1, 22, 12, 0))  # 1 working day overdue: not yet escalated
    assert "wrote 0 notices" in tick().output
    clock(london(2027, 1, 25, 0, 1))  # 2 whole working days overdue: the lead is told
    output = tick().output
    assert (
        f"Escalation {reference} at Security (due Wednesday 20 January 2027): told 1 person."
        in (output)
    )
    assert "1 already written" in output  # the overdue notice, not again
    assert "wrote 0 notices" in tick().output

    assert messages_by_kind() == [
        ("stage_due_soon", ["Sally Security", "Sid Security"]),  # revision 1
        ("stage_due_soon", ["Sally Security", "Sid Security"]),  # revision 2
        ("stage_overdue", ["Sally Security", "Sid Security"]),
        ("stage_escalated", ["Sid Security"]),  # the active lead only
    ]
    assert notices() == [
        (reference, 1, "security", "due_soon"),
        (reference, 2, "security", "due_soon"),
        (reference, 2, "security", "overdue"),
        (reference, 2, "security", "escalated"),
    ]
    events = deadline_events()
    assert [
        (e.event_type, e.stage, e.payload["revision"], e.payload["due_on"]) for e in events
    ] == [
        ("stage_due_soon", "security", 1, "2027-01-04"),
        ("stage_due_soon", "security", 2, "2027-01-20"),
        ("stage_overdue", "security", 2, "2027-01-20"),
        ("stage_escalated", "security", 2, "2027-01-20"),
    ]
    for event in events:
        assert (event.actor_id, event.actor_email, event.actor_roles) == (None, None, [])
        assert (event.from_status, event.to_status) == ("in_review", "in_review")
        assert event.request_reference == reference and "version" not in event.payload
        assert event.payload["target_working_days"] == 5
        assert event.payload["beyond_holiday_data"] is False
    assert events[-1].payload["escalate_after_working_days"] == 2
    assert events[1].payload["stage_started_at"] == "2027-01-13T10:00:00.000000Z"
    # The request's history tells the officer, too, that the stage was chased.
    page = client_for(world.officer).get(f"/requests/{reference}").get_data(as_text=True)
    chased = [item for item in timeline(page) if item["byline"] == "by the system"]
    assert [(item["title"], item["description"]) for item in chased] == [
        (
            "Overdue decision escalated to the Security leads",
            "Revision 2 Decision due by: Wednesday 20 January 2027",
        ),
        (
            "Security told the decision is overdue",
            "Revision 2 Decision due by: Wednesday 20 January 2027",
        ),
        (
            "Security reminded of the due date",
            "Revision 2 Decision due by: Wednesday 20 January 2027",
        ),
        ("Security reminded of the due date", "Revision 1 Decision due by: Monday 4 January 2027"),
    ]
    # Nothing on the request changed: an approver's open decision page is still current.
    db.session.expire_all()
    stored = db.session.get(AccessRequest, request.id)
    assert stored is not None and stored.version == request.version


def test_a_notice_goes_only_to_approvers_who_may_decide(world, clock, tick):
    """The approver who filed the request, and one who decided another of its stages,
    cannot decide it: they are not reminded (the queue does not list it for them either)."""
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security", "no10")
    )
    clock(london(2026, 12, 23, 10, 0))
    filed_by_both = world.submitted(author=both)
    signed_security = world.submitted()
    db.session.commit()
    decide(signed_security, both)  # now at No10, which `both` also signs
    db.session.commit()
    clock(london(2027, 1, 20, 9, 0))  # long overdue, both of them
    tick()
    sent = {(s.reference, s.kind, s.to) for s in deadline_messages()}
    assert (filed_by_both.reference, "stage_overdue", both.display_name) not in sent
    assert (signed_security.reference, "stage_overdue", both.display_name) not in sent
    assert (filed_by_both.reference, "stage_overdue", "Sally Security") in sent
    assert (signed_security.reference, "stage_overdue", "Nina Number-Ten") in sent
