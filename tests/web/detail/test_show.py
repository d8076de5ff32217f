"""The request page: who may see it, what it shows, and what each person can do from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import url_for
from sqlalchemy import update

from app.extensions import db
from app.models import AccessRequest
from app.operations.resubmit_request import resubmit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.formatting import uk_datetime
from app.rules.roles import Role
from app.rules.workflow import Outcome, RequestKind
from tests import factories
from tests.web.client import page_title
from tests.web.review.support import (
    at_stage,
    counting_queries,
    decide,
    element,
    forms_of,
    queries,
    stage_rows,
    text_of,
    timeline,
)


def url(request: AccessRequest) -> str:
    return f"/requests/{request.reference}"


# Who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("officer", 200),
        ("colleague", 200),
        ("outsider", 404),
        ("security", 200),
        ("cabinet_office", 200),
        ("auditor", 200),
        ("admin", 200),
    ],
)
def test_a_submitted_request_is_seen_by_its_department_approvers_auditors_and_admins(
    client_for, world, who, status_code
):
    request = world.submitted()
    db.session.commit()
    response = client_for(getattr(world, who)).get(url(request))
    assert response.status_code == status_code


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("officer", 200),
        ("colleague", 200),
        ("outsider", 404),
        ("security", 404),
        ("no10", 404),
        ("auditor", 200),
        ("admin", 200),
    ],
)
def test_a_draft_is_the_department_s_own_business(client_for, world, who, status_code):
    request = world.draft()
    db.session.commit()
    assert client_for(getattr(world, who)).get(url(request)).status_code == status_code


def test_another_department_s_request_looks_exactly_like_one_that_does_not_exist(client_for, world):
    request = world.submitted()
    db.session.commit()
    outsider = client_for(world.outsider)
    hidden = outsider.get(url(request))
    missing = outsider.get("/requests/PRQ-2026-99999")
    assert hidden.status_code == missing.status_code == 404
    assert request.reference not in hidden.get_data(as_text=True)
    assert element(hidden.get_data(as_text=True), "main-content") == element(
        missing.get_data(as_text=True), "main-content"
    )


def test_the_reference_is_found_whatever_its_case(client_for, world):
    request = world.submitted()
    db.session.commit()
    response = client_for(world.officer).get(url(request).lower())
    assert response.status_code == 200


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    request = world.submitted()
    db.session.commit()
    response = client.get(url(request))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_page_is_never_cached(client_for, world):
    request = world.submitted()
    db.session.commit()
    response = client_for(world.auditor).get(url(request))
    assert response.headers["Cache-Control"] == "no-store"


# What it shows ---------------------------------------------------------------------------


def test_heading_names_the_request_and_its_status(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert f"<title>{page_title('Request ' + request.reference)}</title>" in page
    heading = text_of(element(page, "main-content").split("</h1>")[0])
    assert heading.endswith(f"Request {request.reference} In review")


def test_the_summary_shows_the_latest_answers_in_words(client_for, world):
    request = world.draft(
        kind=RequestKind.PAID_ADVERTISING,
        account_handle="",
        ad_budget_pounds=25000,
        purpose="Reach young people\nwith <b>health</b> messages",
    )
    update_request(request, world.officer, content={"target_audience": "Everyone under 25"})
    db.session.commit()
    page = text_of(client_for(world.officer).get(url(request)).get_data(as_text=True))
    assert "What the request is for Paid advertising without an account of our own" in page
    assert "Account name or handle Not provided" in page
    assert "Advertising budget £25,000" in page
    assert "Start date 4 January 2027" in page
    assert "End date 2 July 2027" in page
    assert "Not installed on a government device Confirmed" in page
    assert "Target audience Everyone under 25" in page  # the latest value, not the first
    assert "Department Department for Science, Innovation and Technology" in page
    assert "Platform TikTok" in page
    assert f"Requested by Olive Officer ({world.officer.email})" in page


def test_answers_keep_their_line_breaks_and_are_escaped(client_for, world):
    request = world.draft(purpose="Line one\n<script>alert(1)</script>")
    db.session.commit()
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert "Line one<br>&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_no_budget_reads_as_on_check_answers(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = text_of(client_for(world.officer).get(url(request)).get_data(as_text=True))
    assert "Advertising budget No paid advertising planned" in page


# Approval stages ------------------------------------------------------------------------


def _stages(client_for, world, request):
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    return [(name, state) for name, state, _ in stage_rows(page)]


def test_a_draft_s_stages_have_not_started(client_for, world):
    request = world.draft()
    db.session.commit()
    assert _stages(client_for, world, request) == [
        ("Security", "Not started yet"),
        ("No10", "Not started yet"),
        ("Cabinet Office", "Not started yet"),
    ]


def test_stages_show_who_decided_and_who_is_waiting(client_for, world):
    request = at_stage(world, "no10")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    rows = stage_rows(page)
    assert [(name, state) for name, state, _ in rows] == [
        ("Security", "Approved"),
        ("No10", "Waiting for decision"),
        ("Cabinet Office", "Not started yet"),
    ]
    decided_at = request.decisions[0].decided_at
    # Each stage says its quorum, then who decided when.
    assert rows[0][2] == f"Any one approver Sally Security, {uk_datetime(decided_at)}"
    assert rows[1][2] == rows[2][2] == "Any one approver"


def test_conditions_are_shown_in_an_inset(client_for, world):
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.APPROVE_WITH_CONDITIONS, conditions="No paid ads\nEver")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert ("No10", "Approved with conditions") in [(n, s) for n, s, _ in stage_rows(page)]
    inset = element(page, "approval-conditions")
    assert 'class="govuk-inset-text"' in inset
    assert "No paid ads<br>Ever" in inset
    assert "Nina Number-Ten" in text_of(inset)


def test_no_conditions_no_inset(client_for, world):
    request = at_stage(world, "cabinet_office")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert 'id="approval-conditions"' not in page


@pytest.mark.parametrize(
    ("outcome", "states"),
    [
        (Outcome.REQUEST_CHANGES, ["Approved", "Changes requested", "Not started yet"]),
        (Outcome.REJECT, ["Approved", "Rejected", "Not needed"]),
    ],
)
def test_a_stage_that_sends_a_request_back_or_rejects_it(client_for, world, outcome, states):
    request = at_stage(world, "no10")
    decide(request, world.no10, outcome, reason="Not yet")
    assert [state for _, state in _stages(client_for, world, request)] == states


def test_a_withdrawn_request_needs_no_more_decisions(client_for, world):
    request = at_stage(world, "no10")
    withdraw_request(request, world.officer)
    db.session.commit()
    states = [state for _, state in _stages(client_for, world, request)]
    assert states == ["Approved", "Not needed", "Not needed"]


def test_an_approved_request_shows_every_stage_approved(client_for, world):
    request = at_stage(world, "cabinet_office")
    decide(request, world.cabinet_office)
    states = [state for _, state in _stages(client_for, world, request)]
    assert states == ["Approved", "Approved", "Approved"]


def test_stages_are_for_the_current_revision(client_for, world):
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Say who moderates")
    resubmit_request(request, world.officer)
    db.session.commit()
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert [state for _, state, _ in stage_rows(page)] == [
        "Waiting for decision",
        "Not started yet",
        "Not started yet",
    ]
    assert "For revision 2" in page


# History ----------------------------------------------------------------------------------


def test_history_tells_the_whole_story_newest_first(client_for, world):
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Say who moderates\ncomments")
    update_request(request, world.officer, content={"purpose": "Better", "end_date": None})
    resubmit_request(request, world.colleague)
    db.session.commit()
    decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions="No ads")
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    items = timeline(page)
    assert [item["title"] for item in items] == [
        "Approved with conditions by Security",
        "Resubmitted after changes",
        "Answers changed",
        "Changes requested by No10",
        "Approved by Security",
        "Submitted for approval",
        "Request started",
    ]
    newest, resubmitted, changed, sent_back, *_, started = items
    assert newest["byline"] == f"by Sally Security ({world.security.email})"
    assert newest["description"] == "Revision 2 Sent on to: No10 Conditions: No ads"
    assert resubmitted["byline"] == f"by Colin Colleague ({world.colleague.email})"
    assert resubmitted["description"] == "Revision 2 Sent to: Security"
    assert changed["description"] == "Changed: End date, Purpose"
    assert sent_back["description"] == "Revision 1 Reason: Say who moderates comments"
    assert started["byline"] == f"by Olive Officer ({world.officer.email})"
    assert all(item["date"] for item in items)
    assert "Say who moderates<br>comments" in page


def test_history_says_when_the_last_approval_approves_the_request(client_for, world):
    request = at_stage(world, "cabinet_office")
    decide(request, world.cabinet_office)
    newest = timeline(client_for(world.officer).get(url(request)).get_data(as_text=True))[0]
    assert newest["title"] == "Approved by Cabinet Office"
    assert newest["description"] == "Revision 1 The request is approved"


def test_history_of_a_withdrawal_and_a_deactivated_actor(client_for, world):
    request = world.submitted()
    withdraw_request(request, world.colleague, reason="Campaign cancelled")
    world.colleague.active = False
    db.session.commit()
    newest = timeline(client_for(world.officer).get(url(request)).get_data(as_text=True))[0]
    assert newest["title"] == "Withdrawn"
    assert newest["byline"] == f"by Colin Colleague ({world.colleague.email})"
    assert newest["description"] == "Reason: Campaign cancelled"


def test_history_costs_the_same_queries_however_long_it_is(client_for, world):
    short = world.submitted()
    long = at_stage(world, "no10")
    for _ in range(3):
        decide(long, world.no10, Outcome.REQUEST_CHANGES, reason="Again")
        update_request(long, world.officer, content={"purpose": f"Take {long.version}"})
        resubmit_request(long, world.officer)
        db.session.commit()
        decide(long, world.security)
    db.session.commit()
    auditor = client_for(world.auditor)
    with counting_queries() as few:
        auditor.get(url(short))
    with counting_queries() as many:
        page = auditor.get(url(long)).get_data(as_text=True)
    assert len(timeline(page)) == 15
    assert len(queries(many)) == len(queries(few))


# What each person can do -----------------------------------------------------------------


def _actions(page: str) -> list[str]:
    if 'id="officer-actions"' not in page:
        return []
    return [text_of(a) for a in element(page, "officer-actions").split("</a>")[:-1]]


@pytest.mark.parametrize("who", ["officer", "colleague"])
def test_officers_of_the_department_continue_a_draft(app, client_for, world, who):
    request = world.draft()
    db.session.commit()
    page = client_for(getattr(world, who)).get(url(request)).get_data(as_text=True)
    assert _actions(page) == ["Continue editing", "Check and submit", "Withdraw this request"]
    with app.test_request_context():
        edit = url_for("requests.edit", reference=request.reference, section="account")
        check = url_for("requests.check", reference=request.reference)
        withdraw = url_for("requests.withdraw", reference=request.reference)
    for href in (edit, check, withdraw):
        assert f'href="{href}"' in page


def test_officers_answer_changes_requested(client_for, world):
    request = world.submitted()
    decide(request, world.security, Outcome.REQUEST_CHANGES, reason="More detail")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert _actions(page) == [
        "Answer changes requested",
        "Check and resubmit",
        "Withdraw this request",
    ]


def test_officers_can_only_withdraw_a_request_in_review(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert _actions(page) == ["Withdraw this request"]


@pytest.mark.parametrize("ending", ["approved", "rejected", "withdrawn"])
def test_a_finished_request_offers_officers_nothing(client_for, world, ending):
    request = at_stage(world, "cabinet_office")
    if ending == "withdrawn":
        withdraw_request(request, world.officer)
        db.session.commit()
    else:
        outcome = Outcome.APPROVE if ending == "approved" else Outcome.REJECT
        decide(request, world.cabinet_office, outcome, reason="No")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    assert _actions(page) == []
    assert forms_of(page) == ["/sign-out"]


def test_an_approver_who_may_decide_is_invited_to(client_for, world):
    request = at_stage(world, "no10")
    page = client_for(world.no10_2).get(url(request)).get_data(as_text=True)
    cta = element(page, "decision-call-to-action")
    assert "waiting for your decision at the No10 stage" in text_of(cta)
    assert f'href="/review/{request.reference}/decide"' in cta
    assert "Decide this stage" in cta
    assert 'id="why-you-cannot-decide"' not in page
    assert _actions(page) == []


def _why_not(client, request) -> str:
    page = client.get(url(request)).get_data(as_text=True)
    assert 'id="decision-call-to-action"' not in page
    assert "/decide" not in page
    return text_of(element(page, "why-you-cannot-decide"))


def test_an_approver_of_another_stage_is_told_why_they_cannot_decide(client_for, world):
    request = at_stage(world, "no10")
    why = _why_not(client_for(world.cabinet_office), request)
    assert "You cannot sign this stage." in why
    assert "It is waiting for a decision at the No10 stage." in why


def test_an_approver_cannot_decide_their_own_request(client_for, world):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
    )
    request = world.submitted(author=both)
    db.session.commit()
    why = _why_not(client_for(both), request)
    assert "You cannot decide a request you filed." in why


def test_an_approver_cannot_decide_a_second_stage(client_for, world):
    twice = factories.make_user(Role.APPROVER, stages=("security", "no10"))
    request = world.submitted()
    db.session.commit()
    decide(request, twice)
    why = _why_not(client_for(twice), request)
    assert "You have already decided another stage of this request." in why


def test_an_approver_is_told_a_finished_request_is_not_waiting(client_for, world):
    request = at_stage(world, "no10")
    decide(request, world.no10, Outcome.REJECT, reason="No")
    why = _why_not(client_for(world.no10_2), request)
    assert "This request is not waiting for a decision." in why


@pytest.mark.parametrize("who", ["auditor", "admin"])
@pytest.mark.parametrize("status", ["draft", "in_review", "changes_requested"])
def test_auditors_and_admins_only_read(client_for, world, who, status):
    request = world.draft() if status == "draft" else world.submitted()
    db.session.commit()
    if status == "changes_requested":
        decide(request, world.security, Outcome.REQUEST_CHANGES, reason="More")
    page = client_for(getattr(world, who)).get(url(request)).get_data(as_text=True)
    assert forms_of(page) == ["/sign-out"]  # the header's sign-out is the only form
    assert _actions(page) == []
    for offer in ("Decide this stage", "Withdraw", "Continue editing", "Answer changes"):
        assert offer not in page
    assert 'id="why-you-cannot-decide"' not in page
    assert "History" in page and "Approval stages" in page


def test_a_page_changed_behind_the_scenes_still_shows_stored_times_in_london(client_for, world):
    request = world.submitted()
    db.session.commit()
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request.id)
        .values(submitted_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    )
    db.session.commit()
    page = text_of(client_for(world.officer).get(url(request)).get_data(as_text=True))
    assert "Last submitted 2 July 2026 at 12:30am" in page  # BST


def test_the_request_page_links_to_its_printable_decision_record(client_for, world):
    access_request = world.submitted()
    db.session.commit()
    page = client_for(world.auditor).get(f"/requests/{access_request.reference}")
    assert f'href="/requests/{access_request.reference}/record"' in page.get_data(as_text=True)


def test_the_request_page_says_how_approvals_are_counted(client_for, world):
    request = at_stage(world, "no10")
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    details = page.split('id="how-approvals-count"', 1)[1].split("</details>", 1)[0]
    assert "Each person counts once" in details
    assert "One rejection rejects the request" in details
