"""decide_stage: an approver holding the current stage approves it (with or without
conditions), sends the request back for changes, or rejects it."""

from __future__ import annotations

import pytest

from app.audit.chain import Client
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import (
    REASON_MAX,
    ConditionsRequired,
    InactiveUser,
    InvalidContent,
    InvalidTransition,
    NotYourStage,
    Outcome,
    OwnRequest,
    ReasonRequired,
    SecondStage,
    StaleRequest,
    Status,
)
from tests.factories import make_user
from tests.operations.support import (
    PIPELINE,
    approve,
    assert_actor,
    deactivated,
    head_seq,
    one_event,
    refused,
    request_in,
    send_back,
)


def decide(request, actor, outcome=Outcome.APPROVE, *, stage=None, version=None, **text):
    """`actor` decides what they see now, unless told they saw another stage or version."""
    return decide_stage(
        request,
        actor,
        stage=stage or request.current_stage,
        version=version or request.version,
        outcome=outcome,
        **text,
    )


# Moving through the pipeline ---------------------------------------------------------------


@pytest.mark.parametrize(("stage", "following"), [("security", "no10"), ("no10", "cabinet_office")])
def test_an_approval_moves_the_request_to_the_next_stage(world, stage, following):
    request = world.submitted()
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    db.session.commit()
    version, seq = request.version, head_seq()
    approver = world.approvers_for(stage)[1]

    decision = decide(request, approver, client=Client("192.0.2.10", "corr-9"))
    db.session.commit()

    assert (request.status, request.current_stage) == (Status.IN_REVIEW, following)
    assert request.version == version + 1
    assert decision.stage_code == stage
    assert decision.approver_id == approver.id
    assert decision.outcome == "approve"
    assert decision.revision_id == request.latest_revision.id
    assert (decision.reason, decision.conditions) == ("", "")

    event = one_event(seq)
    assert event.event_type == EventType.STAGE_APPROVED
    assert (event.from_status, event.to_status, event.stage) == ("in_review", "in_review", stage)
    assert event.payload == {
        "outcome": "approve",
        "revision": 1,
        "content_sha256": request.latest_revision.content_sha256,
        "next_stage": following,
        "version": version + 1,
    }
    assert (event.client_address, event.correlation_id) == ("192.0.2.10", "corr-9")
    assert_actor(event, approver)


def test_the_last_approval_approves_the_request(world):
    request = world.submitted()
    approve(world, request, "security", "no10")
    db.session.commit()
    seq = head_seq()

    decide(request, world.cabinet_office)
    db.session.commit()

    assert (request.status, request.current_stage) == (Status.APPROVED, None)
    assert [(d.stage_code, d.outcome) for d in request.decisions] == [
        (stage, "approve") for stage in PIPELINE
    ]
    event = one_event(seq)
    assert event.event_type == EventType.STAGE_APPROVED
    assert (event.from_status, event.to_status, event.stage) == (
        "in_review",
        "approved",
        "cabinet_office",
    )
    assert event.payload["next_stage"] is None
    assert verify_database(db.session).ok


@pytest.mark.parametrize(
    ("stage", "status"),
    [("security", Status.IN_REVIEW), ("cabinet_office", Status.APPROVED)],
)
def test_an_approval_with_conditions_keeps_them_on_the_decision(world, stage, status):
    request = world.submitted()
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    db.session.commit()
    seq = head_seq()

    decision = decide(
        request,
        world.approvers_for(stage)[0],
        Outcome.APPROVE_WITH_CONDITIONS,
        conditions="  Review the account after six months \n",
        reason="Acceptable with a review",
    )
    db.session.commit()

    assert request.status == status
    assert decision.outcome == "approve_with_conditions"
    assert decision.conditions == "Review the account after six months"
    assert decision.reason == "Acceptable with a review"
    event = one_event(seq)
    assert event.event_type == EventType.STAGE_APPROVED_WITH_CONDITIONS
    assert event.payload["conditions"] == "Review the account after six months"
    assert event.comment == "Acceptable with a review"
    assert event.to_status == str(status)


def test_a_plain_approval_keeps_no_conditions(world):
    request = request_in(world, Status.IN_REVIEW)
    seq = head_seq()
    decision = decide(request, world.security, conditions="Typed, then approve chosen")
    db.session.commit()
    assert decision.conditions == ""
    event = one_event(seq)
    assert event.event_type == EventType.STAGE_APPROVED
    assert "conditions" not in event.payload


