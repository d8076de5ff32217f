"""Platforms and their pipelines, from the admin's browser: adding a platform, setting its
pipeline stage by stage with quorum rules, versions that leave requests in flight alone,
bad input refused with an error summary and nothing changed, and two admins at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, PipelineVersion, Platform
from app.operations.create_request import create_request
from app.operations.submit_request import submit_request
from app.rules.roles import Role
from tests.factories import complete_content, make_user
from tests.web.client import csrf_token, post_form


def pipeline_url(platform: Platform) -> str:
    return f"/admin/platforms/{platform.id}/pipeline"


def rows(*steps: dict[str, str], based_on: str = "1") -> dict[str, str]:
    """The pipeline form's fields: one dict a stage, in signing order."""
    data = {"based_on": based_on}
    for index, step in enumerate(steps):
        for name, value in step.items():
            data[f"steps-{index}-{name}"] = value
    return data


def versions(platform: Platform) -> int:
    return db.session.scalar(select(func.count()).where(PipelineVersion.platform_id == platform.id))


def events(event_type: EventType) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


def test_an_admin_adds_a_platform_and_sets_a_quorum_pipeline(client_for, world):
    admin = client_for(world.admin)
    response = post_form(admin, "/admin/platforms/new", {"name": "X", "handle_max_length": "15"})
    assert response.status_code == 302
    platform = db.session.scalar(select(Platform).where(Platform.name == "X"))
    assert response.headers["Location"].endswith(pipeline_url(platform))
    page = admin.get(pipeline_url(platform)).get_data(as_text=True)
    assert "X has no pipeline yet" in page
    # Not offered to officers until it has a pipeline.
    offered = f'value="{platform.id}"'
    assert offered not in client_for(world.officer).get("/requests/new").get_data(as_text=True)

    co = [
        world.cabinet_office,
        world.cabinet_office_2,
        make_user(Role.APPROVER, stages=("cabinet_office",)),
    ]
    db.session.commit()
    response = post_form(
        admin,
        pipeline_url(platform),
        rows(
            {"stage": "security", "quorum": "any_one", "target_working_days": "3"},
            {
                "stage": "cabinet_office",
                "quorum": "n_of_m",
                "required": "2",
                # One a line, or separated by commas: both read.
                "approvers": f"{co[0].email}, {co[1].email}\n{co[2].email}",
                "target_working_days": "5",
            },
            based_on="",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    version = platform.pipeline_version
    assert version.number == 1
    assert [step.rule.describe() for step in version.stages] == [
        "Any one approver",
        "2 of 3 named approvers",
    ]
    assert {user.id for user in version.stages[1].approvers} == {user.id for user in co}
    [event] = events(EventType.PIPELINE_CHANGED)
    assert event.actor_id == world.admin.id
    assert event.payload["before"] == {"version": None, "stages": []}
    assert event.payload["after"]["stages"][1] == {
        "stage": "cabinet_office",
        "quorum": "n_of_m",
        "required": 2,
        "approvers": sorted(user.email for user in co),
        "target_working_days": 5,
    }
    page = admin.get(pipeline_url(platform)).get_data(as_text=True)
    assert "2 of 3 named approvers" in page
    assert offered in client_for(world.officer).get("/requests/new").get_data(as_text=True)


def test_an_edit_makes_a_new_version_and_a_request_in_flight_keeps_its_own(client_for, world):
    in_flight = world.submitted()
    db.session.commit()
    admin = client_for(world.admin)
    response = post_form(
        admin,
        pipeline_url(world.platform),
        rows({"stage": "security", "quorum": "any_one", "target_working_days": "5"}),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert world.platform.pipeline_version.number == 2
    assert world.platform.stage_codes == ["security"]
    # The request in flight keeps version 1, all three stages.
    assert in_flight.pipeline_version.number == 1
    assert in_flight.pipeline_version.stage_codes == ["security", "no10", "cabinet_office"]
    # A new one goes through version 2.
    fresh = create_request(world.officer, platform=world.platform, content=complete_content())
    submit_request(fresh, world.officer)
    db.session.commit()
    assert fresh.pipeline_version.number == 2
    page = admin.get(pipeline_url(world.platform)).get_data(as_text=True)
    version_1 = page.split('id="version-1-requests"', 1)[1].split("</p>", 1)[0]
    version_2 = page.split('id="version-2-requests"', 1)[1].split("</p>", 1)[0]
    assert in_flight.reference in version_1 and fresh.reference not in version_1
    assert fresh.reference in version_2


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "A pipeline needs at least one stage"),
        (
            (
                {"stage": "security", "quorum": "any_one"},
                {"stage": "security", "quorum": "any_one"},
            ),
            "Security is already stage 1",
        ),
        (
            (
                {
                    "stage": "cabinet_office",
                    "quorum": "n_of_m",
                    "required": "3",
                    "approvers": "CO\nCO2",
                },
            ),
            "between 1 and 2, the number of named approvers",
        ),
        (({"stage": "no10", "quorum": "all_of", "approvers": ""},), "name the approvers"),
        (
            ({"stage": "no10", "quorum": "all_of", "approvers": "nobody@example.gov.uk"},),
            "nobody has the email address nobody@example.gov.uk",
        ),
        (
            ({"stage": "no10", "quorum": "n_of_m", "required": "1", "approvers": "SECURITY"},),
            "does not sign No10",
        ),
        (({"stage": "no10", "target_working_days": "0"},), "between 1 and 60 working days"),
    ],
)
def test_a_pipeline_that_cannot_work_is_refused_and_nothing_changes(
    client_for, world, steps, message
):
    emails = {
        "SECURITY": world.security.email,
        "CO": world.cabinet_office.email,
        "CO2": world.cabinet_office_2.email,
    }
    steps = tuple(
        {k: "\n".join(emails.get(part, part) for part in v.split("\n")) for k, v in step.items()}
        for step in steps
    )
    before = len(events(EventType.PIPELINE_CHANGED))
    admin = client_for(world.admin)
    response = post_form(admin, pipeline_url(world.platform), rows(*steps))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert message in page
    db.session.expire_all()
    assert versions(world.platform) == 1
    assert len(events(EventType.PIPELINE_CHANGED)) == before


