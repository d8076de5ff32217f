"""The approver's queue: what waits for them, filters, sort, pages, the navigation count,
and a page cost that does not grow with the queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AccessRequest, User
from app.models.types import utcnow
from app.operations.create_request import create_request
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.withdraw_request import withdraw_request
from app.reads.queue import PAGE_SIZE, awaiting_decision_count
from app.reads.request_page import decision_refusal
from app.rules.formatting import LONDON, uk_date
from app.rules.roles import Role
from app.rules.workflow import Outcome
from tests import factories
from tests.web.client import page_title
from tests.web.review.support import (
    at_stage,
    counting_queries,
    decide,
    element,
    forms_of,
    text_of,
)

QUEUE = "/review/"


def rows(page: str) -> list[list[str]]:
    """The queue table's rows as the words in each cell."""
    if 'id="queue"' not in page:
        return []
    body = element(page, "queue").split("<tbody", 1)[1]
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd]\b.*?</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr\b.*?</tr>", body, re.S)
    ]


def references(page: str) -> list[str]:
    return [row[0] for row in rows(page)]


def nav_badge(page: str) -> str | None:
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', page, re.S)
    assert nav
    badge = re.search(r'class="moj-notification-badge">(\d+)', nav.group(0))
    return badge.group(1) if badge else None


def wait(request: AccessRequest, days: int) -> None:
    """Pretend the request reached its current stage `days` days ago."""
    moment = utcnow() - timedelta(days=days)
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request.id)
        .values(updated_at=moment, submitted_at=moment)
    )
    db.session.commit()


# What waits -------------------------------------------------------------------------------


def test_the_queue_lists_requests_waiting_at_the_approver_s_stage(client_for, world):
    at_security = world.submitted()
    at_no10 = at_stage(world, "no10")
    draft = world.draft()
    sent_back = world.submitted()
    db.session.commit()
    decide(sent_back, world.security, Outcome.REQUEST_CHANGES, reason="More")
    withdrawn = world.submitted()
    withdraw_request(withdrawn, world.officer)
    db.session.commit()

    page = client_for(world.security_2).get(QUEUE).get_data(as_text=True)
    assert references(page) == [at_security.reference]
    page = client_for(world.no10).get(QUEUE).get_data(as_text=True)
    assert references(page) == [at_no10.reference]
    assert client_for(world.cabinet_office).get(QUEUE).status_code == 200
    for request in (draft, sent_back, withdrawn):
        assert request.reference not in page


def test_each_row_shows_the_request_at_a_glance(client_for, world):
    request = world.submitted()
    db.session.commit()
    wait(request, 3)
    page = client_for(world.security).get(QUEUE).get_data(as_text=True)
    assert f"<title>{page_title('Awaiting your decision')}</title>" in page
    [row] = rows(page)
    submitted = (utcnow() - timedelta(days=3)).astimezone(LONDON).date()
    assert row[:3] == [
        request.reference,
        "Department for Science, Innovation and Technology",
        "TikTok",
    ]
    assert row[3] == uk_date(submitted)
    assert row[4] == "3"
    assert f'<a class="govuk-link" href="/review/{request.reference}/decide">' in page


def test_requests_the_approver_may_not_decide_are_left_out(client_for, world):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security", "no10")
    )
    filed = world.submitted(author=both)  # their own
    resubmitted = world.submitted()
    db.session.commit()
    decide(resubmitted, world.security, Outcome.REQUEST_CHANGES, reason="More")
    resubmit_request(resubmitted, both)  # they filed this revision
    db.session.commit()
    second = world.submitted()
    db.session.commit()
    decide(second, both)  # they signed security; now at no10, their other stage
    theirs = world.submitted()
    db.session.commit()
    page = client_for(both).get(QUEUE).get_data(as_text=True)
    assert references(page) == [theirs.reference]
    assert {filed.reference, resubmitted.reference, second.reference}.isdisjoint(references(page))


def test_the_queue_and_the_decision_page_agree_on_who_may_decide(world):
    """The SQL in the queue is the workflow's rule: check every approver on every request."""
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security", "no10")
    )
    requests = [world.submitted(), world.submitted(author=both), world.draft()]
    db.session.commit()
    decide(requests[0], both)
    more = at_stage(world, "cabinet_office")
    sent_back = world.submitted()
    db.session.commit()
    decide(sent_back, world.security, Outcome.REQUEST_CHANGES, reason="x")
    resubmit_request(sent_back, both)
    db.session.commit()
    requests += [more, sent_back]
    approvers = db.session.scalars(select(User)).all()
    for approver in approvers:
        if not approver.has_role(Role.APPROVER):
            continue
        expected = sum(
            1
            for request in requests
            if request.status == "in_review" and decision_refusal(approver, request) is None
        )
        assert awaiting_decision_count(approver) == expected, approver.display_name


