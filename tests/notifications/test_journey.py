"""The whole journey of a request, its messages delivered by `notify work --once` to a
real SMTP server: exactly the people it concerns, once each, each message with its id."""

from __future__ import annotations

import re

from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.operations.resubmit_request import resubmit_request
from app.rules.workflow import Outcome
from tests.factories import World
from tests.notifications.support import DOMAIN, Mailbox, outbox


def test_the_journey_tells_each_person_what_they_need_once(world: World, smtp_at, notify_once):
    request = world.submitted()

    def decide(approver, outcome, **text):
        decide_stage(
            request,
            approver,
            stage=request.current_stage,
            version=request.version,
            outcome=outcome,
            **text,
        )

    decide(world.security, Outcome.APPROVE)
    decide(world.no10, Outcome.REQUEST_CHANGES, reason="Name a second account manager")
    resubmit_request(request, world.officer)
    decide(world.security_2, Outcome.APPROVE)
    decide(world.no10_2, Outcome.APPROVE)
    decide(world.cabinet_office, Outcome.APPROVE_WITH_CONDITIONS, conditions="Review in May")
    db.session.commit()
    ref, w = request.reference, world
    expected = [
        # Submitted.
        (w.security.email, f"{ref} is waiting for your decision (Security)"),
        (w.security_2.email, f"{ref} is waiting for your decision (Security)"),
        # Security approves.
        (w.no10.email, f"{ref} is waiting for your decision (No10)"),
        (w.no10_2.email, f"{ref} is waiting for your decision (No10)"),
        (w.officer.email, f"{ref} was approved at the Security stage"),
        # No10 asks for changes.
        (w.officer.email, f"Changes requested to {ref} (No10)"),
        # Resubmitted.
        (w.security.email, f"{ref} is waiting for your decision (Security)"),
        (w.security_2.email, f"{ref} is waiting for your decision (Security)"),
        # Security approves.
        (w.no10.email, f"{ref} is waiting for your decision (No10)"),
        (w.no10_2.email, f"{ref} is waiting for your decision (No10)"),
        (w.officer.email, f"{ref} was approved at the Security stage"),
        # No10 approves.
        (w.cabinet_office.email, f"{ref} is waiting for your decision (Cabinet Office)"),
        (w.cabinet_office_2.email, f"{ref} is waiting for your decision (Cabinet Office)"),
        (w.officer.email, f"{ref} was approved at the No10 stage"),
        # Cabinet Office approves with conditions: the last stage.
        (w.officer.email, f"{ref} was approved with conditions (Cabinet Office)"),
    ]

    with Mailbox() as mailbox:
        smtp_at(mailbox.url)
        result = notify_once()
        assert result.exit_code == 0, result.output
        assert "Sent 15, to retry 0, failed 0." in result.output
        received = mailbox.received
        assert sorted((m.to, m.subject) for m in received) == sorted(expected)
        assert all(m.recipients == (m.to,) for m in received)

        rows = outbox()
        assert {row.status for row in rows} == {"sent"}
        assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
        ids = [m.message_id for m in received]
        assert all(re.fullmatch(rf"<permit-outbox-\d+@{re.escape(DOMAIN)}>", i) for i in ids)
        assert sorted(ids) == sorted(f"<permit-outbox-{row.id}@{DOMAIN}>" for row in rows)

        again = notify_once()
        assert "Sent 0, to retry 0, failed 0." in again.output
        assert len(mailbox.received) == len(expected)
