"""How empty answers, empty table cells, approvals with conditions and limits read: the
same words on every page, and never a program's raw value (tests/raw_values.py).

An empty answer reads as check answers words it (app.rules.formatting.EMPTY); an empty
table cell is a dash with hidden words, as GOV.UK tables do; an approved request whose
approval carries conditions says "Approved with conditions" wherever its status shows;
a limit in an error message is written "5,000", as the character count writes it.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AccessRequest
from app.operations.resubmit_request import resubmit_request
from app.rules.workflow import Outcome, RequestKind
from tests.factories import World
from tests.raw_values import raw_values
from tests.web.record.support import summaries, summary
from tests.web.requests.conftest import fill
from tests.web.requests.html import error_summary, text
from tests.web.review.support import at_stage, counting_queries, decide, element, text_of

CONDITIONS = "Review the first month of posts with the security team"


def dash(hidden: str) -> str:
    """An empty table cell's HTML, as app.rules.formatting.empty_cell makes it."""
    return f'<span aria-hidden="true">—</span><span class="govuk-visually-hidden">{hidden}</span>'


def tag(page: str, words: str) -> str:
    """The classes of the GOV.UK tag that says `words` (fails if there is none)."""
    found = re.search(rf'<strong class="(govuk-tag[^"]*)">\s*{re.escape(words)}\s*</strong>', page)
    assert found, f"no tag saying {words!r}"
    return found.group(1)


def rows(page: str) -> list[str]:
    """The officer's list: each row's words, in order."""
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S)
    assert body, "no table on the page"
    return [text(row) for row in re.findall(r"<tr.*?</tr>", body.group(1), re.S)]


def approved(world: World, *, conditions_at: tuple[str, ...] = ()) -> AccessRequest:
    """A request every stage approved; those in `conditions_at` with conditions."""
    request = world.submitted()
    for stage in ("security", "no10", "cabinet_office"):
        if stage in conditions_at:
            decide(
                request,
                world.approvers_for(stage)[0],
                Outcome.APPROVE_WITH_CONDITIONS,
                conditions=CONDITIONS,
            )
        else:
            decide(request, world.approvers_for(stage)[0])
    return request


# Empty cells on the officer's list ------------------------------------------------------


def test_an_empty_cell_on_the_officers_list_is_a_dash_with_hidden_words(client_for, world):
    world.draft(kind=RequestKind.PAID_ADVERTISING, account_handle="")
    db.session.commit()

    page = client_for(world.officer).get("/requests/").get_data(as_text=True)

    row = re.search(r"<tbody.*?</tbody>", page, re.S)
    assert row is not None
    assert dash("No handle") in row.group(0)
    assert dash("No current stage") in row.group(0)
    assert rows(page)[0].split(" TikTok ")[1].startswith("— No handle Draft — No current stage")
    assert raw_values(text_of(page)) == []


# Empty answers, the same words on every page --------------------------------------------


@pytest.mark.parametrize("where", ["check answers", "request", "decide", "record"])
def test_no_budget_reads_the_same_on_every_page(client_for, world, where):
    if where == "check answers":
        request, viewer, path = world.draft(), world.officer, "/requests/{}/check"
    else:
        request = world.submitted()
        viewer, path = {
            "request": (world.officer, "/requests/{}"),
            "decide": (world.security, "/review/{}/decide"),
            "record": (world.auditor, "/requests/{}/record"),
        }[where]
    db.session.commit()

    page = client_for(viewer).get(path.format(request.reference)).get_data(as_text=True)

    assert "Advertising budget No paid advertising planned" in text_of(page)
    assert raw_values(text_of(page)) == []


def test_the_record_says_when_a_decision_has_no_reason_or_conditions(client_for, world):
    request = at_stage(world, "no10")
    page = client_for(world.auditor).get(f"/requests/{request.reference}/record")
    decision = summary(element(page.get_data(as_text=True), "decision-1"))
    assert decision["Reason"] == "No reason given"
    assert decision["Conditions"] == "No conditions"


# Approved with conditions ---------------------------------------------------------------


def test_approved_with_conditions_shows_on_the_list_the_request_page_and_the_record(
    client_for, world
):
    with_conditions = approved(world, conditions_at=("no10",))
    plain = approved(world)
    officer = client_for(world.officer)

    listing = officer.get("/requests/").get_data(as_text=True)
    shown = officer.get(f"/requests/{with_conditions.reference}").get_data(as_text=True)
    record = officer.get(f"/requests/{with_conditions.reference}/record")

    by_reference = {row.split()[0]: row for row in rows(listing)}
    assert " Approved with conditions " in by_reference[with_conditions.reference]
    assert " Approved " in by_reference[plain.reference]
    assert "with conditions" not in by_reference[plain.reference]
    assert tag(listing, "Approved with conditions") == "govuk-tag govuk-tag--turquoise"
    assert tag(listing, "Approved") == "govuk-tag govuk-tag--green"
    heading = text_of(element(shown, "main-content").split("</h1>")[0])
    assert heading.endswith(f"Request {with_conditions.reference} Approved with conditions")
    assert tag(shown.split("</h1>")[0], "Approved with conditions").endswith("--turquoise")
    about = summaries(record.get_data(as_text=True).split('id="about"')[1])[0]
    assert about["Status"] == "Approved with conditions"


def test_conditions_on_an_earlier_revision_do_not_make_an_approval_conditional(client_for, world):
    request = world.submitted()
    decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions=CONDITIONS)
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Say who moderates")
    resubmit_request(request, world.officer)
    db.session.commit()
    for stage in ("security", "no10", "cabinet_office"):
        decide(request, world.approvers_for(stage)[0])

    page = client_for(world.officer).get(f"/requests/{request.reference}").get_data(as_text=True)

    heading = text_of(element(page, "main-content").split("</h1>")[0])
    assert heading.endswith(f"Request {request.reference} Approved")
    assert request.approved_with_conditions is False


def test_the_list_asks_no_more_queries_for_approvals_with_conditions(client_for, world):
    officer = client_for(world.officer)
    approved(world, conditions_at=("security",))
    officer.get("/requests/")  # warm up: anything loaded once per process
    with counting_queries() as one:
        officer.get("/requests/")

    for _ in range(3):
        approved(world, conditions_at=("cabinet_office",))
        world.submitted()
    with counting_queries() as many:
        page = officer.get("/requests/").get_data(as_text=True)

    assert page.count("Approved with conditions") == 4
    assert len(one) == len(many), (one, many)


# Limits in error messages -----------------------------------------------------------------


def test_a_limit_in_an_error_message_is_written_with_a_thousands_comma(client_for, world):
    officer = client_for(world.officer)
    draft = world.draft()
    db.session.commit()

    response = fill(officer, f"/requests/{draft.reference}/edit/purpose", {"purpose": "x" * 6000})
    page = response.get_data(as_text=True)

    assert error_summary(page) == [("Purpose must be 5,000 characters or fewer", "#purpose")]
    # The character count's own words, read without JavaScript and by screen readers.
    assert "You can enter up to 5,000 characters" in text_of(page)
    assert "5000" not in text_of(page)
