"""An admin resets someone's second factor (they lost their phone and recovery codes):
asked first, done by a POST, audited with the admin as actor, the person signed out
everywhere and asked to set up a new app at their next sign-in. Admins only, and never
their own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, RecoveryCode
from app.operations.two_factor import confirm_enrolment, start_enrolment
from app.rules.roles import Role
from tests import factories
from tests.budgets.counting import counting
from tests.web.client import csrf_token, current_code, page_title, post_form

pytestmark = pytest.mark.asvs("4.1.1", "4.1.3")


def url(user) -> str:
    return f"/admin/users/{user.id}/reset-two-factor"


def events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == EventType.TWO_FACTOR_RESET)
    return list(db.session.scalars(query))


def test_the_admin_list_links_to_each_reset_but_their_own(client_for, world):
    html = client_for(world.admin).get("/admin/").get_data(as_text=True)
    assert f'href="{url(world.security)}"' in html
    assert f"two-factor authentication for {world.security.display_name}" in html
    assert f'href="{url(world.admin)}"' not in html
    assert f'href="{url(world.officer)}"' not in html  # nothing to reset


def test_the_admin_is_asked_first_and_the_get_changes_nothing(client_for, world):
    response = client_for(world.admin).get(url(world.security))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    title = f"Reset two-factor authentication for {world.security.display_name}"
    assert f"<title>{page_title(title)}</title>" in html
    assert f'action="{url(world.security)}"' in html and 'method="post"' in html
    db.session.refresh(world.security)
    assert world.security.has_second_factor
    assert events() == []


def test_a_reset_signs_the_person_out_and_they_set_up_again_at_next_sign_in(
    app, client, client_for, world
):
    security = client_for(world.security)
    assert security.get("/review/").status_code == 200

    response = post_form(client_for(world.admin), url(world.security))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    db.session.refresh(world.security)
    assert world.security.totp_secret is None and not world.security.has_second_factor
    assert db.session.scalars(select(RecoveryCode)).all() == []
    [event] = events()
    assert event.actor_id == world.admin.id
    assert event.payload == {
        "user_id": world.security.id,
        "email": world.security.email,
        "sessions_ended": 1,
    }

    # Their open browser is signed out at its next request...
    assert security.get("/review/").headers["Location"].startswith("/sign-in")
    # ...and signing in again leads to setting up a new app.
    post_form(client, "/sign-in", {"email": world.security.email, "password": factories.PASSWORD})
    assert client.get("/sign-in/two-factor").headers["Location"] == "/sign-in/set-up-two-factor"


def test_the_flash_says_what_happened(client_for, world):
    admin = client_for(world.admin)
    post_form(admin, url(world.auditor))
    page = admin.get("/admin/").get_data(as_text=True)
    assert f"Two-factor authentication reset for {world.auditor.display_name}" in page


@pytest.mark.parametrize("who", ["officer", "security", "auditor"])
def test_only_admins_may_reset(client_for, world, who):
    client = client_for(getattr(world, who))
    assert client.get(url(world.no10)).status_code == 403
    token = csrf_token(client.get("/account/"))
    response = client.post(url(world.no10), data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(world.no10)
    assert world.no10.has_second_factor
    assert events() == []


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    client.get("/sign-in")
    assert client.get(url(world.no10)).headers["Location"].startswith("/sign-in")


def test_an_admin_cannot_reset_their_own(client_for, world):
    admin = client_for(world.admin)
    page = admin.get(url(world.admin)).get_data(as_text=True)
    assert "You cannot reset your own two-factor authentication" in page
    assert 'method="post" action="/admin/users' not in page
    response = admin.post(url(world.admin), data={"csrf_token": csrf_token(admin.get("/admin/"))})
    assert response.status_code == 403
    assert "ask another admin" in response.get_data(as_text=True)
    db.session.refresh(world.admin)
    assert world.admin.has_second_factor
    assert events() == []


def test_another_admin_can_reset_an_admins(client_for, world):
    other = factories.make_user(Role.ADMIN)
    db.session.commit()
    post_form(client_for(other), url(world.admin))
    db.session.refresh(world.admin)
    assert not world.admin.has_second_factor


def test_an_unknown_person_is_404(client_for, world):
    admin = client_for(world.admin)
    assert admin.get("/admin/users/999999/reset-two-factor").status_code == 404
    token = csrf_token(admin.get("/admin/"))
    response = admin.post("/admin/users/999999/reset-two-factor", data={"csrf_token": token})
    assert response.status_code == 404


@pytest.mark.asvs("4.2.2")
def test_a_reset_needs_the_csrf_token(client_for, world):
    admin = client_for(world.admin)
    assert admin.post(url(world.security)).status_code == 400
    db.session.refresh(world.security)
    assert world.security.has_second_factor


def test_resetting_someone_with_none_says_so(client_for, world):
    start_enrolment(world.officer)
    confirm_enrolment(world.officer, current_code(world.officer))
    db.session.commit()
    admin = client_for(world.admin)
    post_form(admin, url(world.officer))
    response = post_form(admin, url(world.officer), follow_redirects=False)
    assert response.status_code == 302
    page = admin.get("/admin/").get_data(as_text=True)
    assert f"{world.officer.display_name} has no two-factor authentication to reset" in page
    assert len(events()) == 1


def test_the_admin_list_reads_everyones_second_factor_in_a_fixed_number_of_statements(
    client_for, world
):
    # Each row says whether the person's second factor is on: their credentials come with
    # the list (a person's credentials are otherwise read only when touched, one by one).
    admin = client_for(world.admin)

    def statements() -> int:
        db.session.remove()
        with counting() as tally:
            assert admin.get("/admin/").status_code == 200
        return tally.count

    few = statements()
    for _ in range(5):
        factories.make_user(Role.APPROVER, stages=("security",))
    db.session.commit()
    assert statements() == few
