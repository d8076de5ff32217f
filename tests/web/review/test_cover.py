"""Cover for an absent approver, from the browser: an approver sets it for themselves or
an admin for them; the delegate sees the requests in their queue and decides "on behalf
of"; bad cover is refused with an error summary and changes nothing; ending it early."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models import AuditEvent, Delegation
from app.rules.roles import Role
from tests.factories import make_user
from tests.web.client import csrf_token, post_form


def parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def cover_form(delegate_id: int | str, starts: date, ends: date) -> dict[str, object]:
    return {"delegate": str(delegate_id), "starts_on": parts(starts), "ends_on": parts(ends)}


def delegations() -> int:
    return db.session.scalar(select(func.count()).select_from(Delegation))


def events(event_type: EventType) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


def test_an_approver_sets_their_own_cover_and_ends_it(client_for, world):
    today = london_today()
    client = client_for(world.security)
    response = post_form(
        client, "/review/cover", cover_form(world.security_2.id, today, today + timedelta(days=6))
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/review/cover").get_data(as_text=True)
    assert "covers for" in page and world.security_2.display_name in page
    [started] = events(EventType.DELEGATION_STARTED)
    assert started.actor_id == world.security.id
    assert started.payload["delegator"]["id"] == world.security.id
    assert started.payload["delegate"]["id"] == world.security_2.id
    assert started.payload["ends_on"] == (today + timedelta(days=6)).isoformat()

    delegation = db.session.scalar(select(Delegation))
    response = client.post(
        f"/review/cover/{delegation.id}/end",
        data={"csrf_token": csrf_token(client.get("/review/cover"))},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert delegation.ended_at is not None
    [ended] = events(EventType.DELEGATION_ENDED)
    assert ended.actor_id == world.security.id
    assert ended.payload["delegation_id"] == delegation.id
    # Gone from the page: nothing runs now or is to come.
    assert 'id="no-cover"' in client.get("/review/cover").get_data(as_text=True)


def test_an_admin_sets_cover_for_an_approver(client_for, world):
    today = london_today()
    admin = client_for(world.admin)
    url = f"/admin/people/{world.cabinet_office.id}/cover"
    response = post_form(admin, url, cover_form(world.no10.id, today, today))
    assert response.status_code == 302, response.get_data(as_text=True)
    [started] = events(EventType.DELEGATION_STARTED)
    assert started.actor_id == world.admin.id
    assert started.payload["delegator"]["id"] == world.cabinet_office.id


@pytest.mark.parametrize(
    ("who", "starts", "ends", "message"),
    [
        ("self", 0, 2, "a person cannot cover for themselves"),
        ("deactivated", 0, 2, "has been deactivated"),
        ("security_2", 3, 1, "The end date must be the same as or after the start date"),
        ("security_2", -1, 2, "The start date must be today or in the future"),
        ("officer", 0, 2, "is not an approver"),
        ("", 0, 2, "Choose the colleague who will cover"),
    ],
)
def test_bad_cover_is_refused_and_nothing_changes(client_for, world, who, starts, ends, message):
    gone = make_user(Role.APPROVER, stages=("no10",), active=False)
    db.session.commit()
    chosen = {"self": world.security.id, "deactivated": gone.id, "": ""}.get(who)
    if chosen is None:
        chosen = getattr(world, who).id
    today = london_today()
    client = client_for(world.security)
    response = post_form(
        client,
        "/review/cover",
        cover_form(chosen, today + timedelta(days=starts), today + timedelta(days=ends)),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "govuk-error-summary" in page

    assert message in page
    assert delegations() == 0
    assert events(EventType.DELEGATION_STARTED) == []


def test_the_delegate_sees_the_request_in_their_queue_and_decides_on_behalf(client_for, world):
    from app.operations.delegations import start_delegation
    from tests.web.review.support import at_stage

    dee = make_user(Role.APPROVER, stages=("no10",), name="Dee Delegate")
    today = london_today()
    start_delegation(
        world.admin, delegator=world.cabinet_office, delegate=dee, starts_on=today, ends_on=today
    )
    request = at_stage(world, "cabinet_office")
    client = client_for(dee)
    queue = client.get("/review/").get_data(as_text=True)
    assert request.reference in queue
    assert f"On behalf of {world.cabinet_office.display_name}" in queue
    url = f"/review/{request.reference}/decide"
    page = client.get(url).get_data(as_text=True)
    assert f"You are covering for {world.cabinet_office.display_name}" in page
    response = post_form(
        client,
        url,
        {"stage": "cabinet_office", "version": str(request.version), "outcome": "approve"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert request.status == "approved"
    decision = request.decisions[-1]
    assert (decision.approver_id, decision.on_behalf_of_id) == (dee.id, world.cabinet_office.id)
    shown = client_for(world.officer).get(f"/requests/{request.reference}").get_data(as_text=True)
    assert f"Dee Delegate on behalf of {world.cabinet_office.display_name}" in shown


def test_without_cover_the_queue_does_not_list_another_stage(client_for, world):
    from tests.web.review.support import at_stage

    dee = make_user(Role.APPROVER, stages=("no10",), name="Dee Delegate")
    request = at_stage(world, "cabinet_office")
    assert request.reference not in client_for(dee).get("/review/").get_data(as_text=True)


def test_a_stage_part_way_to_its_quorum_is_named_on_the_decision_page(client_for, world):
    """Regression: a stage labelled "Waiting: 1 of 2 approvals" was not found as the stage
    waiting, and the page offered a decision "for the None stage"."""
    from app.operations.decide_stage import decide_stage
    from app.operations.set_pipeline import StepSpec, set_pipeline
    from app.rules.workflow import Outcome, Quorum

    set_pipeline(
        world.platform,
        world.admin,
        steps=[
            StepSpec("security"),
            StepSpec(
                "cabinet_office",
                Quorum.ALL_OF,
                approvers=[world.cabinet_office.email, world.cabinet_office_2.email],
            ),
        ],
        based_on=1,
    )
    request = world.submitted()
    for approver in (world.security, world.cabinet_office):
        decide_stage(
            request,
            approver,
            stage=request.current_stage,
            version=request.version,
            outcome=Outcome.APPROVE,
        )
    db.session.commit()
    assert request.current_stage == "cabinet_office"  # 1 of its 2 approvals counted
    page = client_for(world.cabinet_office_2).get(f"/review/{request.reference}/decide")
    text = page.get_data(as_text=True)
    assert "Your decision for the Cabinet Office stage" in text
    assert "None stage" not in text