@pytest.mark.parametrize("stage", PIPELINE)
def test_a_rejection_at_any_stage_rejects_the_request(world, stage):
    request = world.submitted()
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    db.session.commit()
    seq = head_seq()

    decision = decide(
        request,
        world.approvers_for(stage)[0],
        Outcome.REJECT,
        reason=" The risks outweigh the reach ",
        conditions="Ignored on a rejection",
    )
    db.session.commit()

    assert (request.status, request.current_stage) == (Status.REJECTED, None)
    assert (decision.outcome, decision.reason, decision.conditions) == (
        "reject",
        "The risks outweigh the reach",
        "",
    )
    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_REJECTED
    assert (event.from_status, event.to_status, event.stage) == ("in_review", "rejected", stage)
    assert event.comment == "The risks outweigh the reach"
    assert "conditions" not in event.payload


@pytest.mark.parametrize("stage", PIPELINE)
def test_changes_requested_at_any_stage_send_the_request_back(world, stage):
    request = world.submitted()
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    db.session.commit()
    seq = head_seq()

    decide(request, world.approvers_for(stage)[0], Outcome.REQUEST_CHANGES, reason="Add a DPIA")
    db.session.commit()

    assert (request.status, request.current_stage) == (Status.CHANGES_REQUESTED, None)
    event = one_event(seq)
    assert event.event_type == EventType.CHANGES_REQUESTED
    assert (event.from_status, event.to_status, event.stage) == (
        "in_review",
        "changes_requested",
        stage,
    )
    assert event.comment == "Add a DPIA"


# What a decision must say ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Outcome.REJECT, Outcome.REQUEST_CHANGES])
@pytest.mark.parametrize("reason", ["", " \n "], ids=["empty", "blank"])
def test_a_rejection_or_request_for_changes_needs_a_reason(world, outcome, reason):
    request = request_in(world, Status.IN_REVIEW)
    refused(ReasonRequired, lambda: decide(request, world.security, outcome, reason=reason))


@pytest.mark.parametrize("conditions", ["", "   "], ids=["empty", "blank"])
def test_an_approval_with_conditions_needs_conditions(world, conditions):
    request = request_in(world, Status.IN_REVIEW)
    refused(
        ConditionsRequired,
        lambda: decide(
            request, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions=conditions
        ),
    )


@pytest.mark.parametrize("field", ["reason", "conditions"])
def test_an_over_long_reason_or_conditions_is_refused(world, field):
    request = request_in(world, Status.IN_REVIEW)
    text = {"reason": "Fine", "conditions": "Review yearly", field: "x" * (REASON_MAX + 1)}
    error = refused(
        InvalidContent,
        lambda: decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, **text),
    )
    assert set(error.errors) == {field}


@pytest.mark.parametrize("field", ["reason", "conditions"])
def test_a_reason_or_conditions_hiding_control_characters_is_refused(world, field):
    request = request_in(world, Status.IN_REVIEW)
    text = {"reason": "Fine", "conditions": "Review yearly", field: "Fine\x1b[2J"}
    error = refused(
        InvalidContent,
        lambda: decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, **text),
    )
    assert set(error.errors) == {field}


def test_a_reason_of_the_longest_length_is_accepted(world):
    request = request_in(world, Status.IN_REVIEW)
    decision = decide(request, world.security, Outcome.REJECT, reason="x" * REASON_MAX)
    db.session.commit()
    assert len(decision.reason) == REASON_MAX


# Who decides -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("no10", NotYourStage),
        ("cabinet_office", NotYourStage),
        ("officer", NotYourStage),
        ("outsider", NotYourStage),
        ("auditor", NotYourStage),
        ("admin", NotYourStage),
        ("deactivated security approver", InactiveUser),
    ],
)
def test_only_an_active_approver_of_the_current_stage_decides_it(world, who, refusal):
    request = request_in(world, Status.IN_REVIEW)
    if who == "deactivated security approver":
        actor = deactivated(world.security)
    else:
        actor = getattr(world, who)
    refused(refusal, lambda: decide(request, actor))


