"""Idempotency-Key on the API's POSTs: a repeat replays the first answer and acts once; the
same key with another body is a 422; a repeat while the first runs is a 409; keys belong
to the token's owner and are purged after a day."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.api.idempotency import LEASE, KeyState, claim, fingerprint
from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, Decision
from app.models.api import IdempotencyKey
from app.models.types import utcnow
from app.rules.workflow import Status
from tests.api.conftest import fresh
from tests.security.route_table import request_of

PROBLEMS = "https://permit.service.gov.uk/problems/"

pytestmark = pytest.mark.asvs("11.1.6")


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def events(event_type: EventType) -> int:
    return count(AuditEvent, AuditEvent.event_type == str(event_type))


def decide(api, reference, etag, key, body=None):
    return api.post(
        f"/api/v1/requests/{reference}/decisions",
        json=body or {"outcome": "approve"},
        headers={"If-Match": etag, "Idempotency-Key": key},
    )


def test_the_same_decision_sent_twice_is_made_once_and_answered_twice_alike(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    first = decide(api, access_request.reference, etag, "decision-1")
    again = decide(api, access_request.reference, etag, "decision-1")
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(Decision) == 1
    assert events(EventType.STAGE_APPROVED) == 1


def test_key_order_and_spacing_of_the_body_do_not_make_another_call(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    path = f"/api/v1/requests/{access_request.reference}/decisions"
    headers = {"If-Match": etag, "Idempotency-Key": "k", "Content-Type": "application/json"}
    first = api.post(path, data='{"outcome": "reject", "reason": "No"}', headers=headers)
    again = api.post(path, data='{"reason":"No","outcome":"reject"}', headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_a_422(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    assert decide(api, access_request.reference, etag, "k").status_code == 200
    other = decide(
        api, access_request.reference, etag, "k", {"outcome": "reject", "reason": "Changed mind"}
    )
    assert other.status_code == 422
    assert other.get_json()["type"] == PROBLEMS + "idempotency-key-reused"
    elsewhere = api.post(
        "/api/v1/requests", json={"outcome": "approve"}, headers={"Idempotency-Key": "k"}
    )
    assert elsewhere.status_code in (403, 422)  # another path: never the stored answer
    assert "Idempotent-Replayed" not in elsewhere.headers
    assert count(Decision) == 1


def test_a_repeat_while_the_first_is_still_running_is_a_409(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    path = f"/api/v1/requests/{access_request.reference}/decisions"
    # The first call has claimed the key and not answered yet.
    claim(world.security.id, "k", fingerprint("POST", path, b'{"outcome": "approve"}'))
    response = decide(api, access_request.reference, etag, "k")
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEMS + "idempotency-key-in-use"
    assert count(Decision) == 0


def test_a_claim_whose_call_died_is_taken_over_after_the_lease(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    path = f"/api/v1/requests/{access_request.reference}/decisions"
    digest = fingerprint("POST", path, b'{"outcome": "approve"}')
    claim(world.security.id, "k", digest, now=utcnow() - LEASE - timedelta(seconds=1))
    response = decide(api, access_request.reference, etag, "k")
    assert response.status_code == 200
    assert count(Decision) == 1


def test_a_refusal_is_kept_and_replayed_like_a_success(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    body = {"outcome": "reject"}  # no reason: the workflow refuses
    first = decide(api, access_request.reference, etag, "k", body)
    again = decide(api, access_request.reference, etag, "k", body)
    assert first.status_code == again.status_code == 422
    assert first.get_json()["type"] == PROBLEMS + "reason-required"
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content_type == "application/problem+json"
    assert count(Decision) == 0


def test_a_call_refused_before_the_operation_stores_nothing_and_frees_the_key(
    world, api_client_for
):
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    stale = decide(api, access_request.reference, '"r0-v0"', "k")
    invalid = decide(api, access_request.reference, etag, "k", {"outcome": "maybe"})
    assert (stale.status_code, invalid.status_code) == (412, 422)
    assert count(IdempotencyKey) == 0
    corrected = decide(api, access_request.reference, etag, "k")
    assert corrected.status_code == 200
    assert "Idempotent-Replayed" not in corrected.headers


def test_a_new_request_is_created_once(world, api_client_for):
    api = api_client_for(world.officer)
    body = {"platform": "TikTok", "kind": "new_account"}
    first = api.post("/api/v1/requests", json=body, headers={"Idempotency-Key": "create-1"})
    again = api.post("/api/v1/requests", json=body, headers={"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]
    assert events(EventType.REQUEST_CREATED) == 1


def test_keys_belong_to_the_tokens_owner(world, api_client_for):
    body = {"platform": "TikTok", "kind": "new_account"}
    one = api_client_for(world.officer).post(
        "/api/v1/requests", json=body, headers={"Idempotency-Key": "same"}
    )
    other = api_client_for(world.colleague).post(
        "/api/v1/requests", json=body, headers={"Idempotency-Key": "same"}
    )
    assert one.status_code == other.status_code == 201
    assert one.get_json()["reference"] != other.get_json()["reference"]
    # And a second token of the same person shares them.
    again = api_client_for(world.officer).post(
        "/api/v1/requests", json=body, headers={"Idempotency-Key": "same"}
    )
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "café"])
def test_a_key_that_is_not_1_to_255_printable_ascii_is_a_400(world, api_client_for, key):
    api = api_client_for(world.officer)
    response = api.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account"},
        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert response.status_code == 400
    assert response.get_json()["type"] == PROBLEMS + "invalid-idempotency-key"
    assert events(EventType.REQUEST_CREATED) == 0


def test_keys_are_stored_completed_with_the_answer(world, api_client_for):
    api = api_client_for(world.officer)
    api.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account"},
        headers={"Idempotency-Key": "stored"},
    )
    row = db.session.scalar(select(IdempotencyKey))
    assert row is not None
    assert (row.user_id, row.key, row.state, row.status_code) == (
        world.officer.id,
        "stored",
        KeyState.COMPLETED,
        201,
    )
    assert set(row.headers) == {"Content-Type", "ETag", "Location"}


def test_old_keys_are_purged_by_the_command(world, api_client_for, app):
    api = api_client_for(world.officer)
    body = {"platform": "TikTok", "kind": "new_account"}
    api.post("/api/v1/requests", json=body, headers={"Idempotency-Key": "old"})
    row = db.session.scalar(select(IdempotencyKey))
    row.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    api.post("/api/v1/requests", json=body, headers={"Idempotency-Key": "new"})
    result = app.test_cli_runner().invoke(args=["api", "purge-idempotency-keys"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 idempotency key." in result.output
    assert [row.key for row in db.session.scalars(select(IdempotencyKey))] == ["new"]
    refused = app.test_cli_runner().invoke(
        args=["api", "purge-idempotency-keys", "--older-than-hours", "1"]
    )
    assert refused.exit_code != 0  # fewer than 24 hours: refused


def test_the_same_decision_sent_at_once_from_many_threads_is_made_once(world, api_client_for, app):
    """Exactly one thread acts; the others get its answer replayed, or 409 while it runs
    (PostgreSQL's writers really overlap; SQLite's queue for its lock)."""
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(world.security)
    etag = api.etag(access_request.reference)
    path = f"/api/v1/requests/{access_request.reference}/decisions"
    headers = {
        "Authorization": f"Bearer {api.text}",
        "If-Match": etag,
        "Idempotency-Key": "concurrent",
    }
    threads, answers = 8, []
    start = threading.Barrier(threads)
    db.session.rollback()  # the test's own session holds no transaction (nor SQLite's lock)

    def send() -> None:
        with app.app_context():
            client = FlaskClient(app, app.response_class, use_cookies=False)
            start.wait()
            response = client.post(path, json={"outcome": "approve"}, headers=headers)
            kind = response.headers.get("Idempotent-Replayed") or (
                response.get_json().get("type", "").rsplit("/", 1)[-1]
                if response.status_code >= 400
                else None
            )
            answers.append((response.status_code, kind))
            db.session.remove()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive(), "a call never finished"
    acted = [a for a in answers if a == (200, None)]
    others = [a for a in answers if a != (200, None)]
    assert len(acted) == 1, answers
    assert all(a in ((200, "true"), (409, "idempotency-key-in-use")) for a in others), answers
    assert count(Decision) == 1
    assert events(EventType.STAGE_APPROVED) == 1
    assert fresh(access_request).current_stage == "no10"
