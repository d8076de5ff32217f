"""Platforms, from the admin's browser: rename one, retire it, open it again; each an
audit event with before and after; bad input gets an error summary and changes nothing;
a retired platform takes no new request."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent
from app.operations.create_request import create_request
from app.rules.workflow import InvalidContent
from tests.factories import complete_content, make_platform
from tests.web.client import csrf_token, post_form


def url(world) -> str:
    return f"/admin/platforms/{world.platform.id}"


def updates() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == EventType.PLATFORM_UPDATED)
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))


@pytest.mark.parametrize("who", ["officer", "security", "auditor"])
def test_only_admins_change_platforms(client_for, world, who):
    assert client_for(getattr(world, who)).get(url(world)).status_code == 403


def test_the_admin_page_links_to_each_platform(client_for, world):
    html = client_for(world.admin).get("/admin/").get_data(as_text=True)
    assert f'href="{url(world)}"' in html


def test_rename_retire_and_reopen_are_audited_with_before_and_after(client_for, world):
    admin = client_for(world.admin)
    assert post_form(admin, url(world), {"name": "TikTok (UK)"}).status_code == 302
    page = admin.get(url(world))
    assert "The platform is now called TikTok (UK)." in page.get_data(as_text=True)

    token = csrf_token(page)
    assert admin.post(f"{url(world)}/retire", data={"csrf_token": token}).status_code == 302
    db.session.refresh(world.platform)
    assert not world.platform.active
    with pytest.raises(InvalidContent):
        create_request(world.officer, platform=world.platform, content=complete_content())
    db.session.rollback()

    admin.post(f"{url(world)}/reopen", data={"csrf_token": token})
    db.session.refresh(world.platform)
    assert world.platform.active
    assert [(e.payload["before"], e.payload["after"]) for e in updates()] == [
        ({"name": "TikTok"}, {"name": "TikTok (UK)"}),
        ({"active": True}, {"active": False}),
        ({"active": False}, {"active": True}),
    ]
    assert all(e.actor_id == world.admin.id for e in updates())


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter the platform&#39;s name"), ("x" * 101, "100 characters or fewer")],
)
def test_a_bad_name_gets_an_error_summary_and_changes_nothing(client_for, world, name, message):
    response = post_form(client_for(world.admin), url(world), {"name": name})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    db.session.refresh(world.platform)
    assert world.platform.name == "TikTok"
    assert updates() == []


def test_a_name_another_platform_has_is_refused(client_for, world):
    make_platform(name="Snapchat")
    db.session.commit()
    html = post_form(client_for(world.admin), url(world), {"name": "snapchat"}).get_data(
        as_text=True
    )
    assert "A platform with this name already exists" in html
    assert updates() == []
