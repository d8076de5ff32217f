"""The officer's list of their department's requests."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.operations.submit_request import submit_request
from app.screens.requests.listing import PAGE_SIZE
from tests.web.client import page_title
from tests.web.requests.html import text, title


def rows(page: str) -> list[str]:
    """Each table row's text, in order."""
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S)
    assert body, "no table on the page"
    return [text(row) for row in re.findall(r"<tr.*?</tr>", body.group(1), re.S)]


def make_requests(world, count: int) -> list:
    """`count` drafts of the officer's department, each changed a minute after the last."""
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    made = []
    for number in range(count):
        access_request = world.draft(account_handle=f"@handle_{number}")
        access_request.updated_at = start + timedelta(minutes=number)
        made.append(access_request)
    db.session.commit()
    return made


@contextmanager
def counting_queries():
    """Count the SQL statements sent while the block runs."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_lists_the_departments_requests_with_their_state(officer, world):
    draft = world.draft(account_handle="@dsit_health")
    in_review = world.submitted(account_handle="@dsit_science")
    world.draft(world.outsider, account_handle="@home_office_only")
    in_review.updated_at = datetime(2026, 11, 25, 18, 10, tzinfo=UTC)
    draft.updated_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    db.session.commit()

    page = officer.get("/requests/").get_data(as_text=True)

    assert title(page) == page_title("Your department's requests")
    assert rows(page) == [
        f"{in_review.reference} TikTok @dsit_science In review Security 25 November 2026 at 6:10pm",
        f"{draft.reference} TikTok @dsit_health Draft — No current stage 20 November 2026 at 9am",
    ]
    assert f'href="/requests/{in_review.reference}"' in page
    assert "@home_office_only" not in page
    assert 'class="govuk-tag"' in page and 'class="govuk-tag govuk-tag--grey"' in page


def test_a_colleague_sees_the_same_requests(client_for, world):
    access_request = world.draft()
    db.session.commit()
    page = client_for(world.colleague).get("/requests/").get_data(as_text=True)
    assert access_request.reference in page


def test_has_a_start_button_and_says_when_there_are_none(officer, world):
    page = officer.get("/requests/").get_data(as_text=True)
    assert "Your department has no requests yet" in page
    assert re.search(r'<a href="/requests/new" role="button"[^>]*class="govuk-button"', page)


def test_pages_of_25_newest_change_first(officer, world):
    made = make_requests(world, PAGE_SIZE + 5)
    newest_first = [r.reference for r in reversed(made)]

    first = officer.get("/requests/").get_data(as_text=True)
    second = officer.get("/requests/?page=2").get_data(as_text=True)

    assert [row.split()[0] for row in rows(first)] == newest_first[:PAGE_SIZE]
    assert [row.split()[0] for row in rows(second)] == newest_first[PAGE_SIZE:]
    assert 'class="govuk-pagination' in first
    assert 'href="/requests/?page=2" rel="next"' in first
    assert 'href="/requests/?page=1" rel="prev"' in second
    assert 'aria-current="page"' in second
    assert "Showing 26 to 30 of 30 requests" in text(second)
    assert title(second) == page_title("Your department's requests (page 2 of 2)")


def test_one_page_has_no_pagination(officer, world):
    make_requests(world, 3)
    assert "govuk-pagination" not in officer.get("/requests/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=abc", 200),  # not a number: the first page
        ("page=", 200),
        ("page=1.5", 200),
        ("page=0", 404),
        ("page=-1", 404),
        ("page=3", 404),
        ("page=99999999999999999999999", 404),
        ("page=%00", 200),
    ],
)
def test_a_bad_page_number_gives_the_first_page_or_404(officer, world, query, status):
    make_requests(world, 3)
    response = officer.get(f"/requests/?{query}")
    assert response.status_code == status
    if status == 200:
        assert len(rows(response.get_data(as_text=True))) == 3


def test_a_page_costs_the_same_queries_for_3_rows_as_for_30(officer, world):
    make_requests(world, 3)
    officer.get("/requests/")  # warm up: anything loaded once per process
    db.session.rollback()  # each request starts with nothing loaded, as on a server
    with counting_queries() as few:
        assert officer.get("/requests/").status_code == 200

    make_requests(world, 27)
    db.session.rollback()
    with counting_queries() as many:
        response = officer.get("/requests/")
    assert response.status_code == 200
    assert len(rows(response.get_data(as_text=True))) == PAGE_SIZE

    assert len(few) == len(many), (few, many)


def test_in_review_requests_show_their_stage(officer, world):
    access_request = world.draft()
    submit_request(access_request, world.officer)
    db.session.commit()
    page = officer.get("/requests/").get_data(as_text=True)
    assert "In review Security" in " ".join(rows(page))
