"""Check your answers, submitting or resubmitting, and the confirmation page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RequestRevision
from app.operations.update_request import update_request
from app.rules.workflow import RequestKind, Status
from tests.operations.support import request_in
from tests.web.client import page_title
from tests.web.requests.conftest import fill, reload
from tests.web.requests.html import error_summary, main_form, text, title


def check_url(access_request) -> str:
    return f"/requests/{access_request.reference}/check"


def summary_rows(page: str) -> dict[str, str]:
    """Summary list key -> the rest of the row's text (value, then any action)."""
    found = {}
    for row in re.findall(r'<div class="govuk-summary-list__row.*?</div>', page, re.S):
        key = re.search(r"<dt[^>]*>(.*?)</dt>", row, re.S)
        assert key
        found[text(key.group(1))] = text(row[key.end() :])
    return found


def test_the_page_lists_every_answer_with_a_change_link(officer, draft):
    page = officer.get(check_url(draft)).get_data(as_text=True)

    assert title(page) == page_title(f"Check your answers \N{EN DASH} {draft.reference}")
    rows = summary_rows(page)
    assert rows["Platform"] == "TikTok"
    assert rows["Kind of request"] == "Open a new account Change kind of request"
    assert rows["Purpose"] == ("Reach young people with public health messages Change purpose")
    assert rows["Start date"] == "4 January 2027 Change start date"
    assert rows["Not installed on a government device"].startswith("Confirmed")
    assert rows["Advertising budget"].startswith("No paid advertising planned")
    ref = draft.reference
    assert (
        f'<a class="govuk-link" href="/requests/{ref}/edit/purpose?from=check">Change'
        '<span class="govuk-visually-hidden"> purpose</span></a>'
    ) in page
    assert f'href="/requests/{ref}/edit/data-protection?from=check"' in page
    assert "to the best of your knowledge" in page
    form = main_form(page)
    assert form.action == f"/requests/{ref}/submit"
    assert set(form.hidden) == {"csrf_token", "version"}
    assert "Submit request" in page and "Resubmit request" not in page


def test_a_paid_advertising_request_does_not_ask_about_an_account(officer, world):
    access_request = world.draft(kind=RequestKind.PAID_ADVERTISING, ad_budget_pounds=2500)
    db.session.commit()
    rows = summary_rows(officer.get(check_url(access_request)).get_data(as_text=True))
    assert "Account name or handle" not in rows
    assert "Standalone device arrangement" not in rows
    assert rows["Advertising budget"].startswith("£2,500")


def test_line_breaks_are_kept_and_markup_escaped(officer, world):
    access_request = world.draft(risk_mitigations="One <b>\nTwo")
    db.session.commit()
    page = officer.get(check_url(access_request)).get_data(as_text=True)
    assert "One &lt;b&gt;<br>Two" in page


def test_an_incomplete_request_shows_what_is_missing_and_is_not_submitted(officer, world):
    access_request = world.draft(
        purpose="", start_date=None, end_date=None, device_attestation=False
    )
    db.session.commit()
    ref = access_request.reference

    page = officer.get(check_url(access_request)).get_data(as_text=True)
    rows = summary_rows(page)
    assert rows["Purpose"] == "Enter the purpose"
    assert f'<a class="govuk-link" href="/requests/{ref}/edit/purpose?from=check">' in page
    assert rows["End date"].startswith("No planned end date")

    response = fill(officer, check_url(access_request))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page).startswith("Error: Check your answers")
    assert error_summary(page) == [
        ("Enter the purpose", f"/requests/{ref}/edit/purpose?from=check"),
        ("Enter the start date", f"/requests/{ref}/edit/dates?from=check"),
        (
            "Confirm the app will not be installed on a government device",
            f"/requests/{ref}/edit/device?from=check",
        ),
    ]
    saved = reload(access_request)
    assert saved.status == Status.DRAFT
    assert saved.revisions == []


