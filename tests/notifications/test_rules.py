"""Who hears what, through the real operations: each change writes its messages into the
outbox in its own transaction, to the people it concerns and nobody else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, User
from app.operations.decide_stage import decide_stage
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome, StaleRequest, Status
from tests.factories import World, make_user
from tests.operations.support import approve, deactivated, request_in, send_back

Told = set[tuple[str, str]]


def last_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))


def told_since(mark: int) -> Told:
    """(kind, recipient's email) of every message written after `mark`."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > mark))
    return {(row.kind, row.recipient_email) for row in rows}


def to(kind: str, *users: User) -> Told:
    return {(kind, user.email) for user in users}


def decide(request, approver: User, outcome: Outcome, **text: str) -> None:
    decide_stage(
        request,
        approver,
        stage=request.current_stage,
        version=request.version,
        outcome=outcome,
        **text,
    )


def test_submitting_tells_every_approver_of_the_first_stage_and_not_the_officer(world: World):
    mark = last_id()
    world.submitted()
    assert told_since(mark) == to("stage_waiting", world.security, world.security_2)


def test_approval_at_security_tells_no10_and_the_officer(world: World):
    request = request_in(world, Status.IN_REVIEW)
    mark = last_id()
    decide(request, world.security, Outcome.APPROVE)
    assert told_since(mark) == to("stage_waiting", world.no10, world.no10_2) | to(
        "stage_approved", world.officer
    )


def test_approval_with_conditions_at_the_last_stage_tells_only_the_officer(world: World):
    request = request_in(world, Status.IN_REVIEW)
    approve(world, request, "security", "no10")
    mark = last_id()
    decide(request, world.cabinet_office, Outcome.APPROVE_WITH_CONDITIONS, conditions="Two")
    assert told_since(mark) == to("approved_with_conditions", world.officer)


def test_plain_approval_at_the_last_stage_tells_the_officer_it_is_approved(world: World):
    request = request_in(world, Status.IN_REVIEW)
    approve(world, request, "security", "no10")
    mark = last_id()
    decide(request, world.cabinet_office, Outcome.APPROVE)
    assert told_since(mark) == to("approved", world.officer)


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [(Outcome.REQUEST_CHANGES, "changes_requested"), (Outcome.REJECT, "rejected")],
)
def test_sending_back_or_rejecting_tells_only_the_officer(world: World, outcome, kind):
    request = request_in(world, Status.IN_REVIEW)
    approve(world, request, "security")
    mark = last_id()
    decide(request, world.no10, outcome, reason="Not yet")
    assert told_since(mark) == to(kind, world.officer)


def test_resubmitting_tells_the_first_stage_again(world: World):
    request = request_in(world, Status.IN_REVIEW)
    send_back(world, request, at="no10")
    mark = last_id()
    resubmit_request(request, world.officer)
    assert told_since(mark) == to("stage_waiting", world.security, world.security_2)


def test_withdrawing_tells_the_approvers_of_the_stage_it_waited_at(world: World):
    request = request_in(world, Status.IN_REVIEW)
    approve(world, request, "security")
    mark = last_id()
    withdraw_request(request, world.officer, reason="Plans changed")
    assert told_since(mark) == to("withdrawn", world.no10, world.no10_2)


def test_withdrawing_a_request_no_stage_is_waiting_for_tells_nobody(world: World):
    request = request_in(world, Status.CHANGES_REQUESTED)
    mark = last_id()
    withdraw_request(request, world.officer)
    assert told_since(mark) == set()


