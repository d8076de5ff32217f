"""The decision page: who may decide, each outcome, and every refusal storing nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccessRequest, AuditEvent, Decision
from app.operations.resubmit_request import resubmit_request
from app.operations.withdraw_request import withdraw_request
from app.rules.formatting import uk_datetime
from app.rules.roles import Role
from app.rules.workflow import REASON_MAX, Outcome, Status
from tests import factories
from tests.web.client import page_title
from tests.web.review.support import (
    at_stage,
    decide,
    element,
    hidden_fields,
    stage_rows,
    state_of,
    text_of,
)


def url(request: AccessRequest) -> str:
    return f"/review/{request.reference}/decide"


def send(client, request, fields=None, *, page=None):
    """POST a decision as the decision page would: its hidden fields plus `fields`.

    `page` is the HTML the approver was looking at (fetched now if not given), so a test
    can send what someone saw before the request moved on.
    """
    page = page if page is not None else client.get(url(request)).get_data(as_text=True)
    return client.post(url(request), data={**hidden_fields(page), **(fields or {})})


def csrf_only(client, request):
    """The hidden fields a refused approver's browser could still send: the header's CSRF
    token, and the stage and version as they are now."""
    page = client.get(url(request)).get_data(as_text=True)
    return {
        "csrf_token": hidden_fields(page)["csrf_token"],
        "stage": request.current_stage or "",
        "version": str(request.version),
    }


# Who may reach it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "auditor", "admin"])
def test_only_approvers_reach_the_decision_page(client_for, world, who):
    request = world.submitted()
    db.session.commit()
    client = client_for(getattr(world, who))
    assert client.get(url(request)).status_code == 403
    before = state_of(request)
    token = hidden_fields(client.get("/", follow_redirects=True).get_data(as_text=True))
    response = client.post(
        url(request),
        data={
            "csrf_token": token["csrf_token"],
            "stage": "security",
            "version": str(before.version),
            "outcome": "approve",
        },
    )
    assert response.status_code == 403
    assert state_of(request) == before


def test_a_draft_is_not_found_for_an_approver(client_for, world):
    request = world.draft()
    db.session.commit()
    assert client_for(world.security).get(url(request)).status_code == 404


def test_an_unknown_request_is_not_found(client_for, world):
    assert client_for(world.security).get("/review/PRQ-2026-99999/decide").status_code == 404


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    request = world.submitted()
    db.session.commit()
    response = client.get(url(request))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# The page ------------------------------------------------------------------------------------


def test_the_page_shows_the_request_earlier_decisions_and_the_form(client_for, world):
    request = at_stage(world, "no10", ad_budget_pounds=25000)
    response = client_for(world.no10).get(url(request))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f"<title>{page_title('Decide on request ' + request.reference)}</title>" in page
    assert [(name, state) for name, state, _ in stage_rows(page)] == [
        ("Security", "Approved"),
        ("No10", "Waiting for decision"),
        ("Cabinet Office", "Not started yet"),
    ]
    assert "Sally Security" in stage_rows(page)[0][2]
    assert "Advertising budget £25,000" in text_of(page)
    form = element(page, "decision-form")
    assert hidden_fields(form) == {
        "csrf_token": hidden_fields(page)["csrf_token"],
        "stage": "no10",
        "version": str(request.version),
    }
    # Radios in a fieldset with a legend; each textarea labelled, hinted and revealed by
    # its radio (visible when JavaScript is off: GOV.UK Frontend hides them only once its
    # script has marked the page as supported).
    assert '<fieldset class="govuk-fieldset"' in form
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", form, re.S)
    assert legend and text_of(legend.group(1)) == "Your decision for the No10 stage"
    assert re.findall(r'name="outcome" type="radio" value="(\w+)"', form) == [
        "approve",
        "approve_with_conditions",
        "request_changes",
        "reject",
    ]
    for radio, textarea, label in (
        ("outcome-2", "conditions", "Conditions"),
        ("outcome-3", "changes_reason", "What needs to change"),
        ("outcome-4", "rejection_reason", "Reason for rejecting"),
    ):
        assert f'id="{radio}"' in form
        assert f'data-aria-controls="conditional-{radio}"' in form
        conditional = element(form, f"conditional-{radio}")
        assert f'<textarea class="govuk-textarea" id="{textarea}" name="{textarea}"' in conditional
        assert f'<label class="govuk-label" for="{textarea}">' in conditional
        assert label in text_of(conditional)
        assert f'aria-describedby="{textarea}-hint"' in conditional
    assert "<script" not in form and "style=" not in form


def test_the_page_links_to_the_whole_request(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = client_for(world.security).get(url(request)).get_data(as_text=True)
    assert f'href="/requests/{request.reference}"' in page


# Each outcome ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "fields", "status", "next_stage"),
    [
        ("security", {"outcome": "approve"}, Status.IN_REVIEW, "no10"),
        (
            "no10",
            {"outcome": "approve_with_conditions", "conditions": "No ads"},
            Status.IN_REVIEW,
            "cabinet_office",
        ),
        ("cabinet_office", {"outcome": "approve"}, Status.APPROVED, None),
        (
            "cabinet_office",
            {"outcome": "approve_with_conditions", "conditions": "Review in 6 months"},
            Status.APPROVED,
            None,
        ),
        (
            "no10",
            {"outcome": "request_changes", "changes_reason": "Name the moderators"},
            Status.CHANGES_REQUESTED,
            None,
        ),
        (
            "security",
            {"outcome": "reject", "rejection_reason": "Too risky"},
            Status.REJECTED,
            None,
        ),
    ],
)
def test_each_outcome_moves_the_request_as_the_workflow_says(
    client_for, world, stage, fields, status, next_stage
):
    request = at_stage(world, stage)
    approver = world.approvers_for(stage)[1]
    client = client_for(approver)
    response = send(client, request, fields)
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/"
    after = state_of(request)
    assert (after.status, after.current_stage) == (status, next_stage)
    decision = db.session.scalars(
        select(Decision).where(Decision.request_id == request.id).order_by(Decision.id.desc())
    ).first()
    assert decision is not None
    assert (decision.stage_code, decision.approver_id, decision.outcome) == (
        stage,
        approver.id,
        fields["outcome"],
    )
    assert decision.conditions == fields.get("conditions", "")
    assert decision.reason == fields.get("changes_reason", fields.get("rejection_reason", ""))
    banner = client.get("/review/").get_data(as_text=True)
    assert "govuk-notification-banner--success" in banner
    assert request.reference in text_of(banner)


def test_the_banner_says_what_was_decided(client_for, world):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    response = send(client, request, {"outcome": "reject", "rejection_reason": "No"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"You rejected {request.reference} at the Security stage" in text_of(page)


def test_the_decision_is_audited_with_the_client(client_for, world):
    request = world.submitted()
    db.session.commit()
    send(client_for(world.security), request, {"outcome": "approve"})
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert (event.event_type, event.actor_id, event.stage) == (
        "stage_approved",
        world.security.id,
        "security",
    )
    assert event.client_address == "127.0.0.1"
    assert event.correlation_id


def test_text_for_other_outcomes_is_not_kept(client_for, world):
    """With JavaScript off every textarea shows; only the chosen outcome's text counts."""
    request = world.submitted()
    db.session.commit()
    send(
        client_for(world.security),
        request,
        {
            "outcome": "approve",
            "conditions": "typed, then changed my mind",
            "changes_reason": "also typed",
            "rejection_reason": "and this",
        },
    )
    decision = db.session.scalars(select(Decision)).one()
    assert (decision.outcome, decision.reason, decision.conditions) == ("approve", "", "")


