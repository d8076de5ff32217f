"""Parity: the browser journey (tests/browser/test_journey.py), driven through the JSON API
alone, leaves the same audit trail: the same sequence of event types, stages and people
(tests/journey.py's JOURNEY, with each channel's own events left out), and the auditor's
export holds it too."""

from __future__ import annotations

import json

import pytest

from app.audit.events import EventType
from tests.api.conftest import ApiClient
from tests.factories import complete_content
from tests.journey import JOURNEY, Step, journey_of

CHANGES_REASON = "Say who will moderate comments out of hours."
NEW_MITIGATIONS = (
    "Two-person rule for every post. The press office moderates comments out of hours, "
    "seven days a week."
)


def api_content() -> dict[str, object]:
    """Everything the browser's sections answer, as JSON."""
    content = complete_content(account_handle="@dsit_journey", ad_budget_pounds=2500)
    content = {name: value for name, value in content.items() if value is not None}
    return json.loads(json.dumps(content, default=str))


def every_event(auditor: ApiClient) -> list[dict[str, object]]:
    """The whole audit trail, oldest first, following `next` until an empty page."""
    events: list[dict[str, object]] = []
    url = "/api/v1/audit/events?limit=50"
    while True:
        page = auditor.get(url)
        assert page.status_code == 200, page.get_json()
        items = page.get_json()["items"]
        if not items:
            return events
        events += items
        url = page.get_json()["next"]


@pytest.mark.asvs("13.1.4", "7.2.1")
def test_the_browser_journey_through_the_api_alone_leaves_the_same_audit_trail(
    world, api_client_for
):
    people = {
        "officer": world.officer,
        "security": world.security,
        "no10": world.no10,
        "cabinet_office": world.cabinet_office,
        "auditor": world.auditor,
    }
    api = {key: api_client_for(user) for key, user in people.items()}
    officer = api["officer"]

    # The officer files the request (the screens start it, then save its sections) and
    # submits it.
    content = api_content()
    started = officer.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": content.pop("kind")},
        headers={"Idempotency-Key": "parity-start"},
    )
    assert started.status_code == 201, started.get_json()
    reference = started.get_json()["reference"]
    saved = officer.patch(
        f"/api/v1/requests/{reference}", json=content, headers={"If-Match": started.headers["ETag"]}
    )
    assert saved.status_code == 200, saved.get_json()
    assert officer.act(reference, "submit").status_code == 200

    # Security approves; No10 asks for changes.
    approved = api["security"].act(reference, "decisions", {"outcome": "approve"})
    assert approved.status_code == 200, approved.get_json()
    sent_back = api["no10"].act(
        reference, "decisions", {"outcome": "request_changes", "reason": CHANGES_REASON}
    )
    assert sent_back.get_json()["status"] == "changes_requested"

    # The officer changes the mitigations and resubmits.
    changed = officer.patch(
        f"/api/v1/requests/{reference}",
        json={"risk_mitigations": NEW_MITIGATIONS},
        headers={"If-Match": officer.etag(reference)},
    )
    assert changed.status_code == 200, changed.get_json()
    assert officer.act(reference, "resubmit").status_code == 200

    # Security, No10 and Cabinet Office approve the new revision in turn.
    for key in ("security", "no10", "cabinet_office"):
        decided = api[key].act(reference, "decisions", {"outcome": "approve"})
        assert decided.status_code == 200, decided.get_json()
    assert officer.read(reference).get_json()["status"] == "approved"

    # The auditor exports the trail, then reads it back.
    auditor = api["auditor"]
    export = auditor.get("/api/v1/audit/export?format=jsonl")
    assert export.status_code == 200
    who = {user.email: key for key, user in people.items()}
    expected = [*JOURNEY, Step(EventType.AUDIT_EXPORTED, None, "auditor")]

    def journey(events: list[dict[str, object]]) -> list[Step]:
        return journey_of(
            (str(e["event_type"]), e["stage"], who[str(e["actor_email"])]) for e in events
        )

    trail = every_event(auditor)
    assert journey(trail) == expected
    assert {
        e["request_reference"] for e in trail if e["event_type"] in {s.event for s in JOURNEY}
    } == {reference}
    exported = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert journey(exported) == expected
    # What was filtered out is only what the API makes for itself: the tokens. Each change
    # names the token that made it in its own event.
    left_out = {e["event_type"] for e in trail} - {str(step.event) for step in expected}
    assert left_out == {EventType.API_TOKEN_CREATED}
