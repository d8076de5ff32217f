"""A person who chose a daily digest gets one email a day telling every update since the
last, and nothing in between; `notify digest` is idempotent per person per day."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from flask import Flask
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import AccessRequest, AuditEvent, OutboxMessage, User
from app.models.users import NotificationFrequency
from app.operations.choose_notification_frequency import choose_notification_frequency
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome
from tests.factories import World
from tests.notifications.support import Mailbox, outbox

#: 7am on Monday 7 December 2026 in London (GMT: the same as UTC).
MONDAY_MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def digest(app: Flask) -> str:
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    return result.output


def test_a_daily_person_gets_one_email_a_day_with_every_update_and_nothing_between(
    app: Flask, world: World, smtp_at, notify_once
):
    choose_notification_frequency(world.security, NotificationFrequency.DAILY)
    first = world.submitted()
    second = world.submitted()
    db.session.commit()
    daily, other = world.security.email, world.security_2.email
    refs = first.reference, second.reference

    with Mailbox() as mailbox:
        smtp_at(mailbox.url)
        assert "Sent 2, to retry 0, failed 0." in notify_once().output
        # Sid chose emails as they happen; Sally's are held for her digest.
        assert sorted(m.to for m in mailbox.received) == [other, other]
        held = [row for row in outbox() if row.recipient_email == daily]
        assert [row.status for row in held] == ["held", "held"]

        with time_machine.travel(MONDAY_MORNING, tick=False):
            assert "Wrote 1 digest, telling 2 messages." in digest(app)
            assert "Sent 1, to retry 0, failed 0." in notify_once().output

        mail = mailbox.received[-1]
        assert mail.to == daily
        assert mail.subject == "Permit: 2 updates for you, 7 December 2026"
        text = mail.message.get_content()
        for ref in refs:
            assert f"{ref} is waiting for your decision (Security)" in text
            assert f"/review/{ref}/decide" in text
        assert "Two-person rule" not in text  # the requests' own content stays behind sign-in

        # Idempotent that day: a second run (or a second host) writes nothing more.
        with time_machine.travel(MONDAY_MORNING.replace(hour=9), tick=False):
            assert "Wrote 0 digests, telling 0 messages." in digest(app)
            assert "Sent 0, to retry 0, failed 0." in notify_once().output
        assert len(mailbox.received) == 3

    rows = outbox()
    digests = [row for row in rows if row.kind == "digest"]
    assert len(digests) == 1 and digests[0].audit_seq is None
    told = [row for row in rows if row.digest_id == digests[0].id]
    assert sorted(row.status for row in told) == ["digested", "digested"]
    assert digests[0].personalisation["count"] == "2"
    assert len(digests[0].personalisation["updates"]) == 2


def test_what_arrives_after_the_days_digest_waits_for_the_next_day(
    app: Flask, world: World, smtp_at, notify_once
):
    choose_notification_frequency(world.officer, NotificationFrequency.DAILY)
    request = world.submitted()
    db.session.commit()
    decide_stage(
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    db.session.commit()
    request_id, no10_id = request.id, world.no10.id
    with time_machine.travel(MONDAY_MORNING, tick=False):
        assert "Wrote 1 digest, telling 1 messages." in digest(app)
    request = db.session.get_one(AccessRequest, request_id)
    decide_stage(
        request,
        db.session.get_one(User, no10_id),
        stage="no10",
        version=request.version,
        outcome=Outcome.APPROVE,
    )
    db.session.commit()
    with time_machine.travel(MONDAY_MORNING.replace(hour=15), tick=False):
        output = digest(app)
    assert "Wrote 0 digests" in output
    assert "1 people already had today's digest" in output
    with time_machine.travel(MONDAY_MORNING.replace(day=8), tick=False):
        assert "Wrote 1 digest, telling 1 messages." in digest(app)
    days = sorted(row.digest_day.isoformat() for row in outbox() if row.kind == "digest")
    assert days == ["2026-12-07", "2026-12-08"]


def test_nobody_with_nothing_held_gets_a_digest(app: Flask, world: World):
    choose_notification_frequency(world.security, NotificationFrequency.DAILY)
    db.session.commit()
    assert "Wrote 0 digests, telling 0 messages." in digest(app)
    assert outbox() == []


def test_choosing_emails_again_sends_what_was_held_at_once(world: World, smtp_at, notify_once):
    choose_notification_frequency(world.security, NotificationFrequency.DAILY)
    world.submitted()
    db.session.commit()
    assert choose_notification_frequency(world.security, NotificationFrequency.IMMEDIATE)
    db.session.commit()
    email = world.security.email
    with Mailbox() as mailbox:
        smtp_at(mailbox.url)
        assert "Sent 2, to retry 0, failed 0." in notify_once().output
        assert email in {m.to for m in mailbox.received}
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == EventType.NOTIFICATION_FREQUENCY_CHANGED)
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    assert event.payload["to"] == "immediate" and event.payload["released"] == 1


def test_choosing_what_you_have_already_writes_nothing(world: World):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert not choose_notification_frequency(world.officer, NotificationFrequency.IMMEDIATE)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_person_deactivated_before_their_digest_gets_none(app: Flask, world: World):
    choose_notification_frequency(world.security, NotificationFrequency.DAILY)
    world.submitted()
    world.security.active = False
    db.session.commit()
    assert "Wrote 0 digests" in digest(app)
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "digest")
        )
        == 0
    )
