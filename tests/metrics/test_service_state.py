"""The service's state, read from the database at each scrape: requests in review and
overdue per stage, the outbox, the audit chain and its last verification."""

from __future__ import annotations

import math
from datetime import timedelta

import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from app.audit.checks import request_check, run_due_checks
from app.deadlines.working_days import london_day
from app.extensions import db
from app.metrics.service_state import ServiceStateCollector
from app.models import AccessRequest, AuditEvent
from app.models.audit_checks import CheckScope
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.types import utcnow
from tests import outbox
from tests.metrics.support import scrape, value
from tests.web.review.support import at_stage

STAGES = ("security", "no10", "cabinet_office")


def test_requests_in_review_and_overdue_are_counted_per_stage(world):
    world.draft()  # not in review
    at_stage(world, "security")
    late = at_stage(world, "security")
    at_stage(world, "no10")
    yesterday = london_day(utcnow()) - timedelta(days=1)
    db.session.execute(
        update(AccessRequest).where(AccessRequest.id == late.id).values(stage_due_on=yesterday)
    )
    db.session.commit()
    in_review = {stage: value("permit_requests_in_review", stage=stage) for stage in STAGES}
    overdue = {stage: value("permit_requests_overdue", stage=stage) for stage in STAGES}
    assert in_review == {"security": 2, "no10": 1, "cabinet_office": 0}
    assert overdue == {"security": 1, "no10": 0, "cabinet_office": 0}


def test_a_request_due_today_is_not_overdue(world):
    request = at_stage(world, "security")
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request.id)
        .values(stage_due_on=london_day(utcnow()))
    )
    db.session.commit()
    assert value("permit_requests_overdue", stage="security") == 0


def test_every_stage_is_reported_when_nothing_waits(world):
    db.session.commit()
    samples = scrape()
    for name in ("permit_requests_in_review", "permit_requests_overdue"):
        for stage in STAGES:
            assert samples[(name, frozenset({("stage", stage)}))] == 0


def outbox_count(status: DeliveryStatus) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
    return int(db.session.scalar(query) or 0)


def test_the_outbox_backlog_and_failures_are_counted(world):
    assert value("permit_outbox_messages", status="pending") == 0
    outbox.failed(world)
    outbox.pending(world)
    assert outbox_count(DeliveryStatus.FAILED) == 1
    for status in DeliveryStatus:
        assert value("permit_outbox_messages", status=str(status)) == outbox_count(status)
    assert value("permit_outbox_messages", status="pending") >= 1


def test_the_oldest_pending_message_has_an_age(world):
    assert value("permit_outbox_oldest_pending_age_seconds") == 0
    outbox.pending(world)
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):
        age = value("permit_outbox_oldest_pending_age_seconds")
    assert 3600 <= age < 3660


def test_the_chain_length_is_the_number_of_audit_events(world):
    at_stage(world, "no10")
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert events
    assert value("permit_audit_chain_length") == events


def test_the_time_since_verification_follows_the_last_check_that_passed(world):
    at_stage(world, "security")
    assert value("permit_audit_seconds_since_verified") == math.inf
    request_check(CheckScope.FULL, world.auditor)
    db.session.commit()
    [outcome] = run_due_checks()
    assert outcome.status == "passed"
    assert value("permit_audit_seconds_since_verified") < 60
    assert value("permit_audit_chain_broken") == 0
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        since = value("permit_audit_seconds_since_verified")
    assert 7200 <= since < 7260


def test_a_database_that_cannot_be_read_says_so_and_the_scrape_goes_on():
    def unreadable():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    families = list(ServiceStateCollector(unreadable).collect())
    assert [(f.name, [s.value for s in f.samples]) for f in families] == [
        ("permit_database_up", [0])
    ]
