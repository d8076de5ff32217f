"""resubmit_request: an officer answers "changes requested" with a new revision, and
every stage decides again from the first."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.operations.resubmit_request import resubmit_request
from app.operations.update_request import update_request
from app.rules.content import canonical_content, content_of, content_sha256
from app.rules.workflow import (
    InactiveUser,
    InvalidContent,
    InvalidTransition,
    NotYourDepartment,
    StaleRequest,
    Status,
)
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


def test_resubmitting_files_revision_2_and_starts_again_at_stage_1(world):
    request = world.submitted()
    send_back(world, request, at="cabinet_office")
    update_request(request, world.officer, content={"account_managers": "Three named people"})
    db.session.commit()
    first = request.revisions[0]
    first_sha, first_content = first.content_sha256, dict(first.content)
    seq = head_seq()

    revision = resubmit_request(request, world.officer, version=request.version)
    db.session.commit()

    assert request.status == Status.IN_REVIEW
    assert request.current_stage == "security"
    assert [r.number for r in request.revisions] == [1, 2]
    assert revision.number == 2
    assert revision.content["account_managers"] == "Three named people"
    assert revision.content_sha256 == content_sha256(canonical_content(content_of(request)))
    assert revision.content_sha256 != first_sha
    # Revision 1 is what the first approvers saw, unchanged.
    assert (first.content_sha256, first.content) == (first_sha, first_content)

    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_RESUBMITTED
    assert (event.from_status, event.to_status, event.stage) == (
        "changes_requested",
        "in_review",
        "security",
    )
    assert event.payload["revision"] == 2
    assert event.payload["content_sha256"] == revision.content_sha256
    assert event.payload["version"] == request.version
    assert_actor(event, world.officer)


def test_every_stage_decides_the_new_revision_again(world):
    request = world.submitted()
    send_back(world, request, at="cabinet_office")
    update_request(request, world.officer, content={"purpose": "Sharper purpose"})
    resubmit_request(request, world.colleague)
    approve(world, request, "security", "no10")
    db.session.commit()
    assert (request.status, request.current_stage) == (Status.IN_REVIEW, "cabinet_office")

    approve(world, request, "cabinet_office")
    db.session.commit()
    assert request.status == Status.APPROVED
    second = request.revisions[1]
    assert [(d.stage_code, d.revision_id) for d in request.decisions[-3:]] == [
        (stage, second.id) for stage in PIPELINE
    ]
    assert second.submitted_by_id == world.colleague.id
    assert verify_database(db.session).ok


def test_content_made_incomplete_while_sent_back_is_not_resubmitted(world):
    request = world.submitted()
    send_back(world, request)
    update_request(request, world.officer, content={"justification": ""})
    db.session.commit()
    error = refused(InvalidContent, lambda: resubmit_request(request, world.officer))
    assert set(error.errors) == {"justification"}


@pytest.mark.parametrize(
    "status",
    [Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN],
)
def test_only_a_request_sent_back_is_resubmitted(world, status):
    request = request_in(world, status)
    refused(InvalidTransition, lambda: resubmit_request(request, world.officer))


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
def test_only_an_active_officer_of_the_department_resubmits(world, who, refusal):
    request = request_in(world, Status.CHANGES_REQUESTED)
    actor = deactivated(world.officer) if who == "deactivated officer" else getattr(world, who)
    refused(refusal, lambda: resubmit_request(request, actor))


def test_a_resubmission_from_an_out_of_date_page_is_stale(world):
    request = request_in(world, Status.CHANGES_REQUESTED)
    seen = request.version
    update_request(request, world.colleague, content={"purpose": "Colleague's rewrite"})
    db.session.commit()
    refused(StaleRequest, lambda: resubmit_request(request, world.officer, version=seen))
