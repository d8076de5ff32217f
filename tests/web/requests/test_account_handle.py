"""The account page takes a handle only in the shape the platform gives out (TikTok's rule,
from the reference data), and says what a handle may hold when it refuses one."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests import handles
from tests.web.requests.conftest import fill, reload
from tests.web.requests.html import error_summary, text, title


def account_page(access_request) -> str:
    return f"/requests/{access_request.reference}/edit/account"


def field_error(page: str) -> str:
    """The words of the error message above the handle's input."""
    match = re.search(
        r'<p id="account_handle-error" class="govuk-error-message">(.*?)</p>', page, re.S
    )
    assert match, "no error message on the handle's field"
    return text(match.group(1))


@pytest.mark.parametrize("handle", handles.ACCEPTED)
def test_a_handle_in_tiktoks_shape_is_saved_as_typed(officer, draft, handle):
    response = fill(officer, account_page(draft), {"account_handle": f" {handle} "})
    assert response.status_code == 302
    assert reload(draft).account_handle == handle  # the @ kept or left out, as typed


@pytest.mark.parametrize("handle", handles.REFUSED)
def test_a_handle_of_another_shape_is_refused_saying_what_a_handle_may_hold(officer, draft, handle):
    response = fill(officer, account_page(draft), {"account_handle": handle})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page).startswith("Error: ")
    assert error_summary(page) == [(handles.TIKTOK_REFUSAL, "#account_handle")]
    assert field_error(page) == f"Error: {handles.TIKTOK_REFUSAL}"
    assert f'value="{escape(handle)}"' in page  # kept, to correct
    saved = reload(draft)
    assert (saved.account_handle, saved.version) == (draft.account_handle, draft.version)
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "request_updated")
    ).all()


def test_a_handle_saved_before_the_rule_is_refused_on_submission_with_a_link_to_it(officer, draft):
    draft.account_handle = "<script>alert(1)</script>"
    db.session.commit()
    response = fill(officer, f"/requests/{draft.reference}/check")
    assert response.status_code == 200
    assert error_summary(response.get_data(as_text=True)) == [
        (handles.TIKTOK_REFUSAL, account_page(draft) + "?from=check")
    ]
    saved = reload(draft)
    assert (saved.status, saved.revisions) == ("draft", [])
