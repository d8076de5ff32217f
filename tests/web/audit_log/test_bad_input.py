"""Whatever arrives in the query string, the audit log answers with a page, never a 500:
a bad filter is explained in a GOV.UK error summary; a bad page cursor is ignored."""

from __future__ import annotations

import re

import pytest

from tests.web.audit_log.conftest import add_event, shown_seqs
from tests.web.client import page_title

LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("query", "message", "href"),
    [
        (
            "date_from=31&date_from=2&date_from=2026",
            "Date from must be a real date",
            "date_from-day",
        ),
        ("date_from=2026-02-31", "Date from must include a month and year", "date_from-month"),
        ("date_to=29&date_to=&date_to=2026", "Date to must include a month", "date_to-month"),
        ("date_to=&date_to=&date_to=2026", "Date to must include a day and month", "date_to-day"),
        (
            "date_from=1&date_from=3&date_from=26",
            "The year in date from must include 4 numbers",
            "date_from-year",
        ),
        ("date_from=a&date_from=b&date_from=c", "Date from must be a real date", "date_from-day"),
        (
            "date_from=0&date_from=0&date_from=0000",
            "Date from must be a real date",
            "date_from-day",
        ),
        (
            "date_from=%D9%A1&date_from=3&date_from=2026",
            "Date from must be a real date",
            "date_from-day",
        ),  # an Arabic-Indic digit one
        (
            f"date_from=1&date_from=1&date_from={'9' * 5000}",
            "Date from must be a real date",
            "date_from-day",
        ),
        (
            "date_from=2&date_from=3&date_from=2026&date_to=1&date_to=3&date_to=2026",
            "Date to must be the same as or after date from",
            "date_to-day",
        ),
        ("event_type=nope", "Select an event from the list", "event_type"),
        (f"event_type={LONG}", "Select an event from the list", "event_type"),
        ("department=XX", "Select a department from the list", "department"),
        ("platform=MySpace", "Select a platform from the list", "platform"),
        (f"actor={LONG}", "Actor&#39;s email address must be 254 characters or fewer", "actor"),
        ("actor=a%00b", "Actor&#39;s email address must not contain control characters", "actor"),
        (f"reference={LONG}", "Request reference must be 20 characters or fewer", "reference"),
        ("reference=PRQ%00", "Request reference must not contain control characters", "reference"),
    ],
)
def test_a_bad_filter_is_explained_in_an_error_summary(auditor, world, query, message, href):
    response = auditor.get("/audit-log/?" + query)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Error: {page_title('Audit log')}</title>" in html
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary"
    assert re.search(rf'<a href="#{href}">\s*{re.escape(message)}\s*</a>', summary.group(0))
    assert f'id="{href}"' in html  # the link lands on a real input
    assert "govuk-error-message" in html
    assert "Correct the filters to see the events." in html
    assert shown_seqs(html) == []


def test_several_bad_filters_are_all_listed_and_good_ones_kept(auditor, world):
    html = auditor.get(
        "/audit-log/?date_from=31&date_from=2&date_from=2026&event_type=nope"
        "&actor=olive&department=HO"
    ).get_data(as_text=True)

    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S).group(0)
    assert summary.count("<li>") == 2
    # What was typed stays in the boxes, good and bad alike.
    assert 'id="date_from-day" name="date_from" type="text" value="31"' in html
    assert 'value="olive"' in html
    assert '<option value="HO" selected>' in html


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "seq=-1",
        "before=abc",
        "before=-1",
        "before=0",
        "after=1.5",
        "before=99999999999999999999999999",
        "after=9223372036854775808",
        f"before={'9' * 5000}",
        "before=%D9%A3",  # an Arabic-Indic digit three
        "unknown=1",
        "date_from=&date_from=&date_from=",
        "department=&platform=&event_type=&actor=&reference=",
        "actor=%20%20",
    ],
)
def test_meaningless_values_are_ignored(auditor, world, query):
    for _ in range(3):
        add_event()

    response = auditor.get("/audit-log/?" + query)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" not in html
    assert shown_seqs(html) == [4, 3, 2, 1]


def test_the_largest_cursor_is_accepted(auditor, world):
    add_event()
    html = auditor.get("/audit-log/?before=9223372036854775807").get_data(as_text=True)
    assert shown_seqs(html) == [2, 1]


def test_remove_links_drop_filters_that_could_not_be_used(auditor, world):
    html = auditor.get("/audit-log/?event_type=nope&actor=olive&actor=x").get_data(as_text=True)

    assert '<a class="moj-filter__tag" href="/audit-log/">' in html  # removing "olive"
    assert "nope" not in html.split("Selected filters")[1].split("</ul>")[0]