def test_submitting_goes_to_the_confirmation_with_the_pipeline(officer, world, draft):
    response = fill(officer, check_url(draft), environ_base={"REMOTE_ADDR": "192.0.2.44"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{draft.reference}/submitted"
    saved = reload(draft)
    assert saved.status == Status.IN_REVIEW
    assert [r.number for r in saved.revisions] == [1]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_submitted")
    ).one()
    assert event.client_address == "192.0.2.44"
    assert event.actor_id == world.officer.id

    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert title(page) == page_title(f"Request submitted \N{EN DASH} {draft.reference}")
    assert 'class="govuk-panel govuk-panel--confirmation"' in page
    assert draft.reference in text(page)
    assert "What happens next" in page
    assert re.findall(r"<li>(.*?)</li>", page.split("What happens next")[1]) == [
        "Security",
        "No10",
        "Cabinet Office",
    ]


def test_a_stale_check_page_is_refused_and_nothing_changes(officer, world, draft):
    form = main_form(officer.get(check_url(draft)).get_data(as_text=True))
    update_request(draft, world.colleague, content={"purpose": "Changed meanwhile"})
    db.session.commit()

    response = officer.post(form.action, data=form.hidden)
    assert response.status_code == 409
    assert "This request has changed since you opened it" in text(response.get_data(as_text=True))
    assert reload(draft).status == Status.DRAFT


def test_submitting_without_the_csrf_token_stores_nothing(officer, draft):
    response = officer.post(f"/requests/{draft.reference}/submit", data={"version": draft.version})
    assert response.status_code == 400
    assert reload(draft).status == Status.DRAFT


def test_submitting_without_the_version_is_a_bad_request(officer, draft):
    form = main_form(officer.get(check_url(draft)).get_data(as_text=True))
    response = officer.post(form.action, data={"csrf_token": form.hidden["csrf_token"]})
    assert response.status_code == 400
    assert reload(draft).status == Status.DRAFT


#: What the banner on the request's page says, for a visit to a page it moved past.
WHERE_IT_STANDS = {
    Status.IN_REVIEW: "has been submitted and is waiting for a decision at the Security stage",
    Status.APPROVED: "has been approved, so it can no longer be changed",
    Status.REJECTED: "has been rejected, so it can no longer be changed",
    Status.WITHDRAWN: "has been withdrawn, so it can no longer be changed",
}


@pytest.mark.parametrize("status", list(WHERE_IT_STANDS))
def test_visiting_check_answers_after_the_request_moved_on_shows_where_it_stands(
    client_for, world, status
):
    # Regression (issue 13): a bookmark or the back button answered 409, "Nothing you sent
    # has been saved", though nothing was sent.
    access_request = request_in(world, status)
    officer = client_for(world.officer)

    response = officer.get(check_url(access_request))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{access_request.reference}"
    page = officer.get(response.headers["Location"])
    assert page.status_code == 200
    banner = text(page.get_data(as_text=True))
    assert f"{access_request.reference} {WHERE_IT_STANDS[status]}" in banner
    assert "Nothing you sent" not in banner


@pytest.mark.parametrize("status", list(WHERE_IT_STANDS))
def test_submitting_a_request_that_moved_on_still_gets_a_conflict(client_for, world, status):
    access_request = request_in(world, status)
    officer = client_for(world.officer)
    token = main_form(officer.get("/requests/new").get_data(as_text=True)).hidden["csrf_token"]
    response = officer.post(
        f"/requests/{access_request.reference}/submit",
        data={"csrf_token": token, "version": access_request.version},
    )
    assert response.status_code == 409
    assert "Nothing you sent has been saved" in text(response.get_data(as_text=True))
    assert reload(access_request).status == status


def test_another_departments_officer_still_cannot_open_check_answers(client_for, world):
    access_request = request_in(world, Status.IN_REVIEW)
    response = client_for(world.outsider).get(check_url(access_request))
    assert response.status_code == 404  # not a redirect that would confirm it exists


def test_the_confirmation_of_a_draft_goes_to_the_request_page(officer, draft):
    response = officer.get(f"/requests/{draft.reference}/submitted")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{draft.reference}"


# Changes requested ----------------------------------------------------------------------


def test_after_changes_requested_the_page_shows_why_and_offers_resubmission(client_for, world):
    access_request = request_in(world, Status.CHANGES_REQUESTED)
    officer = client_for(world.officer)

    page = officer.get(check_url(access_request)).get_data(as_text=True)

    assert "Security asked for changes on" in text(page)
    assert "Name a second account manager" in page
    assert "Resubmit request" in page and "Submit request" not in page


def test_resubmitting_files_revision_2_and_starts_the_pipeline_again(client_for, world):
    access_request = request_in(world, Status.CHANGES_REQUESTED)
    officer = client_for(world.officer)
    fill(
        officer,
        f"/requests/{access_request.reference}/edit/people?from=check",
        {"account_managers": "Ann and Bo"},
    )

    response = fill(officer, check_url(access_request))

    assert response.headers["Location"] == f"/requests/{access_request.reference}/submitted"
    saved = reload(access_request)
    assert saved.status == Status.IN_REVIEW
    assert saved.current_stage == "security"
    revisions = db.session.scalars(
        select(RequestRevision)
        .where(RequestRevision.request_id == saved.id)
        .order_by(RequestRevision.number)
    ).all()
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].content["account_managers"] == "Ann and Bo"
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "request_resubmitted"))
        .one()
        .client_address
        == "127.0.0.1"
    )
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert title(page) == page_title(f"Request resubmitted \N{EN DASH} {access_request.reference}")
