"""Quorum rules and versioned pipelines: approvals counted per distinct person, one
rejection rejects, one "request changes" returns, conditions accumulate, separation of
duties still holds, and a request keeps the version it was first submitted under."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.operations.resubmit_request import resubmit_request
from app.operations.set_pipeline import StalePipeline, StepSpec, set_pipeline
from app.reads.request_page import request_page, stage_names, stage_states
from app.rules.roles import Role
from app.rules.workflow import (
    AlreadyDecided,
    InvalidContent,
    NotNamedApprover,
    Outcome,
    Quorum,
    SecondStage,
    Status,
)
from tests.factories import make_user
from tests.operations.support import at_cabinet_office, decide, head_seq, one_event, refused


@pytest.fixture
def co_three(world):
    """A third Cabinet Office approver: the named set is the three of them."""
    third = make_user(Role.APPROVER, stages=("cabinet_office",), name="Cara Third")
    db.session.commit()
    return [world.cabinet_office, world.cabinet_office_2, third]


@pytest.fixture
def two_of_three(world, co_three):
    """The platform's pipeline: Security (any one) -> Cabinet Office (2 of the 3)."""
    set_pipeline(
        world.platform,
        world.admin,
        steps=[
            StepSpec("security"),
            StepSpec(
                "cabinet_office",
                Quorum.N_OF_M,
                required=2,
                approvers=[user.email for user in co_three],
            ),
        ],
        based_on=1,
    )
    db.session.commit()
    return co_three


def test_the_stage_completes_only_with_two_distinct_approvals(world, two_of_three):
    request = at_cabinet_office(world)
    seq = head_seq()
    decide(request, two_of_three[0])
    db.session.commit()
    event = one_event(seq)
    assert (request.status, request.current_stage) == (Status.IN_REVIEW, "cabinet_office")
    assert event.payload["quorum"] == {"approvals": 1, "required": 2}
    assert event.payload["next_stage"] == "cabinet_office"
    states = stage_states(request, stage_names())
    assert states[1].label == "Waiting: 1 of 2 approvals"
    assert states[1].quorum.startswith("2 of 3 named approvers")

    # The same person again counts for nothing: refused, nothing changes.
    refused(AlreadyDecided, lambda: decide(request, two_of_three[0]))

    decide(request, two_of_three[2], Outcome.APPROVE_WITH_CONDITIONS, conditions="Monthly report")
    db.session.commit()
    assert request.status == Status.APPROVED
    assert stage_states(request, stage_names())[1].label == "Approved with conditions"


def test_someone_outside_the_named_set_cannot_count(world, two_of_three):
    request = at_cabinet_office(world)
    outsider = make_user(Role.APPROVER, stages=("cabinet_office",), name="Not Named")
    db.session.commit()
    refused(NotNamedApprover, lambda: decide(request, outsider))


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(Outcome.REJECT, Status.REJECTED), (Outcome.REQUEST_CHANGES, Status.CHANGES_REQUESTED)],
)
def test_one_rejection_or_request_for_changes_settles_it_after_an_approval(
    world, two_of_three, outcome, status
):
    request = at_cabinet_office(world)
    decide(request, two_of_three[0])
    decide(request, two_of_three[1], outcome, reason="Not yet")
    db.session.commit()
    assert request.status == status
    assert request.current_stage is None


def test_conditions_from_every_approver_accumulate(world, two_of_three, app):
    request = at_cabinet_office(world)
    decide(request, two_of_three[0], Outcome.APPROVE_WITH_CONDITIONS, conditions="First rule")
    decide(request, two_of_three[1], Outcome.APPROVE_WITH_CONDITIONS, conditions="Second rule")
    db.session.commit()
    with app.test_request_context():
        page = request_page(request, world.officer)
    assert [(note.approver, str(note.html)) for note in page.conditions] == [
        (two_of_three[0].display_name, "First rule"),
        (two_of_three[1].display_name, "Second rule"),
    ]
    assert request.status == Status.APPROVED


def test_nobody_signs_two_stages_whatever_the_quorum(world, co_three):
    # Security needs all three Cabinet Office people... who also hold Security.
    for user in co_three:
        user.stage_codes = {"security", "cabinet_office"}
    db.session.commit()
    set_pipeline(
        world.platform,
        world.admin,
        steps=[
            StepSpec("security"),
            StepSpec("cabinet_office", Quorum.ALL_OF, approvers=[u.email for u in co_three]),
        ],
        based_on=1,
    )
    db.session.commit()
    request = world.submitted()
    decide(request, co_three[0])  # signs Security
    db.session.commit()
    refused(SecondStage, lambda: decide(request, co_three[0]))


def test_a_request_keeps_its_version_through_a_revision(world, co_three):
    request = world.submitted()
    decide(request, world.security, Outcome.REQUEST_CHANGES, reason="Say more")
    db.session.commit()
    set_pipeline(world.platform, world.admin, steps=[StepSpec("no10")], based_on=1)
    db.session.commit()
    resubmit_request(request, world.officer)
    db.session.commit()
    assert request.pipeline_version.number == 1
    assert request.latest_revision.pipeline == ["security", "no10", "cabinet_office"]
    assert request.current_stage == "security"
    assert world.platform.pipeline_version.number == 2


def test_an_admin_who_saw_an_older_version_is_refused(world):
    set_pipeline(world.platform, world.admin, steps=[StepSpec("no10")], based_on=1)
    db.session.commit()
    refused(
        StalePipeline,
        lambda: set_pipeline(world.platform, world.admin, steps=[StepSpec("security")], based_on=1),
    )


def test_a_quorum_larger_than_its_named_set_is_refused(world, co_three):
    refusal = refused(
        InvalidContent,
        lambda: set_pipeline(
            world.platform,
            world.admin,
            steps=[
                StepSpec(
                    "cabinet_office",
                    Quorum.N_OF_M,
                    required=3,
                    approvers=[u.email for u in co_three[:2]],
                )
            ],
            based_on=1,
        ),
    )
    assert "between 1 and 2" in refusal.errors["steps-0-required"]


def test_the_queue_lists_it_only_for_named_people_still_to_count(world, two_of_three):
    from app.reads.queue import awaiting_decision_count

    request = at_cabinet_office(world)
    outsider = make_user(Role.APPROVER, stages=("cabinet_office",), name="Not Named")
    db.session.commit()
    assert [awaiting_decision_count(user) for user in two_of_three] == [1, 1, 1]
    assert awaiting_decision_count(outsider) == 0
    decide(request, two_of_three[0])
    db.session.commit()
    # Counted already: not theirs to decide again; the other two still may.
    assert [awaiting_decision_count(user) for user in two_of_three] == [0, 1, 1]


def test_an_approval_short_of_the_quorum_tells_nobody(world, two_of_three):
    from sqlalchemy import func, select

    from app.models import OutboxMessage

    request = at_cabinet_office(world)
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    decide(request, two_of_three[0])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before
    decide(request, two_of_three[1])
    db.session.commit()
    # Done: the officer hears that it is approved.
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.recipient_id == world.officer.id)
    ).all()
    assert "approved" in kinds
