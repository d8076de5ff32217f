"""What each deadline message says: plain words, the reference, platform, department,
stage and dates only, and the same facts as GOV.UK Notify's personalisation."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, User
from app.operations.set_stage_lead import set_stage_lead
from tests.deadlines.support import london


def message_to(name: str, kind: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage)
        .join(User, User.id == OutboxMessage.recipient_id)
        .where(User.display_name == name, OutboxMessage.kind == kind)
    ).one()


def test_one_message_of_each_kind(app, world, clock, tick):
    base = app.config["PERMIT_BASE_URL"].rstrip("/")
    set_stage_lead(world.security_2, None, stage_code="security")
    clock(london(2026, 12, 24, 16, 0))
    request = world.submitted(purpose="Something secret that must not be emailed")
    db.session.commit()
    ref = request.reference
    about = (
        f"Request {ref} (Department for Science, Innovation and Technology, TikTok) has "
        "waited for a decision at the Security stage since 24 December 2026. The target is "
        "5 working days."
    )
    for moment in (london(2027, 1, 4, 8, 0), london(2027, 1, 6, 8, 0), london(2027, 1, 8, 8, 0)):
        clock(moment)
        tick()

    soon = message_to("Sally Security", "stage_due_soon")
    assert soon.subject == f"{ref} is due for a decision by Tuesday 5 January 2027 (Security)"
    assert soon.body == (
        f"{about} Decide on it by the end of Tuesday 5 January 2027.\n\n"
        f"Decide on it:\n{base}/review/{ref}/decide\n\n"
        "You get this email because you sign the Security stage.\n\nPermit\n"
    )
    overdue = message_to("Sally Security", "stage_overdue")
    assert overdue.subject == f"{ref} is overdue for a decision (Security)"
    assert overdue.body == (
        f"{about} A decision was due by the end of Tuesday 5 January 2027: it is now "
        f"overdue.\n\nDecide on it:\n{base}/review/{ref}/decide\n\n"
        "You get this email because you sign the Security stage.\n\nPermit\n"
    )
    escalated = message_to("Sid Security", "stage_escalated")
    assert escalated.subject == f"{ref} is 2 working days overdue at the Security stage"
    assert escalated.body == (
        f"{about} A decision was due by the end of Tuesday 5 January 2027, and it is now 2 "
        "working days overdue. As a lead of the Security stage, please make sure someone "
        f"decides on it.\n\nSee the request:\n{base}/requests/{ref}\n\n"
        "You get this email because you lead the Security stage.\n\nPermit\n"
    )
    common = {
        "reference": ref,
        "department": "Department for Science, Innovation and Technology",
        "platform": "TikTok",
        "stage": "Security",
        "next_stage": "",
        "due_date": "Tuesday 5 January 2027",
    }
    assert soon.personalisation == {**common, "link": f"{base}/review/{ref}/decide"}
    assert overdue.personalisation == soon.personalisation
    assert escalated.personalisation == {**common, "link": f"{base}/requests/{ref}"}
    for message in (soon, overdue, escalated):
        assert "secret" not in message.body + message.subject + str(message.personalisation)
