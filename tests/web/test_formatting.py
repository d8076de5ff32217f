"""Dates in UK style and London time, numbers, empty cells, status tags, and the MoJ
macros' markup."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import render_template_string
from markupsafe import Markup

from app.rules.formatting import (
    STATUS_TAG_CLASSES,
    WITH_CONDITIONS_LABEL,
    WITH_CONDITIONS_TAG_CLASS,
    empty_cell,
    iso_datetime,
    or_dash,
    role_names,
    status_label,
    status_tag_params,
    thousands,
    uk_date,
    uk_datetime,
    uk_time,
)
from app.rules.workflow import STATUS_LABELS, Status


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter: London is on GMT.
        (datetime(2026, 11, 25, 18, 10, tzinfo=UTC), "25 November 2026 at 6:10pm"),
        (datetime(2026, 1, 5, 9, 0, tzinfo=UTC), "5 January 2026 at 9am"),
        (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), "5 January 2026 at midday"),
        (datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "5 January 2026 at midnight"),
        (datetime(2026, 1, 5, 0, 5, tzinfo=UTC), "5 January 2026 at 12:05am"),
        (datetime(2026, 1, 5, 12, 30, tzinfo=UTC), "5 January 2026 at 12:30pm"),
        # Summer: London is an hour ahead of UTC, which can change the date.
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2 July 2026 at 12:30am"),
        (datetime(2026, 7, 1, 17, 10, tzinfo=UTC), "1 July 2026 at 6:10pm"),
        # Any zone-aware moment is shown in London time.
        (
            datetime(2026, 11, 25, 13, 10, tzinfo=timezone(timedelta(hours=-5))),
            "25 November 2026 at 6:10pm",
        ),
    ],
)
def test_uk_datetime(moment, expected):
    assert uk_datetime(moment) == expected


def test_uk_date_of_a_date_and_a_datetime():
    assert uk_date(date(2027, 1, 4)) == "4 January 2027"
    assert uk_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 July 2026"


def test_missing_values_show_nothing():
    assert uk_date(None) == uk_time(None) == uk_datetime(None) == iso_datetime(None) == ""


def test_a_naive_datetime_is_a_programming_error():
    with pytest.raises(ValueError, match="zone-aware"):
        uk_datetime(datetime(2026, 11, 25, 18, 10))


def test_iso_datetime_is_utc_for_machines():
    summer = datetime(2026, 7, 1, 23, 30, 15, 123, tzinfo=UTC)
    assert iso_datetime(summer) == "2026-07-01T23:30:15+00:00"


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_tag(status):
    params = status_tag_params(status)
    assert params["text"] == STATUS_LABELS[status]
    assert params == status_tag_params(str(status))
    assert params["classes"] == STATUS_TAG_CLASSES[status]


def test_status_tags_are_told_apart_by_colour():
    assert len(set(STATUS_TAG_CLASSES.values())) == len(Status)
    assert WITH_CONDITIONS_TAG_CLASS not in STATUS_TAG_CLASSES.values()


@pytest.mark.parametrize("status", list(Status))
def test_only_an_approval_says_it_has_conditions(status):
    with_conditions = status_tag_params(status, with_conditions=True)
    if status is Status.APPROVED:
        assert with_conditions == {
            "text": WITH_CONDITIONS_LABEL,
            "classes": WITH_CONDITIONS_TAG_CLASS,
        }
        assert status_label(status, with_conditions=True) == "Approved with conditions"
    else:
        assert with_conditions == status_tag_params(status)
        assert status_label(status, with_conditions=True) == STATUS_LABELS[status]


@pytest.mark.parametrize(
    ("number", "words"), [(0, "0"), (999, "999"), (1000, "1,000"), (10_000_000, "10,000,000")]
)
def test_numbers_have_a_thousands_comma(number, words):
    assert thousands(number) == words


def test_an_empty_cell_is_a_dash_with_hidden_words_escaped():
    assert empty_cell("No <stage>") == Markup(
        '<span aria-hidden="true">—</span>'
        '<span class="govuk-visually-hidden">No &lt;stage&gt;</span>'
    )
    assert or_dash(None, "No handle") == or_dash("  ", "No handle") == empty_cell("No handle")
    assert or_dash("@dsit", "No handle") == "@dsit"
    assert or_dash(0, "No budget") == 0


def test_roles_are_listed_capitalised_a_to_z():
    assert role_names(["officer", "admin"]) == "Admin, Officer"
    assert role_names(frozenset()) == ""


def test_a_remembered_empty_cell_still_escapes_text_that_equals_earlier_markup():
    # empty_cell is remembered by its words, and Markup equals text of the same characters:
    # a cache that took one for the other would show markup it was told to escape.
    hidden = '<span class="govuk-visually-hidden">{}</span>'
    assert hidden.format("<b>x</b>") in empty_cell(Markup("<b>x</b>"))
    assert hidden.format("&lt;b&gt;x&lt;/b&gt;") in empty_cell("<b>x</b>")


def render(source: str, **context) -> str:
    return render_template_string(source, **context)


def test_filters_and_status_tag_macro_in_templates(app):
    with app.test_request_context():
        html = render(
            '{% from "macros/status.html" import status_tag %}'
            "{{ when | uk_datetime }}|{{ day | uk_date }}|{{ status_tag(status) }}",
            when=datetime(2026, 11, 25, 18, 10, tzinfo=UTC),
            day=date(2026, 11, 25),
            status=Status.CHANGES_REQUESTED,
        )
    assert html.startswith("25 November 2026 at 6:10pm|25 November 2026|")
    assert '<strong class="govuk-tag govuk-tag--yellow">' in html
    assert "Changes requested" in html


def test_moj_timeline(app):
    items = [
        {
            "label": "Approved by Security",
            "text": "No conditions <b>attached</b>",
            "datetime": datetime(2026, 11, 25, 18, 10, tzinfo=UTC),
            "byline": "Sally Security",
        },
        {"label": "Submitted", "html": Markup("<p class='govuk-body'>Version 1</p>")},
    ]
    with app.test_request_context():
        html = render(
            '{% from "macros/moj.html" import moj_timeline %}{{ moj_timeline(items, 3) }}',
            items=items,
        )
    assert html.count('class="moj-timeline__item"') == 2
    assert '<h3 class="moj-timeline__title">Approved by Security</h3>' in html
    assert '<p class="moj-timeline__byline">by Sally Security</p>' in html
    assert '<time datetime="2026-11-25T18:10:00+00:00">25 November 2026 at 6:10pm</time>' in html
    assert "&lt;b&gt;attached&lt;/b&gt;" in html  # text is escaped...
    assert "<p class='govuk-body'>Version 1</p>" in html  # ...Markup is not


def test_moj_sortable_table(app):
    with app.test_request_context():
        html = render(
            '{% from "macros/moj.html" import moj_sortable_table %}'
            "{{ moj_sortable_table('Requests awaiting your decision', head, rows) }}",
            head=[
                {"text": "Reference", "sort": "none"},
                {"text": "Days waiting", "sort": "descending", "numeric": True},
                {"text": "Action"},
            ],
            rows=[
                [
                    {"text": "PRQ-2026-00001", "header": True},
                    {"text": "3", "numeric": True, "sort_value": 3},
                    {"html": Markup('<a class="govuk-link" href="/r/1">View</a>')},
                ]
            ],
        )
    assert 'data-module="moj-sortable-table"' in html
    assert "<caption" in html and "Requests awaiting your decision" in html
    assert 'aria-sort="none">Reference</th>' in html
    assert 'aria-sort="descending">Days waiting</th>' in html
    assert '<th scope="col" class="govuk-table__header">Action</th>' in html
    assert '<th scope="row" class="govuk-table__header"' in html
    assert 'data-sort-value="3"' in html
    assert '<a class="govuk-link" href="/r/1">View</a>' in html


def test_moj_filter_layout(app):
    source = """
        {% from "macros/moj.html" import moj_filter, moj_filter_layout %}
        {% set filter_html %}
          {% call moj_filter("/review/", selected=selected, clear_href="/review/") %}
            <p>fields</p>
          {% endcall %}
        {% endset %}
        {% call moj_filter_layout(filter_html) %}<p>results</p>{% endcall %}
    """
    selected = [{"heading": "Department", "items": [{"text": "Home Office", "href": "/review/"}]}]
    with app.test_request_context():
        html = render(source, selected=selected)
    assert 'class="moj-filter-layout__filter"' in html and "<p>results</p>" in html
    assert '<form class="moj-filter__options" method="get" action="/review/"' in html
    assert "<p>fields</p>" in html and "Apply filters" in html
    assert "Remove this filter</span> Home Office" in html
    assert 'href="/review/">Clear filters</a>' in html