@pytest.mark.parametrize("stage", ["security", "no10"])
def test_nobody_decides_a_request_they_created(world, stage):
    creator = make_user(Role.OFFICER, Role.APPROVER, department=world.department, stages=(stage,))
    request = world.submitted(creator)
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    db.session.commit()
    refused(OwnRequest, lambda: decide(request, creator))


def test_nobody_decides_a_request_they_submitted(world):
    submitter = make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
    )
    request = world.draft()
    submit_request(request, submitter)
    db.session.commit()
    refused(OwnRequest, lambda: decide(request, submitter))


def test_nobody_decides_a_request_they_resubmitted(world):
    # They decided revision 1 fairly; once they have resubmitted it, it is theirs too.
    colleague = make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
    )
    request = world.submitted()
    decide(request, colleague, Outcome.REQUEST_CHANGES, reason="Add the DPIA reference")
    update_request(request, colleague, content={"dpia_reference": "DPIA-2026-777"})
    resubmit_request(request, colleague)
    db.session.commit()
    refused(OwnRequest, lambda: decide(request, colleague))


def test_nobody_decides_two_stages_of_one_request(world):
    both = make_user(Role.APPROVER, stages=("security", "no10"))
    request = world.submitted()
    decide(request, both)
    db.session.commit()
    refused(SecondStage, lambda: decide(request, both))


def test_nobody_decides_two_stages_across_revisions(world):
    both = make_user(Role.APPROVER, stages=("security", "no10"))
    request = world.submitted()
    decide(request, both)
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Name the SRO")
    update_request(request, world.officer, content={"senior_responsible_owner": "Jo Bloggs"})
    resubmit_request(request, world.officer)
    decide(request, world.security)
    db.session.commit()
    assert request.current_stage == "no10"
    refused(SecondStage, lambda: decide(request, both))


def test_the_same_approver_decides_the_same_stage_again_on_a_later_revision(world):
    request = world.submitted()
    decide(request, world.security)
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Name the SRO")
    update_request(request, world.officer, content={"senior_responsible_owner": "Jo Bloggs"})
    resubmit_request(request, world.officer)
    db.session.commit()

    decision = decide(request, world.security)
    decide(request, world.no10)
    db.session.commit()

    assert request.current_stage == "cabinet_office"
    first, second = request.revisions
    assert [
        (d.approver_id, d.stage_code, d.revision_id)
        for d in request.decisions
        if d.approver_id == world.security.id
    ] == [(world.security.id, "security", first.id), (world.security.id, "security", second.id)]
    assert decision.revision_id == second.id


# Stale decisions ---------------------------------------------------------------------------


def test_a_decision_after_another_approver_decided_the_stage_is_stale(world):
    request = world.submitted()
    seen = request.version
    decide(request, world.security)
    db.session.commit()
    error = refused(
        StaleRequest, lambda: decide(request, world.security_2, stage="security", version=seen)
    )
    assert "already decided" in error.message


def test_a_decision_naming_a_stage_no_longer_current_is_stale(world):
    request = world.submitted()
    decide(request, world.security)
    db.session.commit()
    refused(StaleRequest, lambda: decide(request, world.security_2, stage="security"))


def test_a_decision_naming_an_old_version_of_the_current_stage_is_stale(world):
    # Security_2 opened revision 1; it was sent back, changed and resubmitted since.
    request = world.submitted()
    seen = request.version
    send_back(world, request)
    update_request(request, world.officer, content={"purpose": "Rewritten"})
    resubmit_request(request, world.officer)
    db.session.commit()
    assert request.current_stage == "security"
    refused(StaleRequest, lambda: decide(request, world.security_2, version=seen))


@pytest.mark.parametrize("stage", ["security", "no10"])
def test_a_decision_after_the_officer_withdrew_is_stale(world, stage):
    request = world.submitted()
    approve(world, request, *PIPELINE[: PIPELINE.index(stage)])
    seen = request.version
    withdraw_request(request, world.officer)
    db.session.commit()
    approver = world.approvers_for(stage)[0]
    refused(StaleRequest, lambda: decide(request, approver, stage=stage, version=seen))


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED, Status.REJECTED])
def test_a_request_not_in_review_is_not_decided(world, status):
    request = request_in(world, status)
    refused(
        InvalidTransition,
        lambda: decide(request, world.cabinet_office_2, stage="cabinet_office"),
    )