# Refusals that keep the form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({}, "outcome", "Select your decision"),
        ({"outcome": "maybe"}, "outcome", "Not a valid choice"),
        (
            {"outcome": "approve_with_conditions", "conditions": "  "},
            "conditions",
            "Enter the conditions of your approval",
        ),
        (
            {"outcome": "request_changes", "rejection_reason": "in the wrong box"},
            "changes_reason",
            "Enter the reason for your decision",
        ),
        ({"outcome": "reject"}, "rejection_reason", "Enter the reason for your decision"),
        (
            {"outcome": "reject", "rejection_reason": "x" * (REASON_MAX + 1)},
            "rejection_reason",
            f"Reason must be {REASON_MAX:,} characters or fewer",
        ),
        (
            {"outcome": "approve_with_conditions", "conditions": "bad\x00byte"},
            "conditions",
            "Conditions must not contain control characters",
        ),
    ],
)
def test_a_decision_missing_what_it_needs_is_shown_again_with_the_error(
    client_for, world, fields, field_id, message
):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    before = state_of(request)
    response = send(client, request, fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    summary = element(page, "main-content").split('class="govuk-error-summary"', 1)[1]
    assert f'<a href="#{field_id}">{message}' in summary
    assert f'id="{field_id}-error"' in page
    assert state_of(request) == before
    chosen = fields.get("outcome")
    if chosen in {"approve_with_conditions", "request_changes", "reject"}:
        assert f'value="{chosen}" checked' in page  # what they chose stays chosen
    for name, typed in fields.items():
        if name != "outcome" and typed.strip() and "\x00" not in typed:
            assert f">{typed}</textarea>" in page  # and what they typed stays typed


# Refusals instead of the form ---------------------------------------------------------------


def _refused(client, request, message):
    """The page says why instead of offering the form; a POST anyway is 403, storing nothing."""
    response = client.get(url(request))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="decision-form"' not in page
    assert message in text_of(element(page, "why-you-cannot-decide"))
    before = state_of(request)
    fields = csrf_only(client, request)
    response = client.post(url(request), data={**fields, "outcome": "approve"})
    assert response.status_code == 403
    assert message in text_of(response.get_data(as_text=True))
    assert state_of(request) == before


def test_an_approver_cannot_decide_outside_their_stage(client_for, world):
    request = at_stage(world, "no10")
    _refused(client_for(world.security), request, "You cannot sign this stage")
    _refused(client_for(world.cabinet_office), request, "You cannot sign this stage")


def test_an_approver_cannot_decide_a_request_they_created(client_for, world):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
    )
    request = world.submitted(author=both)
    db.session.commit()
    _refused(client_for(both), request, "You cannot decide a request you filed")


