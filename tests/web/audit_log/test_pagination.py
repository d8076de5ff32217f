"""Pages of 50 by seq (keyset): stable while events are appended, filters kept, and a
fixed number of SQL queries whatever a page holds."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape

from sqlalchemy import event

from app.audit.events import EventType
from app.extensions import db
from app.models import AccessRequest
from app.reads.audit_log import PAGE_SIZE
from tests.web.audit_log.conftest import add_event, shown_seqs


def add_events(count: int, event_type: EventType = EventType.SIGNED_OUT) -> None:
    for _ in range(count):
        add_event(event_type, commit=False)
    db.session.commit()


def links(html: str) -> dict[str, str]:
    """The pagination's links by rel: {"prev": url, "next": url}."""
    nav = re.search(r'<nav class="govuk-pagination.*?</nav>', html, re.S)
    if not nav:
        return {}
    return {
        rel: unescape(href)
        for href, rel in re.findall(r'href="([^"]+)" rel="(prev|next)"', nav.group(0))
    }


def test_a_short_log_has_one_page_and_no_pagination(auditor, world):
    add_events(3)
    html = auditor.get("/audit-log/").get_data(as_text=True)
    assert shown_seqs(html) == [4, 3, 2, 1]
    assert links(html) == {}


def test_pages_of_fifty_newest_first_with_older_and_newer_links(auditor, world):
    add_events(119)  # 120 events with the auditor's sign-in

    first = auditor.get("/audit-log/").get_data(as_text=True)
    assert shown_seqs(first) == list(range(120, 70, -1))
    assert links(first) == {"next": "/audit-log/?before=71"}
    assert "Older events" in first and "Newer events" not in first

    second = auditor.get(links(first)["next"]).get_data(as_text=True)
    assert shown_seqs(second) == list(range(70, 20, -1))
    assert links(second) == {"prev": "/audit-log/?after=70", "next": "/audit-log/?before=21"}

    last = auditor.get(links(second)["next"]).get_data(as_text=True)
    assert shown_seqs(last) == list(range(20, 0, -1))
    assert links(last) == {"prev": "/audit-log/?after=20"}

    back = auditor.get(links(last)["prev"]).get_data(as_text=True)
    assert shown_seqs(back) == shown_seqs(second)
    newest = auditor.get(links(back)["prev"]).get_data(as_text=True)
    assert shown_seqs(newest) == shown_seqs(first)
    assert "prev" not in links(newest)


def test_a_page_keeps_its_events_while_new_ones_are_appended(auditor, world):
    add_events(99)
    second_url = links(auditor.get("/audit-log/").get_data(as_text=True))["next"]
    before = shown_seqs(auditor.get(second_url).get_data(as_text=True))

    add_events(30)

    assert shown_seqs(auditor.get(second_url).get_data(as_text=True)) == before
    assert shown_seqs(auditor.get("/audit-log/").get_data(as_text=True))[0] == 130


def test_pagination_links_keep_the_filters(auditor, world):
    add_events(60, EventType.SIGNED_OUT)
    add_events(10, EventType.USER_CREATED)

    first = auditor.get(
        "/audit-log/?event_type=signed_out&date_from=1&date_from=1&date_from=2000"
    ).get_data(as_text=True)
    assert shown_seqs(first) == list(range(61, 11, -1))
    older = links(first)["next"]
    assert older == (
        "/audit-log/?date_from=1&date_from=1&date_from=2000&event_type=signed_out&before=12"
    )

    second = auditor.get(older).get_data(as_text=True)
    assert shown_seqs(second) == list(range(11, 1, -1))
    assert links(second)["prev"].endswith("event_type=signed_out&after=11")


def test_newer_link_appears_only_when_newer_events_match(auditor, world):
    add_events(5, EventType.USER_CREATED)  # 2..6
    add_events(3, EventType.SIGNED_OUT)  # 7..9

    html = auditor.get("/audit-log/?event_type=user_created&before=7").get_data(as_text=True)
    assert shown_seqs(html) == [6, 5, 4, 3, 2]
    assert links(html) == {}  # nothing newer is a user_created event

    html = auditor.get("/audit-log/?before=7").get_data(as_text=True)
    assert links(html) == {"prev": "/audit-log/?after=6"}


def test_a_cursor_past_either_end_gives_an_empty_page_with_a_way_back(auditor, world):
    add_events(4)

    html = auditor.get("/audit-log/?before=1").get_data(as_text=True)
    assert shown_seqs(html) == [] and "No events match these filters." in html
    assert links(html) == {"prev": "/audit-log/?after=0"}
    assert shown_seqs(auditor.get("/audit-log/?after=0").get_data(as_text=True)) == [5, 4, 3, 2, 1]

    html = auditor.get("/audit-log/?after=5").get_data(as_text=True)
    assert shown_seqs(html) == []
    assert links(html) == {"next": "/audit-log/?before=6"}


@contextmanager
def counting_queries():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_for(client, url: str) -> list[str]:
    db.session.remove()  # as at the start of a real request: nothing cached
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_a_page_costs_the_same_queries_with_5_events_or_60(auditor, world):
    request_id = world.submitted().id  # events 2 and 3, about a request
    db.session.commit()
    add_events(2)
    urls = [
        "/audit-log/",
        "/audit-log/?department=DSIT&platform=TikTok",
        "/audit-log/?before=4&actor=user",
        "/audit-log/?after=1",
    ]
    few = {url: queries_for(auditor, url) for url in urls}
    assert len(shown_seqs(auditor.get("/audit-log/").get_data(as_text=True))) == 5

    request = db.session.get(AccessRequest, request_id)  # queries_for ended the session
    for _ in range(55):
        add_event(EventType.REQUEST_UPDATED, request=request, commit=False)
    db.session.commit()
    many = {url: queries_for(auditor, url) for url in urls}

    html = auditor.get("/audit-log/").get_data(as_text=True)
    assert len(shown_seqs(html)) == PAGE_SIZE
    for url in urls:
        assert len(many[url]) == len(few[url]), (url, few[url], many[url])
    # One SELECT reads the events, joined to the request only when a filter needs it.
    events_selects = [s for s in many[urls[1]] if "FROM audit_events" in s]
    assert len(events_selects) == 1 and "JOIN access_requests" in events_selects[0]
    assert len(many[urls[0]]) <= 10, many[urls[0]]
