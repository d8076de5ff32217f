"""The officer's whole journey through plain HTML forms, as with JavaScript off: start a
request, answer every section, check the answers, submit, see the confirmation, and find
the request in the department's list, in review."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AccessRequest, AuditEvent
from app.rules.workflow import Status
from tests.web.requests.conftest import fill
from tests.web.requests.html import main_form, text, title

ANSWERS = {
    "account": {"account_handle": "@dsit_health"},
    "purpose": {
        "purpose": "Public health messages for young people",
        "target_audience": "16 to 24 year olds",
        "justification": "Our other channels do not reach them",
    },
    "dates": {"start_date": ["4", "1", "2027"], "end_date": ["", "", ""]},
    "people": {
        "senior_responsible_owner": "Director of Communications",
        "account_managers": "Two named members of the digital team",
    },
    "device": {"device_arrangement": "A phone in a locked cabinet", "device_attestation": "y"},
    "data-protection": {"dpia_reference": "DPIA-2026-017"},
    "advertising": {"ad_budget_pounds": ""},
    "risks": {"risk_mitigations": "Two people sign off every post"},
}


def test_an_officer_files_and_submits_a_request(officer, world):
    client_address = {"REMOTE_ADDR": "203.0.113.50"}
    start = officer.get("/requests/").get_data(as_text=True)
    assert 'href="/requests/new"' in start

    response = fill(
        officer,
        "/requests/new",
        {"platform": world.platform.id, "kind": "new_account"},
        environ_base=client_address,
    )
    location = response.headers["Location"]
    reference = re.search(r"PRQ-\d{4}-\d{5}", location).group(0)

    visited = []
    while "/edit/" in location:
        section = location.rsplit("/", 1)[1]
        visited.append(section)
        response = fill(officer, location, ANSWERS[section], environ_base=client_address)
        assert response.status_code == 302, text(response.get_data(as_text=True))
        location = response.headers["Location"]
    assert visited == list(ANSWERS)
    assert location == f"/requests/{reference}/check"

    check = officer.get(location).get_data(as_text=True)
    assert "Enter the" not in text(check)  # nothing missing
    assert "@dsit_health" in check and "4 January 2027" in check
    assert main_form(check).action == f"/requests/{reference}/submit"

    response = fill(officer, location, environ_base=client_address)
    assert response.headers["Location"] == f"/requests/{reference}/submitted"
    confirmation = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert title(confirmation).startswith(f"Request submitted \N{EN DASH} {reference}")
    assert "govuk-panel--confirmation" in confirmation

    listing = text(officer.get("/requests/").get_data(as_text=True))
    assert f"{reference} TikTok @dsit_health In review Security" in listing

    access_request = db.session.scalars(
        select(AccessRequest).where(AccessRequest.reference == reference)
    ).one()
    assert access_request.status == Status.IN_REVIEW
    assert access_request.dpia_reference == "DPIA-2026-017"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_reference == reference).order_by(AuditEvent.seq)
    ).all()
    assert [e.event_type for e in events] == [
        "request_created",
        # Every section but "advertising", left empty: saving no change records nothing.
        *["request_updated"] * (len(ANSWERS) - 1),
        "request_submitted",
    ]
    assert {e.client_address for e in events} == {"203.0.113.50"}
    assert {e.actor_id for e in events} == {world.officer.id}
    assert len({e.correlation_id for e in events}) == len(events)  # one per HTTP request
