"""The approver queue shows and sorts by each request's due date, with an Overdue tag; the
request page says when the stage waiting is expected to decide."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import AccessRequest
from app.operations.create_request import create_request
from app.operations.submit_request import submit_request
from app.rules.workflow import Outcome
from tests import factories
from tests.deadlines.support import london
from tests.web.review.support import decide, element, text_of
from tests.web.review.test_queue import references, rows


def test_the_queue_sorts_by_due_date_on_the_server_and_tags_the_overdue(world, clock, client_for):
    quick = factories.make_platform("Snapchat")
    quick.pipeline[0].target_working_days = 1  # Security has 1 working day for Snapchat
    db.session.commit()

    clock(london(2027, 1, 4, 10, 0))
    monday = world.submitted()  # due Monday 11 January
    clock(london(2027, 1, 5, 10, 0))
    tuesday = world.submitted()  # due Tuesday 12 January
    no_clock = world.submitted()
    clock(london(2027, 1, 6, 10, 0))
    snap = create_request(world.officer, platform=quick, content=factories.complete_content())
    submit_request(snap, world.officer)  # due Thursday 7 January
    db.session.commit()
    # Waiting since before deadlines began (`sla tick` has yet to start its clock).
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == no_clock.id)
        .values(stage_started_at=None, stage_due_on=None)
    )
    db.session.commit()

    clock(london(2027, 1, 8, 10, 0))
    client = client_for(world.security)
    soonest = client.get("/review/?sort=due").get_data(as_text=True)
    assert references(soonest) == [r.reference for r in (snap, monday, tuesday, no_clock)]
    assert [row[5] for row in rows(soonest)] == [
        "7 January 2027 Overdue",
        "11 January 2027",
        "12 January 2027",
        "— No due date yet",  # a dash, and the words for screen readers
    ]
    latest = client.get("/review/?sort=due&order=desc").get_data(as_text=True)
    # No due date yet comes last either way.
    assert references(latest) == [r.reference for r in (tuesday, monday, snap, no_clock)]
    head = element(soonest, "queue").split("</thead>")[0]
    assert 'aria-sort="ascending"><a class="govuk-link' in head.split("Days waiting")[1]
    assert 'href="/review/?sort=due&amp;order=desc">Decision due' in head
    # The default stays longest waiting first; the due date column links to its sort.
    default = client.get("/review/").get_data(as_text=True)
    assert references(default)[0] == monday.reference
    assert 'href="/review/?sort=due">Decision due' in default
    # A browser sorting with JavaScript sorts on ISO dates, no due date last.
    assert 'data-sort-value="2027-01-07"' in soonest and 'data-sort-value="9999-12-31"' in soonest


def test_the_request_page_says_when_a_decision_is_expected(world, clock, client_for):
    clock(london(2026, 12, 23, 16, 0))
    request = world.submitted()
    clock(london(2026, 12, 24, 9, 0))
    decide(request, world.security)
    clock(london(2026, 12, 28, 10, 0))  # Boxing Day's substitute: approvers may still work
    decide(request, world.no10)  # Cabinet Office: Tue 29 (1) ... Tue 5 January (5)
    reference = request.reference

    clock(london(2027, 1, 5, 17, 0))  # the due date itself: not overdue yet
    page = client_for(world.officer).get(f"/requests/{reference}").get_data(as_text=True)
    assert text_of(element(page, "decision-expected")) == (
        "Cabinet Office: expected by Tuesday 5 January 2027"
    )
    decide_page = client_for(world.cabinet_office).get(f"/review/{reference}/decide")
    assert "Cabinet Office: expected by Tuesday 5 January 2027" in text_of(
        decide_page.get_data(as_text=True)
    )

    clock(london(2027, 1, 6, 0, 1))
    page = client_for(world.colleague).get(f"/requests/{reference}").get_data(as_text=True)
    expected = element(page, "decision-expected")
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in expected
    assert text_of(expected) == (
        "Overdue Cabinet Office: overdue since Wednesday 6 January 2027 "
        "(expected by Tuesday 5 January 2027)"
    )

    decide(request, world.cabinet_office, Outcome.REQUEST_CHANGES, reason="More")
    page = client_for(world.officer).get(f"/requests/{reference}").get_data(as_text=True)
    assert 'id="decision-expected"' not in page  # back with the officer: no clock