def test_two_admins_editing_at_once_the_second_gets_a_conflict(client_for, world):
    first = client_for(world.admin)
    other_admin = make_user(Role.ADMIN, name="Second Admin")
    db.session.commit()
    second = client_for(other_admin)
    # Both open the page at version 1.
    first_token = csrf_token(first.get(pipeline_url(world.platform)))
    second_token = csrf_token(second.get(pipeline_url(world.platform)))
    one = rows({"stage": "security", "quorum": "any_one", "target_working_days": "4"})
    two = rows({"stage": "no10", "quorum": "any_one", "target_working_days": "4"})
    assert (
        first.post(
            pipeline_url(world.platform), data={**one, "csrf_token": first_token}
        ).status_code
        == 302
    )
    response = second.post(pipeline_url(world.platform), data={**two, "csrf_token": second_token})
    assert response.status_code == 409
    assert "Someone else changed the TikTok pipeline" in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.platform.stage_codes == ["security"]
    assert versions(world.platform) == 2


def test_saving_the_same_pipeline_makes_no_version(client_for, world):
    admin = client_for(world.admin)
    same = rows(
        *(
            {"stage": code, "quorum": "any_one", "target_working_days": "5"}
            for code in ("security", "no10", "cabinet_office")
        )
    )
    assert post_form(admin, pipeline_url(world.platform), same).status_code == 302
    assert versions(world.platform) == 1
    assert events(EventType.PIPELINE_CHANGED) == []


def test_the_audit_log_shows_a_pipeline_change_before_and_after(client_for, world):
    admin = client_for(world.admin)
    post_form(
        admin,
        pipeline_url(world.platform),
        rows({"stage": "security", "quorum": "any_one", "target_working_days": "4"}),
    )
    page = client_for(world.auditor).get("/audit-log/?event_type=pipeline_changed")
    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert "TikTok: version: 1 → 2" in text
    assert "stages: security (any one; 5 days), then no10 (any one; 5 days)" in text
    assert "→ security (any one; 4 days)" in text