def test_an_empty_queue_says_so(client_for, world):
    page = client_for(world.security).get(QUEUE).get_data(as_text=True)
    assert "Nothing is waiting for your decision." in text_of(page)
    assert rows(page) == []


# The navigation count ---------------------------------------------------------------------


def test_the_navigation_counts_what_waits(client_for, world):
    for _ in range(3):
        world.submitted()
    at_stage(world, "no10")
    db.session.commit()
    client = client_for(world.security)
    assert nav_badge(client.get(QUEUE).get_data(as_text=True)) == "3"
    assert nav_badge(client.get("/no-such-page").get_data(as_text=True)) == "3"  # every page
    assert nav_badge(client_for(world.no10).get(QUEUE).get_data(as_text=True)) == "1"
    assert nav_badge(client_for(world.cabinet_office).get(QUEUE).get_data(as_text=True)) is None


def test_the_navigation_count_follows_decisions(client_for, world):
    request = world.submitted()
    db.session.commit()
    client = client_for(world.security)
    page = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert nav_badge(page) == "1"
    decide(request, world.security_2)
    assert nav_badge(client.get(QUEUE).get_data(as_text=True)) is None


def test_the_count_is_one_query(app, world):
    world.submitted()
    db.session.commit()
    approver = world.security
    assert approver.stage_codes  # loaded, as it is for the signed-in person
    with counting_queries(expire=False) as statements:
        count = awaiting_decision_count(approver)
    assert count == 1
    assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["SELECT"]
    assert "count(" in statements[-1].lower()


# Filters ----------------------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """Requests from two departments on two platforms, all waiting for security."""
    snapchat = factories.make_platform("Snapchat")
    made = {}
    for department, author in (("dsit", world.officer), ("ho", world.outsider)):
        for name, platform in (("tiktok", world.platform), ("snap", snapchat)):
            request = create_request(
                author, platform=platform, content=factories.complete_content()
            )
            submit_request(request, author)
            made[f"{department}_{name}"] = request
    db.session.commit()
    return world, snapchat, made


def test_filters_narrow_the_queue(client_for, spread):
    world, snapchat, made = spread
    client = client_for(world.security)
    everything = references(client.get(QUEUE).get_data(as_text=True))
    assert len(everything) == 4
    by_department = client.get(f"{QUEUE}?department={world.other_department.id}")
    assert set(references(by_department.get_data(as_text=True))) == {
        made["ho_tiktok"].reference,
        made["ho_snap"].reference,
    }
    both = client.get(f"{QUEUE}?department={world.other_department.id}&platform={snapchat.id}")
    assert references(both.get_data(as_text=True)) == [made["ho_snap"].reference]


def test_the_filter_panel_is_a_get_form_that_shows_what_is_selected(client_for, spread):
    world, snapchat, _ = spread
    page = (
        client_for(world.security)
        .get(
            f"{QUEUE}?department={world.other_department.id}&platform={snapchat.id}&sort=reference"
        )
        .get_data(as_text=True)
    )
    assert '<form class="moj-filter__options" method="get" action="/review/"' in page
    assert "/review/" in forms_of(page)
    assert f'<option value="{world.other_department.id}" selected>Home Office</option>' in page
    assert f'<option value="{snapchat.id}" selected>Snapchat</option>' in page
    selected = text_of(page.split('class="moj-filter__selected"', 1)[1].split("</form>")[0])
    assert "Department Remove this filter Home Office" in selected
    assert "Platform Remove this filter Snapchat" in selected
    # Removing one filter keeps the other and the sort.
    assert f'href="/review/?platform={snapchat.id}&amp;sort=reference"' in page
    assert f'href="/review/?department={world.other_department.id}&amp;sort=reference"' in page
    assert 'href="/review/">Clear filters' in page
    # The sort survives applying new filters.
    assert '<input type="hidden" name="sort" value="reference">' in page


def test_a_filter_value_not_offered_is_ignored(client_for, spread):
    world, _, _ = spread
    client = client_for(world.security)
    for query in ("department=999", "department=abc", "platform=-1"):
        response = client.get(f"{QUEUE}?{query}")
        assert response.status_code == 200
        assert len(references(response.get_data(as_text=True))) == 4


def test_no_match_says_so(client_for, world):
    world.submitted()
    db.session.commit()
    page = client_for(world.security).get(f"{QUEUE}?department={world.other_department.id}")
    assert "No requests waiting for you match these filters." in text_of(
        page.get_data(as_text=True)
    )


# Sort ---------------------------------------------------------------------------------------


