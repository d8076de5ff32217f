"""Starting a request: the platform and the kind of request, then on to the sections."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessRequest, AuditEvent
from app.rules.workflow import KIND_LABELS, RequestKind, Status
from tests import factories
from tests.web.client import page_title
from tests.web.requests.conftest import fill
from tests.web.requests.html import error_summary, main_form, text, title


def request_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessRequest)) or 0


def test_the_page_asks_for_the_platform_and_kind(officer, world):
    retired = factories.make_platform("Retired platform")
    retired.active = False
    db.session.commit()

    page = officer.get("/requests/new").get_data(as_text=True)

    assert title(page) == page_title("Start a new request")
    assert "<legend" in page and "Which platform is the request for?" in page
    assert "What is the request for?" in page
    assert "TikTok" in page and "Retired platform" not in page
    for kind in RequestKind:
        assert f'value="{kind}"' in page
        assert KIND_LABELS[kind] in page
    assert 'class="govuk-hint govuk-radios__hint"' in page


@pytest.mark.parametrize(
    ("kind", "first_section"),
    [
        (RequestKind.NEW_ACCOUNT, "account"),
        (RequestKind.REACTIVATE_ACCOUNT, "account"),
        (RequestKind.PAID_ADVERTISING, "purpose"),
    ],
)
def test_continuing_creates_a_draft_and_goes_to_the_first_section(
    officer, world, kind, first_section
):
    response = fill(officer, "/requests/new", {"platform": world.platform.id, "kind": kind})

    access_request = db.session.scalars(select(AccessRequest)).one()
    assert access_request.status == Status.DRAFT
    assert access_request.kind == kind
    assert access_request.platform_id == world.platform.id
    assert access_request.department_id == world.department.id
    assert access_request.requester_id == world.officer.id
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/requests/{access_request.reference}/edit/{first_section}"
    )


def test_nothing_chosen_shows_both_errors_linked_to_the_radios(officer, world):
    response = fill(officer, "/requests/new", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page).startswith("Error: Start a new request")
    assert error_summary(page) == [
        ("Select the platform", "#platform"),
        ("Select what the request is for", "#kind"),
    ]
    assert 'id="platform"' in page and 'id="kind"' in page
    assert request_count() == 0


@pytest.mark.parametrize(
    "answers",
    [
        {"platform": "999999", "kind": "new_account"},
        {"platform": "abc", "kind": "new_account"},
        {"platform": "1\x00", "kind": "new_account"},
        {"platform": "<script>", "kind": "<script>alert(1)</script>"},
    ],
)
def test_made_up_choices_are_refused_with_a_message(officer, world, answers):
    response = fill(officer, "/requests/new", answers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(page)
    assert "<script>alert(1)</script>" not in page
    assert request_count() == 0


def test_the_choice_is_kept_when_the_other_is_missing(officer, world):
    page = fill(officer, "/requests/new", {"kind": "paid_advertising"}).get_data(as_text=True)
    assert error_summary(page) == [("Select the platform", "#platform")]
    assert 'value="paid_advertising" checked' in page


def test_a_platform_retired_while_the_page_was_open_is_refused(officer, world):
    form = main_form(officer.get("/requests/new").get_data(as_text=True))
    world.platform.active = False
    db.session.commit()
    response = officer.post(
        "/requests/new",
        data={**form.hidden, "platform": world.platform.id, "kind": "new_account"},
    )
    assert response.status_code == 200
    assert error_summary(response.get_data(as_text=True))
    assert request_count() == 0


def test_without_the_csrf_token_nothing_is_stored(officer, world):
    response = officer.post(
        "/requests/new", data={"platform": world.platform.id, "kind": "new_account"}
    )
    assert response.status_code == 400
    assert "Your form could not be sent" in text(response.get_data(as_text=True))
    assert request_count() == 0


def test_no_platform_taking_requests_says_so(officer, world):
    world.platform.active = False
    db.session.commit()
    page = officer.get("/requests/new").get_data(as_text=True)
    assert "No platform is taking requests" in page
    assert '<form method="post" action="/requests/new"' not in page


def test_the_creation_is_audited_with_the_client_address(officer, world):
    fill(
        officer,
        "/requests/new",
        {"platform": world.platform.id, "kind": "new_account"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_created")
    ).one()
    assert event.client_address == "203.0.113.7"
    assert event.actor_id == world.officer.id
    assert event.correlation_id
