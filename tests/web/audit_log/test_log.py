"""The audit log page: what each row says, and every filter alone and together."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from app.audit.events import EventType
from app.audit.filters import london_day_bounds
from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.rules.roles import Role
from app.rules.workflow import Outcome
from app.screens.audit_log.labels import EVENT_LABELS
from tests import factories
from tests.web.audit_log.conftest import add_event, shown_seqs
from tests.web.client import page_title


def log(client, **params):
    """GET the audit log with `params` (a list value repeats the name, as date inputs do)."""
    pairs = []
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, str(item)) for item in values)
    return client.get("/audit-log/?" + urlencode(pairs))


def day(value: date) -> list[int]:
    """A date as the three boxes of a GOV.UK date input send it."""
    return [value.day, value.month, value.year]


def seqs(client, **params) -> list[int]:
    response = log(client, **params)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" not in html, html
    return shown_seqs(html)


def shown(email: str) -> str:
    """An email address as the table shows it: free to break before the @ only."""
    return email.replace("@", "<wbr>@")


def row_of(html: str, seq: int) -> str:
    match = re.search(
        rf'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>{seq}</th>(.*?)</tr>', html, re.S
    )
    assert match, f"no row for event {seq}"
    return re.sub(r"\s+", " ", match.group(1))


def test_every_event_type_has_words():
    assert set(EVENT_LABELS) == set(EventType)
    assert len(set(EVENT_LABELS.values())) == len(EventType)


def test_the_log_lists_every_event_newest_first(auditor, world):
    request = world.submitted()  # events 2 and 3 (1 is the auditor signing in)
    db.session.commit()

    response = auditor.get("/audit-log/")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Audit log')}</title>" in html
    assert shown_seqs(html) == [3, 2, 1]
    assert "<caption" in html and '<th scope="col"' in html
    submitted = row_of(html, 3)
    assert "Request submitted" in submitted
    assert f'href="/requests/{request.reference}"' in submitted
    assert 'Draft <span aria-hidden="true">→</span>' in submitted
    assert "In review" in submitted and "Security" in submitted
    assert f"{shown(world.officer.email)}<br>Officer" in submitted


def test_a_row_shows_time_in_london_with_a_machine_readable_moment(auditor, world):
    add_event(at=datetime(2026, 7, 1, 17, 10, tzinfo=UTC))  # 6:10pm BST

    row = row_of(auditor.get("/audit-log/").get_data(as_text=True), 2)

    assert '<time datetime="2026-07-01T17:10:00+00:00">1 July 2026<br>6:10pm</time>' in row


def test_a_decision_row_shows_stage_actor_roles_and_the_comment_cut_short(auditor, world):
    request = world.submitted()
    reason = "The handle is too close to a ministerial account. " * 4
    decide_stage(
        request,
        world.security,
        stage="security",
        version=request.version,
        outcome=Outcome.REQUEST_CHANGES,
        reason=reason,
    )
    db.session.commit()

    row = row_of(auditor.get("/audit-log/").get_data(as_text=True), 4)

    assert "Changes requested" in row
    assert "In review" in row and "Changes requested" in row
    assert "Security" in row
    assert f"{shown(world.security.email)}<br>Approver" in row
    assert reason[:60] in row and reason.strip() not in row and "…" in row


def test_events_with_no_person_say_who_acted(auditor, world):
    add_event(EventType.DEPARTMENT_CREATED, payload={"code": "X", "name": "X"})
    add_event(
        EventType.SIGN_IN_FAILED,
        payload={"email": "nobody@example.gov.uk", "reason": "unknown_email", "user_id": None},
    )

    html = auditor.get("/audit-log/").get_data(as_text=True)

    assert "Command line" in row_of(html, 2)
    failed = row_of(html, 3)
    assert "Sign-in failed" in failed and "Not signed in<br>tried nobody@example.gov.uk" in failed


def test_text_in_events_is_escaped(auditor, world):
    request = world.submitted()
    from app.operations.withdraw_request import withdraw_request

    withdraw_request(request, world.officer, reason="<script>alert(1)</script>")
    db.session.commit()

    html = auditor.get("/audit-log/").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Filters, one at a time -------------------------------------------------------------


@pytest.fixture
def cases(world):
    """Events that differ in one way each. Returns the seqs of the interesting ones."""
    youtube = factories.make_platform("YouTube")
    alice = factories.make_user(
        Role.OFFICER, department=world.other_department, email="Alice.Smith@homeoffice.gov.uk"
    )
    db.session.commit()
    found = {}
    dsit = world.submitted()  # created, submitted (DSIT, TikTok)
    db.session.commit()
    found["dsit"] = [e for e in _seqs_of(dsit.reference)]
    ho = world.draft(alice)  # created (Home Office, TikTok)
    db.session.commit()
    found["ho"] = _seqs_of(ho.reference)
    yt = factories.complete_content()
    from app.operations.create_request import create_request

    on_youtube = create_request(world.officer, platform=youtube, content=yt)
    db.session.commit()
    found["youtube"] = _seqs_of(on_youtube.reference)
    found["no_request"] = [add_event(EventType.USER_CREATED, payload={"user_id": 1}).seq]
    found["references"] = {"dsit": dsit.reference, "ho": ho.reference}
    found["alice"] = alice
    return found


def _seqs_of(reference):
    from sqlalchemy import select

    from app.models.audit import AuditEvent

    return sorted(
        db.session.scalars(select(AuditEvent.seq).where(AuditEvent.request_reference == reference)),
        reverse=True,
    )


def test_department_filter_keeps_only_that_departments_requests(auditor, world, cases):
    assert seqs(auditor, department="HO") == cases["ho"]
    dsit = seqs(auditor, department="DSIT")
    assert dsit == sorted(cases["dsit"] + cases["youtube"], reverse=True)
    assert not set(dsit) & set(cases["no_request"])  # events about no request are left out


def test_platform_filter(auditor, world, cases):
    assert seqs(auditor, platform="YouTube") == cases["youtube"]
    assert seqs(auditor, platform="TikTok") == sorted(cases["dsit"] + cases["ho"], reverse=True)


def test_event_type_filter(auditor, world, cases):
    created = seqs(auditor, event_type="request_created")
    assert created == sorted([cases["dsit"][-1], cases["ho"][0], cases["youtube"][0]], reverse=True)
    assert seqs(auditor, event_type="sign_in_succeeded") == [1]
    assert seqs(auditor, event_type="account_locked") == []


def test_actor_filter_matches_part_of_the_email_in_any_case(auditor, world, cases):
    assert seqs(auditor, actor="SMITH@HOMEOFFICE") == cases["ho"]
    assert seqs(auditor, actor="  alice.smith  ") == cases["ho"]  # spaces are trimmed
    # LIKE's wildcards are plain characters here.
    assert seqs(auditor, actor="alice%") == []
    assert seqs(auditor, actor="alice_smith") == []


def test_reference_filter_is_exact_in_any_case(auditor, world, cases):
    reference = cases["references"]["ho"]
    assert seqs(auditor, reference=reference.lower()) == cases["ho"]
    assert seqs(auditor, reference=reference[:-1]) == []  # not a prefix search


def test_filters_combine(auditor, world, cases):
    both = seqs(auditor, department="DSIT", platform="TikTok", event_type="request_submitted")
    assert both == [cases["dsit"][0]]
    assert (
        seqs(auditor, department="HO", actor="alice", event_type="request_created") == cases["ho"]
    )
    assert seqs(auditor, department="HO", platform="YouTube") == []
    today = datetime.now(UTC).date()
    assert seqs(
        auditor,
        reference=cases["references"]["dsit"],
        actor=world.officer.email,
        date_from=day(today.replace(day=1)),
        date_to=day(date(today.year + 1, 1, 1)),
    ) == sorted(cases["dsit"], reverse=True)


# Dates: whole days in London time ---------------------------------------------------


def test_london_day_bounds_follow_the_clocks():
    # Clocks go forward at 01:00 GMT on 29 March 2026: that day is 23 hours long.
    assert london_day_bounds(date(2026, 3, 29), date(2026, 3, 29)) == (
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 23, 0, tzinfo=UTC),
    )
    # Clocks go back at 01:00 GMT on 25 October 2026: that day is 25 hours long.
    assert london_day_bounds(date(2026, 10, 25), date(2026, 10, 25)) == (
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 0, 0, tzinfo=UTC),
    )
    assert london_day_bounds(None, date.max) == (None, None)


@pytest.mark.parametrize(
    ("the_day", "moments", "inside"),
    [
        (
            date(2026, 3, 29),
            [
                datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 28 March, 11:30pm GMT
                datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 29 March, 12:30am GMT
                datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 29 March, 11:30pm BST
                datetime(2026, 3, 29, 23, 30, tzinfo=UTC),  # 30 March, 12:30am BST
            ],
            [1, 2],
        ),
        (
            date(2026, 10, 25),
            [
                datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 24 October, 11:30pm BST
                datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 25 October, 12:30am BST
                datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 25 October, 11:30pm GMT
                datetime(2026, 10, 26, 0, 30, tzinfo=UTC),  # 26 October, 12:30am GMT
            ],
            [1, 2],
        ),
    ],
    ids=["clocks-forward", "clocks-back"],
)
def test_a_day_is_a_whole_day_in_london_across_a_clock_change(
    auditor, world, the_day, moments, inside
):
    added = [add_event(at=moment).seq for moment in moments]
    expected = sorted((added[i] for i in inside), reverse=True)

    assert seqs(auditor, date_from=day(the_day), date_to=day(the_day)) == expected
    # Open-ended ranges split the same four events at the same boundaries.
    assert seqs(auditor, date_from=day(the_day), event_type="signed_out") == sorted(
        added[inside[0] :], reverse=True
    )
    assert seqs(auditor, date_to=day(the_day), event_type="signed_out") == sorted(
        added[: inside[-1] + 1], reverse=True
    )


def test_the_event_half_an_hour_into_29_march_belongs_to_29_march(auditor, world):
    seq = add_event(at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC)).seq

    assert seqs(auditor, date_from=day(date(2026, 3, 29)), date_to=day(date(2026, 3, 29))) == [seq]
    assert seqs(auditor, date_to=day(date(2026, 3, 28)), event_type="signed_out") == []
    row = row_of(auditor.get("/audit-log/").get_data(as_text=True), seq)
    assert "29 March 2026<br>12:30am" in row


def test_leading_zeros_and_spaces_in_date_boxes_are_fine(auditor, world):
    seq = add_event(at=datetime(2026, 3, 9, 12, 0, tzinfo=UTC)).seq

    assert seqs(auditor, date_from=[" 09", "03 ", "2026"], date_to=["9", "3", "2026"]) == [seq]


# Selected filters ----------------------------------------------------------------


def test_selected_filters_show_as_tags_each_removing_only_itself(auditor, world, cases):
    params = {
        "date_from": [1, 3, 2026],
        "department": "HO",
        "event_type": "request_created",
        "actor": "alice",
    }
    html = log(auditor, **params).get_data(as_text=True)

    assert "Selected filters" in html
    assert 'href="/audit-log/">Clear filters</a>' in html
    tags = dict(
        (text.strip(), href.replace("&amp;", "&"))
        for href, text in re.findall(
            r'<a class="moj-filter__tag" href="([^"]*)">'
            r'<span class="govuk-visually-hidden">Remove this filter</span>([^<]*)</a>',
            html,
        )
    )
    assert set(tags) == {"1 March 2026", "Home Office", "Request created", "alice"}

    def remaining(href):
        return {name for name, _ in parse_qsl(urlsplit(href).query)}

    assert remaining(tags["1 March 2026"]) == {"department", "event_type", "actor"}
    assert remaining(tags["Home Office"]) == {"date_from", "event_type", "actor"}
    assert remaining(tags["Request created"]) == {"date_from", "department", "actor"}
    assert remaining(tags["alice"]) == {"date_from", "department", "event_type"}
    # The date keeps its three boxes in the link.
    assert parse_qsl(urlsplit(tags["alice"]).query)[:3] == [
        ("date_from", "1"),
        ("date_from", "3"),
        ("date_from", "2026"),
    ]


def test_the_form_keeps_what_was_chosen(auditor, world, cases):
    html = log(
        auditor,
        department="HO",
        event_type="request_created",
        reference="prq-1",
        date_to=day(date(2026, 4, 30)),
    ).get_data(as_text=True)

    assert '<option value="HO" selected>Home Office</option>' in html
    assert '<option value="request_created" selected>Request created</option>' in html
    assert 'value="prq-1"' in html
    assert 'id="date_to-day" name="date_to" type="text" value="30"' in html


def test_no_filters_no_tags(auditor, world):
    html = auditor.get("/audit-log/").get_data(as_text=True)
    assert "Selected filters" not in html
    assert "No events match" not in html


def test_no_match_says_so(auditor, world):
    html = log(auditor, reference="PRQ-1999-00001").get_data(as_text=True)
    assert "No events match these filters." in html
    assert "<table" not in html