def test_an_officer_who_also_signs_security_is_not_told_of_their_own_submission(world: World):
    both = make_user(Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",))
    mark = last_id()
    world.submitted(author=both)
    assert told_since(mark) == to("stage_waiting", world.security, world.security_2)


def test_an_approver_of_two_stages_is_not_told_the_next_waits_for_them(world: World):
    request = request_in(world, Status.IN_REVIEW)
    both = make_user(Role.APPROVER, stages=("security", "no10"))
    mark = last_id()
    decide(request, both, Outcome.APPROVE)
    assert told_since(mark) == to("stage_waiting", world.no10, world.no10_2) | to(
        "stage_approved", world.officer
    )


def test_nobody_is_told_a_stage_waits_for_them_where_they_may_not_decide(world: World):
    # Filed it: an officer who also signs No10 may not decide their own request there.
    filer = make_user(Role.OFFICER, Role.APPROVER, department=world.department, stages=("no10",))
    request = world.submitted(author=filer)
    # Decided another stage of it: Sally signed Security, so No10 is not hers to sign.
    sally = world.security
    sally.stage_codes = {"security", "no10"}
    mark = last_id()
    decide(request, sally, Outcome.APPROVE)
    assert told_since(mark) == to("stage_waiting", world.no10, world.no10_2) | to(
        "stage_approved", filer
    )


def test_auditors_and_admins_hear_nothing_even_with_stages_on_their_record(world: World):
    for user in (world.auditor, world.admin):
        user.stage_codes = {"security", "no10", "cabinet_office"}
    request = request_in(world, Status.IN_REVIEW)
    send_back(world, request, at="no10")
    resubmit_request(request, world.officer)
    approve(world, request, "security")
    withdraw_request(request, world.officer)
    recipients = {email for _, email in told_since(0)}
    assert recipients  # the journey did tell people
    assert world.auditor.email not in recipients
    assert world.admin.email not in recipients


def test_a_deactivated_approver_is_not_told(world: World):
    deactivated(world.security_2)
    mark = last_id()
    world.submitted()
    assert told_since(mark) == to("stage_waiting", world.security)


def test_a_deactivated_officer_is_not_told_of_the_decision(world: World):
    request = request_in(world, Status.IN_REVIEW)
    deactivated(world.officer)
    mark = last_id()
    decide(request, world.security, Outcome.REJECT, reason="No")
    assert told_since(mark) == set()


@pytest.mark.parametrize("operation", ["decide", "withdraw"])
def test_a_refused_operation_writes_no_message(world: World, operation: str):
    request = request_in(world, Status.IN_REVIEW)
    seen = request.version
    approve(world, request, "security")
    db.session.commit()
    before = told_since(0)
    with pytest.raises(StaleRequest):
        if operation == "decide":
            decide_stage(request, world.no10, stage="no10", version=seen, outcome=Outcome.APPROVE)
        else:
            withdraw_request(request, world.officer, version=seen)
    db.session.rollback()
    assert told_since(0) == before


def test_messages_are_rolled_back_with_the_change_that_wrote_them(world: World):
    request = request_in(world, Status.IN_REVIEW)
    before = told_since(0)
    decide(request, world.security, Outcome.APPROVE)
    assert told_since(0) != before  # written, in the operation's transaction
    db.session.rollback()  # as the view does when anything after the operation fails
    assert told_since(0) == before


SECRETS = {
    "purpose": "SECRET-PURPOSE-7731",
    "target_audience": "SECRET-AUDIENCE-7732",
    "justification": "SECRET-JUSTIFICATION-7733",
    "senior_responsible_owner": "SECRET-OWNER-7734",
    "account_managers": "SECRET-MANAGERS-7735",
    "device_arrangement": "SECRET-DEVICE-7736",
    "risk_mitigations": "SECRET-MITIGATIONS-7737",
    "dpia_reference": "SECRET-DPIA-7738",
}
REASON, CONDITIONS, WITHDRAWAL = "SECRET-REASON-7741", "SECRET-CONDITIONS-7742", "SECRET-WHY-7743"


def test_messages_carry_the_reference_and_a_link_but_none_of_the_request_s_text(
    app: Flask, world: World
):
    request = world.draft(**SECRETS)
    submit_request(request, world.officer)
    decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions=CONDITIONS)
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason=REASON)
    resubmit_request(request, world.officer)
    decide(request, world.security, Outcome.REJECT, reason=REASON)
    other = world.submitted(**SECRETS)
    withdraw_request(other, world.officer, reason=WITHDRAWAL)
    db.session.commit()

    rows = list(db.session.scalars(select(OutboxMessage)))
    kinds = {row.kind for row in rows}
    assert kinds == {
        "stage_waiting",
        "approved_with_conditions",
        "changes_requested",
        "rejected",
        "withdrawn",
    }
    secrets = [*SECRETS.values(), REASON, CONDITIONS, WITHDRAWAL]
    routes = app.url_map.bind("localhost")
    base = app.config["PERMIT_BASE_URL"].rstrip("/")
    for row in rows:
        reference = (request if row.request_id == request.id else other).reference
        for secret in secrets:
            assert secret not in row.subject and secret not in row.body, (row.kind, secret)
        assert reference in row.subject
        links = [word for word in row.body.split() if word.startswith(base + "/")]
        assert len(links) == 1, row.body
        endpoint, arguments = routes.match(urlsplit(links[0]).path, method="GET")
        assert arguments == {"reference": reference}, (row.kind, endpoint)
