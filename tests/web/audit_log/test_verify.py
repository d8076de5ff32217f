"""Verifying the audit chain from the auditor's screens: on demand only, read-only, and
plain about what it found."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from sqlalchemy import select

from app.audit.verify import VerifyResult
from app.audit_log import views
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent
from app.operations.decide_stage import decide_stage
from app.workflow import Outcome
from tests.web.audit_log.conftest import add_event, last_seq, tamper
from tests.web.client import csrf_token, page_title, post_form


def verify(client):
    """Press "Verify the audit chain" on the audit log page."""
    page = client.get("/audit-log/")
    html = page.get_data(as_text=True)
    assert 'action="/audit-log/verify"' in html and "Verify the audit chain" in html
    return client.post("/audit-log/verify", data={"csrf_token": csrf_token(page)})


def chain_rows() -> list[tuple]:
    return list(
        db.session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq))
    )


@pytest.fixture
def trail(world):
    """Seven events: a sign-in, a request submitted and approved twice, two more."""
    request = world.submitted()
    decide_stage(
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    decide_stage(
        request,
        world.no10,
        stage="no10",
        version=request.version,
        outcome=Outcome.APPROVE_WITH_CONDITIONS,
        conditions="Monthly review",
    )
    add_event()
    add_event()
    db.session.commit()


def test_the_log_page_does_not_verify_the_chain(auditor, world, trail):
    with mock.patch.object(views, "verify_database") as verify_database:
        response = auditor.get("/audit-log/")
    assert response.status_code == 200
    verify_database.assert_not_called()
    assert "Chain verified" not in response.get_data(as_text=True)


def test_the_verify_page_offers_the_button(auditor, world):
    response = auditor.get("/audit-log/verify")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Verify the audit chain')}</title>" in html
    assert 'method="post" action="/audit-log/verify"' in html
    assert 'href="/audit-log/"' in html  # back to the log


def test_an_intact_chain_shows_its_count_head_and_full_hash(auditor, world, trail):
    head_seq, head_hash = chain_rows()[-1]

    response = verify(auditor)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Audit chain verified')}</title>" in html
    assert 'class="govuk-panel govuk-panel--confirmation"' in html
    assert re.search(rf"govuk-panel__body\">\s*Chain verified through event {head_seq}\s*<", html)
    assert re.search(rf"Events checked\s*</dt>\s*<dd[^>]*>\s*{head_seq}\s*</dd>", html)
    assert re.search(rf"Head hash\s*</dt>\s*<dd[^>]*>\s*<code>{head_hash}</code>", html)
    assert "govuk-error-summary" not in html


def test_verifying_changes_nothing(auditor, world, trail):
    before = chain_rows()

    assert verify(auditor).status_code == 200
    assert post_form(auditor, "/audit-log/verify").status_code == 200

    db.session.remove()
    assert chain_rows() == before  # no event appended, none changed


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"comment": "Forged after the fact"}, "hash mismatch"),
        ({"actor_email": "someone.else@example.gov.uk"}, "hash mismatch"),
        ({"seq": 1000}, "gap: expected seq 4, found 5"),
    ],
)
def test_a_tampered_chain_names_the_first_bad_event_and_why(auditor, world, trail, change, reason):
    good = chain_rows()
    tamper(4, **change)

    response = verify(auditor)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Audit chain failed verification')}</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert "The audit chain does not verify" in html
    assert "Event 4 failed: " + reason in html
    assert "The first problem is at event 4" in html
    assert 'href="/audit-log/?before=5"' in html  # straight to the bad event in the log
    assert f"<code>{good[2].hash}</code>" in html  # the last good hash, event 3's
    assert "Chain verified" not in html


def test_the_verify_button_needs_the_csrf_token(auditor, world):
    response = auditor.post("/audit-log/verify")
    assert response.status_code == 400


def test_verifying_does_not_add_to_the_log(auditor, world, trail):
    seq = last_seq()
    verify(auditor)
    db.session.remove()
    assert last_seq() == seq


def test_an_empty_chain_says_so(auditor, world):
    empty = VerifyResult(count=0, head_seq=0, head_hash=GENESIS_HASH)
    with mock.patch.object(views, "verify_database", return_value=empty):
        html = verify(auditor).get_data(as_text=True)
    assert "There are no events yet" in html
    assert f"<code>{GENESIS_HASH}</code>" in html
