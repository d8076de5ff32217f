"""Decisions: counted by stage and outcome once their transaction commits, through the
decision page and through the API alike; a refused or rolled-back one is not counted."""

from __future__ import annotations

from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome
from tests.metrics.support import DECISIONS, value
from tests.web.review.support import at_stage, hidden_fields


def post_decision(client, request, fields):
    """POST the decision page's form as the approver's browser would."""
    url = f"/review/{request.reference}/decide"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**hidden_fields(page), **fields})


def test_a_decision_on_the_page_is_counted(client_for, world):
    request = at_stage(world, "security")
    before = value(DECISIONS, stage="security", outcome="approve")
    answer = post_decision(client_for(world.security), request, {"outcome": "approve"})
    assert answer.status_code == 302
    assert value(DECISIONS, stage="security", outcome="approve") == before + 1


def test_a_refused_decision_on_the_page_is_not_counted(client_for, world):
    request = at_stage(world, "security")
    before = value(DECISIONS, stage="security", outcome="approve")
    # No10's approver cannot sign Security's stage: their page has no form, but their
    # browser can still send one.
    no10 = client_for(world.no10)
    token = hidden_fields(no10.get("/", follow_redirects=True).get_data(as_text=True))
    answer = no10.post(
        f"/review/{request.reference}/decide",
        data={
            "csrf_token": token["csrf_token"],
            "stage": "security",
            "version": str(request.version),
            "outcome": "approve",
        },
    )
    assert answer.status_code == 403
    assert value(DECISIONS, stage="security", outcome="approve") == before


def test_a_decision_through_the_api_is_counted_by_stage_and_outcome(world, api_client_for):
    request = at_stage(world, "no10")
    before = value(DECISIONS, stage="no10", outcome="reject")
    answer = api_client_for(world.no10).act(
        request.reference, "decisions", {"outcome": "reject", "reason": "Out of scope"}
    )
    assert answer.status_code == 200, answer.get_json()
    assert value(DECISIONS, stage="no10", outcome="reject") == before + 1


def test_a_refused_decision_through_the_api_is_not_counted(world, api_client_for):
    request = at_stage(world, "security")
    before = value(DECISIONS, stage="security", outcome="request_changes")
    # Changes asked for without saying which: 422, and nothing stored.
    answer = api_client_for(world.security).act(
        request.reference, "decisions", {"outcome": "request_changes"}
    )
    assert answer.status_code == 422
    assert value(DECISIONS, stage="security", outcome="request_changes") == before


def test_a_decision_rolled_back_after_its_flush_is_not_counted(world):
    request = at_stage(world, "security")
    before = value(DECISIONS, stage="security", outcome="approve")
    decide_stage(
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    db.session.flush()
    db.session.rollback()
    assert value(DECISIONS, stage="security", outcome="approve") == before
    # And the next commit of the same session does not count it either.
    request = at_stage(world, "security")
    assert value(DECISIONS, stage="security", outcome="approve") == before