@pytest.fixture
def sortable(world):
    """Three requests that wait different lengths of time, from two departments."""
    oldest_ho = world.submitted(author=world.outsider)
    middle = world.submitted()
    newest = world.submitted()
    db.session.commit()
    wait(oldest_ho, 9)
    wait(middle, 5)
    wait(newest, 1)
    return world, [oldest_ho.reference, middle.reference, newest.reference]


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", [0, 1, 2]),  # longest waiting first
        ("?sort=days&order=desc", [0, 1, 2]),
        ("?sort=days&order=asc", [2, 1, 0]),
        ("?sort=submitted&order=asc", [0, 1, 2]),
        ("?sort=submitted&order=desc", [2, 1, 0]),
        ("?sort=reference&order=asc", [0, 1, 2]),
        ("?sort=reference&order=desc", [2, 1, 0]),
        # Department for Science... before Home Office; ties oldest first.
        ("?sort=department&order=asc", [1, 2, 0]),
        ("?sort=department&order=desc", [0, 1, 2]),
        ("?sort=nonsense&order=sideways", [0, 1, 2]),
    ],
)
def test_the_server_sorts_so_it_works_without_javascript(client_for, sortable, query, order):
    world, made = sortable
    page = client_for(world.security).get(QUEUE + query).get_data(as_text=True)
    assert references(page) == [made[i] for i in order]
    assert [row[4] for row in rows(page)] == [["9", "5", "1"][i] for i in order]


def test_column_headings_link_to_each_sort_and_mark_the_current_one(client_for, sortable):
    world, _ = sortable
    dsit = world.department.id
    page = client_for(world.security).get(f"{QUEUE}?sort=reference&department={dsit}")
    head = element(page.get_data(as_text=True), "queue").split("</thead>")[0]
    headings = re.findall(r'<th scope="col"[^>]*?(?: aria-sort="(\w+)")?>(.*?)</th>', head, re.S)
    assert [(state, text_of(html)) for state, html in headings] == [
        ("ascending", "Reference"),
        ("none", "Department"),
        ("", "Platform"),
        ("none", "Submitted"),
        ("none", "Days waiting"),
        ("none", "Decision due"),
    ]
    assert f'href="/review/?department={dsit}&amp;sort=reference&amp;order=desc">Reference' in head
    assert f'href="/review/?department={dsit}&amp;sort=department">Department' in head
    assert f'href="/review/?department={dsit}">Days waiting' in head  # the default
    assert 'data-module="moj-sortable-table"' in page.get_data(as_text=True)


# Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def thirty(world):
    made = [world.submitted() for _ in range(30)]
    db.session.commit()
    return world, made


def test_the_queue_is_paginated(client_for, thirty):
    world, made = thirty
    client = client_for(world.security)
    first = client.get(f"{QUEUE}?sort=reference").get_data(as_text=True)
    assert references(first) == [r.reference for r in made[:PAGE_SIZE]]
    assert "30 requests waiting: page 1 of 2." in text_of(first)
    pagination = first.split('class="govuk-pagination', 1)[1]
    assert 'href="/review/?sort=reference&amp;page=2" rel="next"' in pagination
    second = client.get(f"{QUEUE}?sort=reference&page=2").get_data(as_text=True)
    assert references(second) == [r.reference for r in made[PAGE_SIZE:]]
    assert 'href="/review/?sort=reference" rel="prev"' in second
    assert nav_badge(second) == "30"


# 10**30: past what an OFFSET may hold, on either database (the page's rows are asked for
# before their count is known).
@pytest.mark.parametrize(
    ("asked", "shown"), [("99", 2), ("0", 1), ("-3", 1), ("x", 1), ("1" + "0" * 30, 2)]
)
def test_a_page_out_of_range_shows_the_nearest(client_for, thirty, asked, shown):
    world, _ = thirty
    page = client_for(world.security).get(f"{QUEUE}?page={asked}").get_data(as_text=True)
    assert f"page {shown} of 2" in text_of(page)


def test_a_page_past_the_last_lists_the_last_page_s_requests(client_for, thirty):
    # The count comes with a page's rows; past the last there are none to bring it.
    world, made = thirty
    page = client_for(world.security).get(f"{QUEUE}?sort=reference&page=7").get_data(as_text=True)
    assert references(page) == [r.reference for r in made[PAGE_SIZE:]]
    assert "30 requests waiting: page 2 of 2." in text_of(page)
    assert nav_badge(page) == "30"


def test_a_single_page_has_no_pagination(client_for, world):
    world.submitted()
    db.session.commit()
    page = client_for(world.security).get(QUEUE).get_data(as_text=True)
    assert "govuk-pagination" not in page


# What a page costs ------------------------------------------------------------------------------


def _queue_queries(client) -> int:
    with counting_queries() as statements:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(statements)


def test_the_queue_costs_the_same_queries_at_0_3_and_30_rows(client_for, world):
    client = client_for(world.security)
    empty = _queue_queries(client)
    for _ in range(3):
        world.submitted(author=world.outsider)
    db.session.commit()
    few = _queue_queries(client)
    for _ in range(27):
        world.submitted()
    db.session.commit()
    many = _queue_queries(client)
    assert empty == few == many
    assert many <= 12
