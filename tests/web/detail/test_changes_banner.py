"""The request page of a request sent back for changes: a banner at the top says which
stage asked, when and why, and gives the department's officers the way to answer it."""

from __future__ import annotations

import pytest
from flask import url_for

from app.extensions import db
from app.models import AccessRequest
from app.operations.resubmit_request import resubmit_request
from app.operations.withdraw_request import withdraw_request
from app.rules.formatting import uk_date
from app.rules.workflow import Outcome
from tests.web.review.support import at_stage, decide, element, text_of

BANNER = "changes-requested"
REASON = "Say who will moderate comments out of hours."


def url(request: AccessRequest) -> str:
    return f"/requests/{request.reference}"


def page_for(client_for, user, request: AccessRequest) -> str:
    response = client_for(user).get(url(request))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def sent_back_by_no10(world, reason: str = REASON) -> AccessRequest:
    """A request Security approved and No10 sent back for changes."""
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason=reason)
    return request


def edit_url(app, request: AccessRequest) -> str:
    with app.test_request_context():
        return url_for("requests.edit", reference=request.reference, section="account")


@pytest.mark.parametrize("who", ["officer", "colleague"])
def test_the_department_s_officers_see_who_asked_why_and_where_to_answer(
    app, client_for, world, who
):
    request = sent_back_by_no10(world)
    page = page_for(client_for, getattr(world, who), request)
    banner = element(page, BANNER)
    assert 'class="govuk-notification-banner"' in banner
    assert 'role="region" aria-labelledby="changes-requested-title"' in banner
    decided_at = request.decisions[-1].decided_at
    words = text_of(banner)
    assert words.startswith(
        f"Changes requested No10 asked for changes on {uk_date(decided_at)} {REASON} "
    )
    assert words.endswith("then check your answers and resubmit the request.")
    answer = edit_url(app, request)
    assert (
        f'<a class="govuk-notification-banner__link" href="{answer}">'
        "Answer the changes requested</a>" in banner
    )
    # The same place as the "Answer changes requested" button under the heading.
    assert element(page, "officer-actions").count(f'href="{answer}"') == 1


def test_the_banner_comes_before_the_heading(client_for, world):
    request = sent_back_by_no10(world)
    main = element(page_for(client_for, world.officer, request), "main-content")
    assert main.index(f'id="{BANNER}"') < main.index("<h1")


@pytest.mark.parametrize("who", ["security", "no10", "cabinet_office", "auditor", "admin"])
def test_everyone_else_sees_why_but_no_way_to_answer(app, client_for, world, who):
    request = sent_back_by_no10(world)
    page = page_for(client_for, getattr(world, who), request)
    banner = element(page, BANNER)
    assert REASON in text_of(banner)
    assert "<a " not in banner
    assert edit_url(app, request) not in page
    assert text_of(banner).endswith(
        f"Officers of {request.department.name} must change the request and resubmit it"
        " before it is decided again."
    )


def test_the_reason_is_escaped_and_keeps_its_line_breaks(client_for, world):
    request = sent_back_by_no10(world, reason='Line one\n<script>alert("x")</script> & more')
    page = page_for(client_for, world.officer, request)
    reason = element(page, "changes-requested-reason")
    assert "Line one<br>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in reason
    assert "<script>alert" not in page


def test_it_names_the_stage_that_asked(client_for, world):
    request = world.submitted()
    db.session.commit()
    decide(request, world.security, Outcome.REQUEST_CHANGES, reason="Name the device")
    banner = text_of(element(page_for(client_for, world.officer, request), BANNER))
    assert banner.startswith("Changes requested Security asked for changes on ")
    assert "Name the device" in banner


def test_after_resubmitting_a_second_request_for_changes_shows_only_the_latest(client_for, world):
    request = sent_back_by_no10(world, reason="First reason")
    resubmit_request(request, world.officer)
    db.session.commit()
    decide(request, world.security, Outcome.REQUEST_CHANGES, reason="Second reason")
    page = page_for(client_for, world.officer, request)
    banner = text_of(element(page, BANNER))
    assert "Security asked for changes" in banner and "Second reason" in banner
    assert "First reason" not in banner  # still in the history, further down
    assert page.count(f'id="{BANNER}"') == 1


@pytest.mark.parametrize("state", ["draft", "in_review", "resubmitted", "withdrawn", "rejected"])
def test_no_banner_unless_changes_are_awaited(client_for, world, state):
    if state == "draft":
        request = world.draft()
        db.session.commit()
    elif state == "in_review":
        request = at_stage(world, "no10")
    elif state == "rejected":
        request = at_stage(world, "no10")
        decide(request, world.no10, Outcome.REJECT, reason=REASON)
    else:
        request = sent_back_by_no10(world)
        if state == "resubmitted":
            resubmit_request(request, world.officer)
        else:
            withdraw_request(request, world.officer)
        db.session.commit()
    page = page_for(client_for, world.officer, request)
    assert f'id="{BANNER}"' not in page
    assert "govuk-notification-banner" not in page
