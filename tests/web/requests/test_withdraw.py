"""Withdrawing a request, after a confirmation step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.operations.update_request import update_request
from app.rules.workflow import Status
from tests.operations.support import request_in
from tests.web.client import page_title
from tests.web.requests.conftest import fill, reload
from tests.web.requests.html import banner, error_summary, main_form, text, title


def withdraw_url(access_request) -> str:
    return f"/requests/{access_request.reference}/withdraw"


def test_the_confirmation_asks_with_a_warning_button_and_a_cancel_link(officer, draft):
    page = officer.get(withdraw_url(draft)).get_data(as_text=True)
    question = f"Are you sure you want to withdraw {draft.reference}?"
    assert title(page) == page_title(question)
    assert f'<h1 class="govuk-heading-l">{question}</h1>' in page
    assert 'class="govuk-button govuk-button--warning"' in page
    assert f'<a class="govuk-link" href="/requests/{draft.reference}">Cancel</a>' in page
    assert '<textarea class="govuk-textarea' in page and "(optional)" in page
    assert set(main_form(page).hidden) == {"csrf_token", "version"}
    assert reload(draft).status == Status.DRAFT  # asking changes nothing


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED])
def test_withdrawing_records_the_reason_and_shows_a_banner(client_for, world, status):
    access_request = request_in(world, status)
    officer = client_for(world.officer)

    response = fill(
        officer,
        withdraw_url(access_request),
        {"reason": "The campaign was cancelled"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{access_request.reference}"
    assert reload(access_request).status == Status.WITHDRAWN
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_withdrawn")
    ).one()
    assert event.comment == "The campaign was cancelled"
    assert event.client_address == "192.0.2.9"
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Request {access_request.reference} has been withdrawn" in banner(page)


def test_the_reason_is_optional(officer, draft):
    assert fill(officer, withdraw_url(draft)).status_code == 302
    assert reload(draft).status == Status.WITHDRAWN


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("x" * 6000, "Reason must be 5,000 characters or fewer"),
        ("Because\x00", "Reason must not contain control characters"),
    ],
)
def test_a_reason_that_cannot_be_kept_is_refused(officer, draft, reason, message):
    response = fill(officer, withdraw_url(draft), {"reason": reason})
    assert response.status_code == 200
    assert error_summary(response.get_data(as_text=True)) == [(message, "#reason")]
    assert reload(draft).status == Status.DRAFT


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.WITHDRAWN])
def test_a_finished_request_cannot_be_withdrawn(client_for, world, status):
    access_request = request_in(world, status)
    officer = client_for(world.officer)

    # A plain visit (a bookmark, the back button) goes to the request, which says why.
    visit = officer.get(withdraw_url(access_request))
    assert visit.status_code == 302
    assert visit.headers["Location"] == f"/requests/{access_request.reference}"
    banner = text(officer.get(visit.headers["Location"]).get_data(as_text=True))
    assert f"{access_request.reference} has been {status.value}" in banner

    # A confirmation sent anyway is a conflict, and changes nothing.
    token = main_form(officer.get("/requests/new").get_data(as_text=True)).hidden["csrf_token"]
    response = officer.post(
        withdraw_url(access_request), data={"csrf_token": token, "version": access_request.version}
    )
    assert response.status_code == 409
    assert "cannot be withdrawn" in text(response.get_data(as_text=True))
    assert reload(access_request).status == status


def test_a_stale_confirmation_is_refused(officer, world, draft):
    form = main_form(officer.get(withdraw_url(draft)).get_data(as_text=True))
    update_request(draft, world.colleague, content={"purpose": "Changed meanwhile"})
    db.session.commit()
    response = officer.post(withdraw_url(draft), data=form.hidden)
    assert response.status_code == 409
    assert reload(draft).status == Status.DRAFT


def test_without_the_csrf_token_nothing_changes(officer, draft):
    response = officer.post(withdraw_url(draft), data={"version": draft.version})
    assert response.status_code == 400
    assert reload(draft).status == Status.DRAFT
