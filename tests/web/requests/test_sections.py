"""The question pages: one section of the request each, saved through update_request."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.rules.workflow import RequestKind, Status
from app.screens.requests.sections import SECTIONS
from tests.operations.support import request_in
from tests.web.client import page_title
from tests.web.requests.conftest import fill, reload
from tests.web.requests.html import banner, error_summary, main_form, text, title

NEW_ACCOUNT_ORDER = [
    "account",
    "purpose",
    "dates",
    "people",
    "device",
    "data-protection",
    "advertising",
    "risks",
]
PAID_ADVERTISING_ORDER = [
    "purpose",
    "dates",
    "people",
    "data-protection",
    "advertising",
    "risks",
]


def url(access_request, section: str) -> str:
    return f"/requests/{access_request.reference}/edit/{section}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_each_section_is_a_form_with_both_buttons(officer, draft, section):
    response = officer.get(url(draft, section))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page) == page_title(f"{SECTIONS[section].title} \N{EN DASH} {draft.reference}")
    form = main_form(page)
    assert form.method == "post"
    assert set(form.hidden) == {"csrf_token", "version"}
    assert form.hidden["version"] == str(draft.version)
    assert [name for name, _ in form.buttons] == ["save_continue", "save_draft"]
    assert "Save and continue" in page and "Save as draft" in page
    assert "novalidate" in page
    assert "<script>" not in page and "style=" not in page


def test_every_section_has_its_own_title(officer, draft):
    titles = {
        title(officer.get(url(draft, section)).get_data(as_text=True)) for section in SECTIONS
    }
    assert len(titles) == len(SECTIONS)


@pytest.mark.parametrize(
    ("kind", "order"),
    [
        (RequestKind.NEW_ACCOUNT, NEW_ACCOUNT_ORDER),
        (RequestKind.REACTIVATE_ACCOUNT, NEW_ACCOUNT_ORDER),
        (RequestKind.PAID_ADVERTISING, PAID_ADVERTISING_ORDER),
    ],
)
def test_save_and_continue_walks_the_sections_then_check_your_answers(officer, world, kind, order):
    access_request = world.draft(kind=kind)
    db.session.commit()
    following = [url(access_request, s) for s in order[1:]]
    following.append(f"/requests/{access_request.reference}/check")
    for section, expected in zip(order, following, strict=True):
        response = fill(officer, url(access_request, section))
        assert response.status_code == 302, (section, response.get_data(as_text=True))
        assert response.headers["Location"] == expected


def test_saved_answers_are_stored_and_audited_with_the_client(officer, world, draft):
    response = fill(
        officer,
        url(draft, "purpose"),
        {"purpose": "Explain services\r\nto young people", "target_audience": "  Students  "},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    assert response.status_code == 302
    saved = reload(draft)
    assert saved.purpose == "Explain services\nto young people"
    assert saved.target_audience == "Students"
    assert saved.version == 2
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_updated")
    ).one()
    assert event.client_address == "198.51.100.4"
    assert event.actor_id == world.officer.id
    assert event.payload["fields"] == ["purpose", "target_audience"]


def test_saving_without_changes_stores_nothing(officer, draft):
    fill(officer, url(draft, "people"))
    assert reload(draft).version == draft.version
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_updated")
    ).all()


def test_save_as_draft_returns_to_the_list_with_a_banner(officer, draft):
    response = fill(
        officer, url(draft, "account"), {"account_handle": "@new_handle"}, button="save_draft"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/requests/"
    page = officer.get("/requests/").get_data(as_text=True)
    assert f"Request {draft.reference} has been saved as a draft" in banner(page)
    assert "govuk-notification-banner--success" in page
    assert reload(draft).account_handle == "@new_handle"


def test_save_as_draft_after_changes_requested_says_to_resubmit(client_for, world):
    access_request = request_in(world, Status.CHANGES_REQUESTED)
    officer = client_for(world.officer)
    fill(officer, url(access_request, "risks"), {"risk_mitigations": "More"}, button="save_draft")
    page = officer.get("/requests/").get_data(as_text=True)
    assert "Resubmit it when it is ready" in banner(page)


def test_a_change_from_check_your_answers_goes_back_there(officer, draft):
    response = fill(officer, url(draft, "people") + "?from=check", {"account_managers": "Ann"})
    assert response.headers["Location"] == f"/requests/{draft.reference}/check"
    page = officer.get(url(draft, "people") + "?from=check").get_data(as_text=True)
    assert f'href="/requests/{draft.reference}/check"' in page  # the back link


def test_the_kind_can_be_changed(officer, draft):
    fill(officer, url(draft, "kind"), {"kind": "paid_advertising"})
    assert reload(draft).kind == RequestKind.PAID_ADVERTISING


# Refused answers -----------------------------------------------------------------------


def test_a_6000_character_purpose_is_refused_and_kept(officer, draft):
    long = "x" * 6000
    response = fill(officer, url(draft, "purpose"), {"purpose": long})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page).startswith("Error: ")
    assert error_summary(page) == [("Purpose must be 5,000 characters or fewer", "#purpose")]
    assert long in page
    assert 'class="govuk-error-message"' in page
    assert reload(draft).purpose == draft.purpose


def test_a_handle_over_its_limit_is_refused(officer, draft):
    page = fill(officer, url(draft, "account"), {"account_handle": "@" + "h" * 100})
    assert error_summary(page.get_data(as_text=True)) == [
        ("Account name or handle must be 100 characters or fewer", "#account_handle")
    ]


def test_markup_is_stored_as_typed_and_shown_escaped(officer, draft):
    # On a platform whose handles are not checked: TikTok's rule refuses markup
    # (test_account_handle.py).
    draft.platform.handle_rule = None
    db.session.commit()
    markup = '<script>alert("x")</script><b>bold</b>'
    fill(officer, url(draft, "account"), {"account_handle": markup})
    assert reload(draft).account_handle == markup
    for page_url in (url(draft, "account"), f"/requests/{draft.reference}/check", "/requests/"):
        page = officer.get(page_url).get_data(as_text=True)
        assert markup not in page, page_url
        assert "&lt;script&gt;" in page, page_url


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused_on_their_field(officer, draft, character):
    response = fill(officer, url(draft, "purpose"), {"justification": f"Because{character}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(page) == [
        ("Justification must not contain control characters", "#justification")
    ]
    assert reload(draft).justification == draft.justification


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (
            ["31", "2", "2027"],
            ["", "", ""],
            [("Start date must be a real date", "#start_date-day")],
        ),
        (
            ["1", "", "2027"],
            ["", "", ""],
            [("Start date must include a month", "#start_date-month")],
        ),
        (
            ["", "", "2027"],
            ["", "", ""],
            [("Start date must include a day and month", "#start_date-day")],
        ),
        (
            ["1", "13", "2027"],
            ["", "", ""],
            [("Start date must be a real date", "#start_date-day")],
        ),
        (
            ["1", "2", "27"],
            ["", "", ""],
            [("The year of the start date must include 4 numbers", "#start_date-year")],
        ),
        (
            ["a", "b", "cdef"],
            ["", "", ""],
            [("The year of the start date must include 4 numbers", "#start_date-year")],
        ),
        (
            ["\uff11", "\uff12", "2027"],  # full-width digits
            ["", "", ""],
            [("Start date must be a real date", "#start_date-day")],
        ),
        (
            ["1", "2", "2027"],
            ["30", "2", "2027"],
            [("End date must be a real date", "#end_date-day")],
        ),
        (
            ["1", "3", "2027"],
            ["1", "2", "2027"],  # refused by the domain's check, shown on the field
            [("End date must be the same as or after the start date", "#end_date-day")],
        ),
    ],
)
def test_dates_that_are_not_real_are_refused_naming_the_field(officer, draft, start, end, errors):
    response = fill(officer, url(draft, "dates"), {"start_date": start, "end_date": end})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(page) == errors
    for value in start:
        assert f'value="{value}"' in page  # what was typed is kept
    assert reload(draft).start_date == draft.start_date


def test_a_date_refused_as_a_whole_marks_all_three_boxes(officer, draft):
    page = fill(
        officer,
        url(draft, "dates"),
        {"start_date": ["1", "3", "2027"], "end_date": ["1", "2", "2027"]},
    ).get_data(as_text=True)
    end_boxes = re.findall(r'<input[^>]*name="end_date"[^>]*>', page)
    start_boxes = re.findall(r'<input[^>]*name="start_date"[^>]*>', page)
    assert len(end_boxes) == 3 and all("govuk-input--error" in box for box in end_boxes)
    assert not any("govuk-input--error" in box for box in start_boxes)


def test_only_the_missing_part_of_a_date_is_marked(officer, draft):
    page = fill(
        officer, url(draft, "dates"), {"start_date": ["1", "", "2027"], "end_date": ["", "", ""]}
    ).get_data(as_text=True)
    marked = re.findall(r"<input[^>]*govuk-input--error[^>]*>", page)
    assert len(marked) == 1 and 'id="start_date-month"' in marked[0]


def test_a_real_date_is_saved_and_an_empty_end_date_clears_it(officer, draft):
    response = fill(
        officer,
        url(draft, "dates"),
        {"start_date": [" 7", "06 ", "2027"], "end_date": ["", "", ""]},
    )
    assert response.status_code == 302
    saved = reload(draft)
    assert saved.start_date == date(2027, 6, 7)
    assert saved.end_date is None


@pytest.mark.parametrize(
    "start", [[], ["1"], ["1", "2"], ["1", "2", "2027", "4"], ["\x00", "\x00", "\x00"]]
)
def test_a_crafted_date_is_never_a_server_error(officer, draft, start):
    response = fill(officer, url(draft, "dates"), {"start_date": start})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.50", "Advertising budget must be a whole number of pounds, without pence"),
        ("-5", "Advertising budget must be £0 or more"),
        ("abc", "Advertising budget must be a whole number of pounds, like 5,000"),
        ("5e3", "Advertising budget must be a whole number of pounds, like 5,000"),
        ("²", "Advertising budget must be a whole number of pounds, like 5,000"),
        ("10000001", "Advertising budget must be £10,000,000 or less"),
        ("9" * 5000, "Advertising budget must be £10,000,000 or less"),
    ],
)
def test_a_budget_that_is_not_whole_pounds_is_refused(officer, draft, typed, message):
    response = fill(officer, url(draft, "advertising"), {"ad_budget_pounds": typed})
    page = response.get_data(as_text=True)
    assert error_summary(page) == [(message, "#ad_budget_pounds")]
    assert f'value="{typed}"' in page
    assert reload(draft).ad_budget_pounds is None


@pytest.mark.parametrize(("typed", "pounds"), [("£1,500", 1500), (" 0 ", 0), ("", None)])
def test_a_budget_in_whole_pounds_is_saved(officer, draft, typed, pounds):
    response = fill(officer, url(draft, "advertising"), {"ad_budget_pounds": typed})
    assert response.status_code == 302
    assert reload(draft).ad_budget_pounds == pounds


def test_the_budget_input_has_a_pound_prefix(officer, draft):
    page = officer.get(url(draft, "advertising")).get_data(as_text=True)
    assert 'class="govuk-input__prefix" aria-hidden="true">£</div>' in page
    assert 'inputmode="numeric"' in page


def test_the_device_attestation_is_a_checkbox(officer, draft):
    page = officer.get(url(draft, "device")).get_data(as_text=True)
    assert 'type="checkbox" value="y" checked' in page
    # An unticked box sends nothing at all.
    form = main_form(page)
    officer.post(
        url(draft, "device"),
        data={**form.hidden, "device_arrangement": "A phone", "save_continue": "y"},
    )
    assert reload(draft).device_attestation is False
    fill(officer, url(draft, "device"), {"device_attestation": "y"})
    assert reload(draft).device_attestation is True


# Stale pages, and requests that cannot be changed ---------------------------------------


def test_a_stale_page_says_someone_else_changed_it_and_keeps_the_answers(officer, world, draft):
    form = main_form(officer.get(url(draft, "purpose")).get_data(as_text=True))
    update_request(draft, world.colleague, content={"purpose": "Colleague's words"})
    db.session.commit()

    response = officer.post(
        url(draft, "purpose"),
        data={**form.hidden, "purpose": "My words", "save_continue": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this request" in text(page)
    assert "My words" in page
    assert reload(draft).purpose == "Colleague's words"
    # The page now carries the current version: saving again is a deliberate choice.
    assert main_form(page).hidden["version"] == str(reload(draft).version)
    again = officer.post(
        url(draft, "purpose"),
        data={**main_form(page).hidden, "purpose": "My words", "save_continue": "y"},
    )
    assert again.status_code == 302
    assert reload(draft).purpose == "My words"


def test_a_form_without_its_version_is_a_bad_request(officer, draft):
    form = main_form(officer.get(url(draft, "account")).get_data(as_text=True))
    for version in (None, "", "abc"):
        data = {"csrf_token": form.hidden["csrf_token"], "account_handle": "@x"}
        if version is not None:
            data["version"] = version
        response = officer.post(url(draft, "account"), data=data)
        assert response.status_code == 400
    assert reload(draft).account_handle == draft.account_handle


def test_without_the_csrf_token_nothing_is_stored(officer, draft):
    response = officer.post(
        url(draft, "account"),
        data={"version": draft.version, "account_handle": "@x", "save_continue": "y"},
    )
    assert response.status_code == 400
    assert "Your form could not be sent" in text(response.get_data(as_text=True))
    assert reload(draft).account_handle == draft.account_handle


def test_an_unknown_section_is_not_found(officer, draft):
    assert officer.get(url(draft, "no-such-section")).status_code == 404


@pytest.mark.parametrize(
    "status", [Status.IN_REVIEW, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN]
)
def test_a_request_that_is_not_open_for_changes_cannot_be_edited(client_for, world, status):
    access_request = request_in(world, status)
    officer = client_for(world.officer)

    visit = officer.get(url(access_request, "purpose"))
    assert visit.status_code == 302
    assert visit.headers["Location"] == f"/requests/{access_request.reference}"
    banner = text(officer.get(visit.headers["Location"]).get_data(as_text=True))
    assert "so it cannot be changed now" in banner or "can no longer be changed" in banner

    token = main_form(officer.get("/requests/new").get_data(as_text=True)).hidden["csrf_token"]
    response = officer.post(
        url(access_request, "purpose"),
        data={"csrf_token": token, "version": access_request.version, "purpose": "Changed"},
    )
    assert response.status_code == 409
    assert "cannot be edited" in text(response.get_data(as_text=True))
    assert reload(access_request).purpose != "Changed"


def test_a_request_sent_back_for_changes_can_be_edited(client_for, world):
    access_request = request_in(world, Status.CHANGES_REQUESTED)
    officer = client_for(world.officer)
    response = fill(officer, url(access_request, "people"), {"account_managers": "Ann and Bo"})
    assert response.status_code == 302
    saved = reload(access_request)
    assert saved.account_managers == "Ann and Bo"
    assert saved.status == Status.CHANGES_REQUESTED


def test_a_request_submitted_while_the_page_was_open_is_not_changed(officer, world, draft):
    form = main_form(officer.get(url(draft, "purpose")).get_data(as_text=True))
    submit_request(draft, world.colleague)
    db.session.commit()
    response = officer.post(
        url(draft, "purpose"), data={**form.hidden, "purpose": "Late", "save_continue": "y"}
    )
    assert response.status_code == 409
    assert reload(draft).purpose != "Late"