def test_an_approver_cannot_decide_a_request_they_resubmitted(client_for, world):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("no10",)
    )
    request = world.submitted()
    db.session.commit()
    decide(request, world.security, Outcome.REQUEST_CHANGES, reason="More")
    resubmit_request(request, both)
    db.session.commit()
    decide(request, world.security)
    _refused(client_for(both), request, "You cannot decide a request you filed")


def test_an_approver_cannot_decide_a_second_stage_of_a_request(client_for, world):
    twice = factories.make_user(Role.APPROVER, stages=("security", "no10"))
    request = world.submitted()
    db.session.commit()
    send(client_for(twice), request, {"outcome": "approve"})
    assert state_of(request).current_stage == "no10"
    _refused(client_for(twice), request, "You have already decided another stage")


def test_a_request_no_longer_waiting_says_so_and_refuses_with_409(client_for, world):
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.REJECT, reason="No")
    client = client_for(world.no10_2)
    page = client.get(url(request)).get_data(as_text=True)
    assert 'id="decision-form"' not in page
    assert "This request is not waiting for a decision" in text_of(page)
    before = state_of(request)
    fields = {**csrf_only(client, request), "stage": "no10", "outcome": "approve"}
    response = client.post(url(request), data=fields)
    assert response.status_code == 409
    assert state_of(request) == before


