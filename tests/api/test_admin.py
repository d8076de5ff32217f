"""The administration API for admin tokens: the same operations and audit events as the
admin screens, bad input refused with a problem document and nothing changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models import AuditEvent, Delegation, PipelineVersion, Platform


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def last_event(event_type: EventType) -> AuditEvent | None:
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.event_type == event_type)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


def test_an_admin_token_adds_a_platform_and_sets_its_pipeline(api_client_for, world):
    api = api_client_for(world.admin)
    response = api.post("/api/v1/admin/platforms", json={"name": "X", "handle_max_length": 15})
    assert response.status_code == 201, response.get_json()
    platform_id = response.get_json()["id"]
    assert response.get_json()["pipeline_version"] is None
    created = last_event(EventType.PLATFORM_CREATED)
    assert created.payload["api_token"]["prefix"] == api.token.prefix

    body = {
        "based_on": None,
        "stages": [
            {"stage": "security"},
            {
                "stage": "cabinet_office",
                "quorum": "n_of_m",
                "required": 2,
                "approvers": [world.cabinet_office.email, world.cabinet_office_2.email],
            },
        ],
    }
    response = api.call("PUT", f"/api/v1/admin/platforms/{platform_id}/pipeline", json=body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["current"] == 1
    assert answer["versions"][0]["stages"][1]["required"] == 2
    changed = last_event(EventType.PIPELINE_CHANGED)
    assert changed.actor_id == world.admin.id
    assert changed.payload["after"]["version"] == 1
    assert changed.payload["before"]["stages"] == []

    # Someone who saw no version (the same body again) is too late now: 409.
    stale = api.call("PUT", f"/api/v1/admin/platforms/{platform_id}/pipeline", json=body)
    assert stale.status_code == 409
    assert stale.get_json()["type"].endswith("stale-request")


def test_a_quorum_of_three_of_two_is_a_problem_and_changes_nothing(api_client_for, world):
    api = api_client_for(world.admin)
    before = (count(PipelineVersion), count(AuditEvent))
    response = api.call(
        "PUT",
        f"/api/v1/admin/platforms/{world.platform.id}/pipeline",
        json={
            "based_on": 1,
            "stages": [
                {
                    "stage": "cabinet_office",
                    "quorum": "n_of_m",
                    "required": 3,
                    "approvers": [world.cabinet_office.email, world.cabinet_office_2.email],
                }
            ],
        },
    )
    assert response.status_code == 422
    assert "between 1 and 2" in response.get_json()["detail"]
    assert (count(PipelineVersion), count(AuditEvent)) == before


def test_an_admin_token_sets_and_ends_cover(api_client_for, world):
    api = api_client_for(world.admin)
    today = london_today()
    response = api.post(
        "/api/v1/admin/delegations",
        json={
            "delegator": world.cabinet_office.email,
            "delegate": world.no10.email,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 201, response.get_json()
    delegation_id = response.get_json()["id"]
    assert last_event(EventType.DELEGATION_STARTED).actor_id == world.admin.id
    ended = api.post(f"/api/v1/admin/delegations/{delegation_id}/end")
    assert ended.status_code == 200
    assert ended.get_json()["ended_at"] is not None
    assert last_event(EventType.DELEGATION_ENDED) is not None


def test_cover_with_the_end_before_the_start_is_a_problem(api_client_for, world):
    api = api_client_for(world.admin)
    today = london_today()
    response = api.post(
        "/api/v1/admin/delegations",
        json={
            "delegator": world.cabinet_office.email,
            "delegate": world.no10.email,
            "starts_on": (today + timedelta(days=3)).isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert response.status_code == 422
    assert count(Delegation) == 0


def test_an_admin_token_invites_and_changes_people_and_departments(api_client_for, world):
    api = api_client_for(world.admin)
    response = api.post(
        "/api/v1/admin/people",
        json={"email": "new.person@example.gov.uk", "name": "New Person", "roles": ["auditor"]},
    )
    assert response.status_code == 201, response.get_json()
    person = response.get_json()["person"]
    assert response.get_json()["set_password_link"].startswith("http")
    changed = api.patch(f"/api/v1/admin/people/{person['id']}", json={"name": "Renamed Person"})
    assert changed.status_code == 200
    assert changed.get_json()["name"] == "Renamed Person"
    event = last_event(EventType.USER_UPDATED)
    assert event.payload["before"] == {"display_name": "New Person"}
    assert event.payload["after"] == {"display_name": "Renamed Person"}

    department = api.post("/api/v1/admin/departments", json={"code": "DFE", "name": "Education"})
    assert department.status_code == 201
    retired = api.patch(
        f"/api/v1/admin/departments/{department.get_json()['id']}", json={"active": False}
    )
    assert retired.get_json()["active"] is False


def test_an_admin_cannot_change_their_own_roles_through_the_api(api_client_for, world):
    api = api_client_for(world.admin)
    response = api.patch(f"/api/v1/admin/people/{world.admin.id}", json={"roles": ["auditor"]})
    assert response.status_code == 403
    assert "cannot change your own roles" in response.get_json()["detail"]
    db.session.expire_all()
    assert "admin" in world.admin.roles


def test_other_roles_tokens_reach_no_administration(api_client_for, world):
    for user in (world.officer, world.security, world.auditor):
        response = api_client_for(user).get("/api/v1/admin/platforms")
        assert response.status_code == 403
    assert count(Platform) == 1
