"""The decision record: who may see it, what it shows, and what it costs to draw."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AuditEvent, RequestRevision
from app.models.types import utcnow
from app.operations.resubmit_request import resubmit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.formatting import uk_datetime
from app.rules.workflow import Outcome
from tests.web.client import page_title
from tests.web.record.support import event_rows, hash_cells, summaries, summary, url
from tests.web.review.support import (
    at_stage,
    counting_queries,
    decide,
    element,
    forms_of,
    queries,
    text_of,
)

# Who may see it ---------------------------------------------------------------------------


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
def test_a_submitted_request_s_record_is_seen_by_whoever_sees_the_request(
    client_for, world, who, status_code
):
    request = world.submitted()
    db.session.commit()
    assert client_for(getattr(world, who)).get(url(request)).status_code == status_code


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("officer", 200),
        ("outsider", 404),
        ("security", 404),
        ("no10", 404),
        ("auditor", 200),
        ("admin", 200),
    ],
)
def test_a_draft_s_record_is_the_department_s_own_business(client_for, world, who, status_code):
    request = world.draft()
    db.session.commit()
    assert client_for(getattr(world, who)).get(url(request)).status_code == status_code


def test_another_department_s_record_looks_like_one_that_does_not_exist(client_for, world):
    request = world.submitted()
    db.session.commit()
    outsider = client_for(world.outsider)
    hidden = outsider.get(url(request))
    missing = outsider.get("/requests/PRQ-2026-99999/record")
    assert hidden.status_code == missing.status_code == 404
    assert request.reference not in hidden.get_data(as_text=True)
    assert element(hidden.get_data(as_text=True), "main-content") == element(
        missing.get_data(as_text=True), "main-content"
    )


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    request = world.submitted()
    db.session.commit()
    response = client.get(url(request))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_record_is_never_cached(client_for, world):
    request = world.submitted()
    db.session.commit()
    response = client_for(world.auditor).get(url(request))
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["officer", "security", "auditor", "admin"])
def test_the_record_only_reads(client_for, world, who):
    # The officer may edit a request in changes requested and the approver may decide
    # one in review: their request pages offer buttons, the record offers none.
    request = world.submitted()
    db.session.commit()
    if who == "officer":
        decide(request, world.security, Outcome.REQUEST_CHANGES, reason="More")
    page = client_for(getattr(world, who)).get(url(request)).get_data(as_text=True)
    assert forms_of(page) == ["/sign-out"]  # the header's sign-out is the only form
    main = element(page, "main-content")
    assert "govuk-button" not in main and "<input" not in main
    for offer in ("Decide this stage", "Withdraw", "Continue editing", "Answer changes"):
        assert offer not in main
    assert f'href="/requests/{request.reference}"' in page  # the way back


def test_the_title_is_its_own(client_for, world):
    request = world.submitted()
    db.session.commit()
    officer = client_for(world.officer)
    page = officer.get(url(request)).get_data(as_text=True)
    title = page_title(f"Decision record for request {request.reference}")
    assert f"<title>{title}</title>" in page
    assert f"<title>{title}</title>" not in officer.get(f"/requests/{request.reference}").get_data(
        as_text=True
    )


# What it shows --------------------------------------------------------------------------


def _long_story(world):
    """Two revisions, five decisions, and a draft for a third revision left unsubmitted.

    Revision 1: Security approves, No10 asks for changes. The officer changes the purpose
    and a colleague resubmits. Revision 2: Security approves with conditions, No10
    approves, Cabinet Office asks for changes. The officer starts a third answer.
    """
    request = at_stage(world, "no10", purpose="First purpose")
    decide(request, world.no10, Outcome.REQUEST_CHANGES, reason="Say who <moderates>")
    update_request(request, world.officer, content={"purpose": "Second purpose"})
    resubmit_request(request, world.colleague)
    db.session.commit()
    decide(request, world.security_2, Outcome.APPROVE_WITH_CONDITIONS, conditions="No ads\nEver")
    decide(request, world.no10)
    decide(request, world.cabinet_office, Outcome.REQUEST_CHANGES, reason="Name the owner")
    update_request(request, world.officer, content={"purpose": "Third purpose, unsubmitted"})
    db.session.commit()
    return request


def test_the_request_is_summarised(client_for, world):
    request = _long_story(world)
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    about = summary(page.split('id="revisions"')[0])
    assert about == {
        "Reference": request.reference,
        "Department": "Department for Science, Innovation and Technology",
        "Platform": "TikTok",
        "What the request is for": "Open a new account",
        "Requested by": f"Olive Officer ({world.officer.email})",
        "Status": "Changes requested",
        "Started": about["Started"],
    }
    heading = text_of(element(page, "main-content").split("</h1>")[0])
    assert heading.endswith(f"Decision record for request {request.reference}")


def test_each_revision_shows_its_frozen_content_not_the_live_draft(client_for, world):
    request = _long_story(world)
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    first, second = request.revisions
    one_about, one_answers = summaries(element(page, "revision-1"))
    two_about, two_answers = summaries(element(page, "revision-2"))
    assert one_answers["Purpose"] == "First purpose"
    assert two_answers["Purpose"] == "Second purpose"
    assert "Third purpose" not in page  # the live draft is not a revision
    assert one_answers["What the request is for"] == "Open a new account"
    assert one_answers["Start date"] == "4 January 2027"
    assert one_answers["Not installed on a government device"] == "Confirmed"
    assert one_answers["Advertising budget"] == "No paid advertising planned"
    assert one_about == {
        "Submitted by": f"Olive Officer ({world.officer.email})",
        "Submitted": uk_datetime(first.submitted_at),
        "Content SHA-256": first.content_sha256,
        "Approval stages": "Security No10 Cabinet Office",
        "Audit event": one_about["Audit event"],
    }
    assert two_about["Submitted by"] == f"Colin Colleague ({world.colleague.email})"
    assert two_about["Content SHA-256"] == second.content_sha256 != first.content_sha256
    stages = re.findall(r"<li>(.*?)</li>", element(page, "revision-2").split("<h4")[0])
    assert stages == ["Security", "No10", "Cabinet Office"]
    filed = db.session.scalars(
        select(AuditEvent.seq)
        .where(AuditEvent.request_id == request.id)
        .where(AuditEvent.event_type.in_(["request_submitted", "request_resubmitted"]))
        .order_by(AuditEvent.seq)
    ).all()
    assert [one_about["Audit event"], two_about["Audit event"]] == [
        f"Seq {seq}, in the audit events below" for seq in filed
    ]


def test_every_decision_in_order_with_who_made_it_and_the_conditions(client_for, world):
    request = _long_story(world)
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    entry = r'<div class="app-record-entry" id="decision-\d+">\s*<h3[^>]*>(.*?)<'
    headings = re.findall(entry, page)
    assert headings == [
        "Decision 1: Security, approved",
        "Decision 2: No10, changes requested",
        "Decision 3: Security, approved with conditions",
        "Decision 4: No10, approved",
        "Decision 5: Cabinet Office, changes requested",
    ]
    decisions = request.decisions
    rows = [summary(element(page, f"decision-{n}")) for n in range(1, 6)]
    assert rows[1] == {
        "Stage": "No10",
        "Outcome": "Changes requested",
        "Approver": f"Nina Number-Ten ({world.no10.email})",
        "Decided": uk_datetime(decisions[1].decided_at),
        "Reason": "Say who <moderates>",
        "Conditions": "No conditions",
        "Made on revision": "1",
        "Audit event": rows[1]["Audit event"],
    }
    assert rows[2]["Approver"] == f"Sid Security ({world.security_2.email})"
    assert rows[2]["Conditions"] == "No ads Ever"
    assert rows[2]["Reason"] == "No reason given"
    assert rows[2]["Made on revision"] == "2"
    assert "No ads<br>Ever" in element(page, "decision-3")
    assert "Say who &lt;moderates&gt;" in page  # escaped, never markup
    assert [row["Made on revision"] for row in rows] == ["1", "1", "2", "2", "2"]
    # Each decision names the audit event that recorded it.
    decision_seqs = db.session.scalars(
        select(AuditEvent.seq)
        .where(AuditEvent.request_id == request.id)
        .where(AuditEvent.actor_id.in_([d.approver_id for d in decisions]))
        .order_by(AuditEvent.seq)
    ).all()
    assert [row["Audit event"] for row in rows] == [
        f"Seq {seq}, in the audit events below" for seq in decision_seqs
    ]


def test_the_events_table_carries_the_database_s_own_hashes(client_for, world):
    request = _long_story(world)
    other = world.submitted()  # another request's events stay out
    db.session.commit()
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    stored = db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == request.id).order_by(AuditEvent.seq)
    ).all()
    rows = event_rows(page)
    assert [int(row["Seq"]) for row in rows] == [event.seq for event in stored]
    assert hash_cells(page) == [(event.hash, event.prev_hash) for event in stored]
    assert all(len(h) == 64 for pair in hash_cells(page) for h in pair)
    assert [row["Time"] for row in rows] == [uk_datetime(e.occurred_at) for e in stored]
    assert rows[0]["Event"] == "Request started request_created"
    assert rows[0]["Actor"] == f"Olive Officer ({world.officer.email})"
    changes = [row for row in rows if row["Event"].endswith(" changes_requested")]
    assert [row["Event"] for row in changes] == [
        "Changes requested by No10 changes_requested",
        "Changes requested by Cabinet Office changes_requested",
    ]
    assert other.reference not in page
    other_hashes = db.session.scalars(
        select(AuditEvent.hash).where(AuditEvent.request_id == other.id)
    ).all()
    assert not any(h in page for h in other_hashes)


def test_hashes_print_whole_in_monospace_and_may_wrap(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    cells = re.findall(r'<code class="app-hash">(.*?)</code>', page)
    assert cells and all("<wbr>" in cell for cell in cells)
    assert all(len(cell.replace("<wbr>", "")) == 64 for cell in cells)


def test_the_footer_says_who_generated_it_and_how_to_verify(client_for, world):
    request = world.submitted()
    db.session.commit()
    before = uk_datetime(utcnow())
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    after = uk_datetime(utcnow())
    footer = text_of(element(page, "record-generated")).replace(" .", ".")  # after </code>
    generated = {
        f"Generated {moment} by Audrey Auditor ({world.auditor.email}); verify these hashes "
        "against an export with tools/verify_export.py."
        for moment in (before, after)
    }
    assert footer in generated


def test_a_draft_has_no_revisions_or_decisions_yet(client_for, world):
    request = world.draft()
    db.session.commit()
    page = text_of(client_for(world.officer).get(url(request)).get_data(as_text=True))
    assert "no revision has been frozen for approval yet" in page
    assert "No decisions have been made on this request yet" in page
    assert "Status Draft" in page


def test_a_withdrawn_request_shows_its_withdrawal_event(client_for, world):
    request = at_stage(world, "no10")
    withdraw_request(request, world.colleague, reason="Campaign cancelled")
    db.session.commit()
    page = client_for(world.officer).get(url(request)).get_data(as_text=True)
    rows = event_rows(page)
    assert rows[-1]["Event"] == "Withdrawn request_withdrawn"
    assert rows[-1]["Actor"] == f"Colin Colleague ({world.colleague.email})"
    assert summary(page.split('id="revisions"')[0])["Status"] == "Withdrawn"


def test_content_that_no_longer_matches_its_sha256_is_flagged(client_for, world):
    request = world.submitted(purpose="As submitted")
    db.session.commit()
    revision = request.revisions[0]
    tampered = {**revision.content, "purpose": "Altered behind the scenes"}
    db.session.execute(
        update(RequestRevision).where(RequestRevision.id == revision.id).values(content=tampered)
    )
    db.session.commit()
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    about, answers = summaries(element(page, "revision-1"))
    assert answers["Purpose"] == "Altered behind the scenes"
    assert about["Content SHA-256"] == (
        f"{revision.content_sha256} Does not match the stored content"
    )


def test_an_untouched_revision_is_not_flagged(client_for, world):
    request = _long_story(world)
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    assert "Does not match" not in page


# What it costs ---------------------------------------------------------------------------


def test_the_record_costs_the_same_queries_however_long_the_story(client_for, world):
    short = world.submitted()
    db.session.commit()
    long = at_stage(world, "no10")
    for round_ in range(4):
        decide(long, world.no10, Outcome.REQUEST_CHANGES, reason=f"Round {round_}")
        update_request(long, world.officer, content={"purpose": f"Take {round_}"})
        resubmit_request(long, world.officer)
        db.session.commit()
        decide(long, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions="Care")
    auditor = client_for(world.auditor)
    with counting_queries() as few:
        small = auditor.get(url(short)).get_data(as_text=True)
    with counting_queries() as many:
        large = auditor.get(url(long)).get_data(as_text=True)
    assert (len(summaries(small)), len(event_rows(small))) == (1 + 2, 2)
    assert len(re.findall(r'id="revision-\d+"', large)) == 5
    assert len(re.findall(r'id="decision-\d+"', large)) == 1 + 4 * 2
    assert len(event_rows(large)) == 3 + 4 * 4
    # Where a transaction begins depends on the test's one session, not on the page.
    assert len(queries(many)) == len(queries(few))