# Someone else first --------------------------------------------------------------------------


def state_of_decisions(request: AccessRequest) -> list[Decision]:
    db.session.expire_all()
    return list(db.session.scalars(select(Decision).where(Decision.request_id == request.id)))


def test_when_someone_else_decided_first_nothing_changes(client_for, world):
    request = world.submitted()
    db.session.commit()
    mine = client_for(world.security)
    seen = mine.get(url(request)).get_data(as_text=True)
    send(client_for(world.security_2), request, {"outcome": "approve"})
    before = state_of(request)
    assert before.current_stage == "no10"
    response = send(mine, request, {"outcome": "reject", "rejection_reason": "No"}, page=seen)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    banner = text_of(element(page, "request-changed"))
    decided = max(state_of_decisions(request), key=lambda d: d.id)
    assert "This stage has already been decided" in banner
    assert (
        f"{world.security_2.display_name} approved the Security stage on "
        f"{uk_datetime(decided.decided_at)}" in banner
    )
    assert "Your decision has not been saved" in banner
    assert 'id="decision-form"' not in page
    # The page shows the request as it is now: the other approver's decision.
    assert ("Security", "Approved") in [(n, s) for n, s, _ in stage_rows(page)]
    assert state_of(request) == before


def test_when_the_same_person_decided_in_another_tab_the_banner_says_so(client_for, world):
    # Regression (issue 13): "Someone else got there first", though it was the same person.
    request = world.submitted()
    db.session.commit()
    mine = client_for(world.security)
    first_tab = mine.get(url(request)).get_data(as_text=True)
    second_tab = mine.get(url(request)).get_data(as_text=True)
    send(mine, request, {"outcome": "approve"}, page=second_tab)
    before = state_of(request)

    response = send(mine, request, {"outcome": "reject", "rejection_reason": "No"}, page=first_tab)

    assert response.status_code == 409
    banner = text_of(element(response.get_data(as_text=True), "request-changed"))
    decided = max(state_of_decisions(request), key=lambda d: d.id)
    assert "You have already decided this stage" in banner
    assert f"You approved the Security stage on {uk_datetime(decided.decided_at)}" in banner
    assert "Someone else" not in banner
    assert state_of(request) == before


def test_when_the_officer_withdrew_meanwhile_nothing_changes(client_for, world):
    request = world.submitted()
    db.session.commit()
    mine = client_for(world.security)
    seen = mine.get(url(request)).get_data(as_text=True)
    withdraw_request(request, world.officer)
    db.session.commit()
    before = state_of(request)
    response = send(mine, request, {"outcome": "approve"}, page=seen)
    assert response.status_code == 409
    assert "Someone else has already acted on this request" in text_of(
        response.get_data(as_text=True)
    )
    assert state_of(request) == before


def test_the_same_decision_sent_twice_is_stored_once(client_for, world):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    seen = client.get(url(request)).get_data(as_text=True)
    assert send(client, request, {"outcome": "approve"}, page=seen).status_code == 302
    after_first = state_of(request)
    assert send(client, request, {"outcome": "approve"}, page=seen).status_code == 409
    assert state_of(request) == after_first


@pytest.mark.parametrize("missing", ["stage", "version"])
def test_a_tampered_form_is_a_bad_request(client_for, world, missing):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    fields = hidden_fields(client.get(url(request)).get_data(as_text=True))
    fields[missing] = "" if missing == "stage" else "not-a-number"
    before = state_of(request)
    response = client.post(url(request), data={**fields, "outcome": "approve"})
    assert response.status_code == 400
    assert state_of(request) == before


def test_the_form_needs_its_csrf_token(client_for, world):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    fields = hidden_fields(client.get(url(request)).get_data(as_text=True))
    del fields["csrf_token"]
    before = state_of(request)
    assert client.post(url(request), data={**fields, "outcome": "approve"}).status_code == 400
    assert state_of(request) == before
