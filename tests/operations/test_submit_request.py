"""submit_request: a draft's content is frozen as revision 1 and stage 1 decides."""

from __future__ import annotations

import pytest

from app.audit.chain import Client
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import PipelineStage
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.rules.content import canonical_content, content_of, content_sha256
from app.rules.workflow import (
    InactiveUser,
    InvalidContent,
    InvalidPipeline,
    InvalidTransition,
    NotYourDepartment,
    Outcome,
    RequestKind,
    StaleRequest,
    Status,
)
from tests.factories import complete_content, make_platform
from tests.operations.support import (
    PIPELINE,
    assert_actor,
    deactivated,
    head_seq,
    one_event,
    refused,
    request_in,
)


def test_submitting_freezes_revision_1_and_starts_at_stage_1(world):
    request = world.draft()
    db.session.commit()
    expected_sha = content_sha256(canonical_content(content_of(request)))
    seq = head_seq()

    revision = submit_request(request, world.officer, version=1, client=Client("198.51.100.4"))
    db.session.commit()

    assert request.status == Status.IN_REVIEW
    assert request.current_stage == "security"
    assert request.version == 2
    assert request.submitted_at is not None
    assert request.revisions == [revision]
    assert revision.number == 1
    assert revision.pipeline == list(PIPELINE)
    assert revision.submitted_by_id == world.officer.id
    assert revision.content_sha256 == expected_sha
    assert revision.content["purpose"] == request.purpose
    assert revision.content["start_date"] == "2027-01-04"
    assert revision.content_sha256 == content_sha256(revision.content)

    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_SUBMITTED
    assert (event.from_status, event.to_status, event.stage) == ("draft", "in_review", "security")
    assert event.payload == {
        "revision": 1,
        "content_sha256": expected_sha,
        "pipeline": list(PIPELINE),
        "pipeline_version": 1,
        "version": 2,
    }
    assert event.client_address == "198.51.100.4"
    assert_actor(event, world.officer)
    assert verify_database(db.session).ok


def test_a_colleague_in_the_department_may_submit(world):
    request = world.draft()
    submit_request(request, world.colleague)
    db.session.commit()
    assert request.status == Status.IN_REVIEW
    assert request.latest_revision.submitted_by_id == world.colleague.id


def test_paid_advertising_needs_a_budget_but_no_handle_or_device(world):
    request = world.draft(
        kind=RequestKind.PAID_ADVERTISING,
        account_handle="",
        device_arrangement="",
        device_attestation=False,
        ad_budget_pounds=None,
    )
    db.session.commit()
    error = refused(InvalidContent, lambda: submit_request(request, world.officer))
    assert set(error.errors) == {"ad_budget_pounds"}

    request.ad_budget_pounds = 40_000
    db.session.commit()
    submit_request(request, world.officer)
    db.session.commit()
    assert request.status == Status.IN_REVIEW
    assert request.latest_revision.content["ad_budget_pounds"] == 40_000


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"purpose": ""}, {"purpose"}),
        ({"dpia_reference": "  "}, {"dpia_reference"}),
        ({"start_date": None}, {"start_date"}),
        (
            {"account_handle": "", "device_attestation": False},
            {"account_handle", "device_attestation"},
        ),
        ({"device_arrangement": ""}, {"device_arrangement"}),
    ],
    ids=["purpose", "dpia", "start-date", "handle-and-attestation", "device"],
)
def test_incomplete_content_is_not_submitted(world, overrides, fields):
    request = world.draft(**overrides)
    db.session.commit()
    error = refused(InvalidContent, lambda: submit_request(request, world.officer))
    assert set(error.errors) == fields


def test_a_draft_with_only_its_kind_lists_everything_missing(world):
    request = create_request(
        world.officer, platform=world.platform, content={"kind": RequestKind.NEW_ACCOUNT}
    )
    db.session.commit()
    error = refused(InvalidContent, lambda: submit_request(request, world.officer))
    assert {"purpose", "account_handle", "start_date", "device_attestation"} <= set(error.errors)


@pytest.mark.parametrize(
    "status",
    [
        Status.IN_REVIEW,
        Status.CHANGES_REQUESTED,
        Status.APPROVED,
        Status.REJECTED,
        Status.WITHDRAWN,
    ],
)
def test_only_a_draft_is_submitted(world, status):
    request = request_in(world, status)
    refused(InvalidTransition, lambda: submit_request(request, world.officer))


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("outsider", NotYourDepartment),
        ("security", NotYourDepartment),
        ("auditor", NotYourDepartment),
        ("admin", NotYourDepartment),
        ("deactivated officer", InactiveUser),
    ],
)
def test_only_an_active_officer_of_the_department_submits(world, who, refusal):
    request = world.draft()
    db.session.commit()
    actor = deactivated(world.officer) if who == "deactivated officer" else getattr(world, who)
    refused(refusal, lambda: submit_request(request, actor))


def test_a_submission_from_an_out_of_date_page_is_stale(world):
    request = world.draft()
    update_request(request, world.colleague, content={"purpose": "Rewritten by a colleague"})
    db.session.commit()
    refused(StaleRequest, lambda: submit_request(request, world.officer, version=1))


def test_a_retired_platform_takes_no_submissions(world):
    request = world.draft()
    world.platform.active = False
    db.session.commit()
    error = refused(InvalidContent, lambda: submit_request(request, world.officer))
    assert set(error.errors) == {"platform"}


def test_a_platform_without_a_pipeline_takes_no_submissions(world):
    request = world.draft()
    world.platform.pipeline = []
    db.session.commit()
    refused(InvalidPipeline, lambda: submit_request(request, world.officer))


def test_the_revision_keeps_the_pipeline_it_was_submitted_with(world):
    short = make_platform("Short", pipeline=("security", "no10"))
    request = create_request(world.officer, platform=short, content=complete_content())
    submit_request(request, world.officer)
    db.session.commit()

    # The platform gains a stage after submission: this revision still needs only two.
    short.pipeline.append(PipelineStage(stage_code="cabinet_office"))
    db.session.commit()

    for stage in ("security", "no10"):
        decide_stage(
            request,
            world.approvers_for(stage)[0],
            stage=stage,
            version=request.version,
            outcome=Outcome.APPROVE,
        )
    db.session.commit()
    assert request.status == Status.APPROVED
    assert request.latest_revision.pipeline == ["security", "no10"]
