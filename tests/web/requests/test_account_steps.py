"""The approved account's steps on the request page: each person sees the steps they
may take, each step's page records it, and bad input or a late form changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.deadlines.clock import london_today
from app.extensions import db
from app.rules.accounts import AccountStatus
from tests.accounts.support import account_of, approved_with_conditions
from tests.operations.support import head_seq
from tests.web.client import csrf_token


def url(request, step):
    return f"/requests/{request.reference}/account/{step}"


def opening_form(day: date, **overrides):
    data = {
        "handle": "@dsit_live",
        "url": "https://www.tiktok.com/@dsit_live",
        "opened_on": [str(day.day), str(day.month), str(day.year)],
        "owner": "Olive Officer",
    }
    data.update(overrides)
    return data


def post_step(client, path, data):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    version = _hidden_version(page.get_data(as_text=True))
    return client.post(path, data={**data, "version": version, "csrf_token": csrf_token(page)})


def _hidden_version(html: str) -> str:
    marker = 'name="version" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_officer_is_asked_to_record_the_opening(world, client_for):
    request = approved_with_conditions(world)
    page = client_for(world.officer).get(f"/requests/{request.reference}").get_data(as_text=True)
    assert 'id="record-opening"' in page
    assert "Record the account as opened" in page
    assert "Not opened yet" in page
    assert "Conditions (2 open)" in page
    # Security sees the account and its open conditions, but is not asked to record it.
    page = client_for(world.security).get(f"/requests/{request.reference}").get_data(as_text=True)
    assert 'id="record-opening"' not in page
    assert "Conditions (2 open)" in page
    assert "Revoke permission" in page


def test_recording_the_opening(world, client_for):
    request = approved_with_conditions(world)
    officer = client_for(world.officer)
    response = post_step(officer, url(request, "record_opening"), opening_form(london_today()))
    assert response.status_code == 302
    page = officer.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "The account has been recorded as opened" in page
    assert "Account recorded as opened" in page  # the timeline
    assert "https://www.tiktok.com/@dsit_live" in page
    assert account_of(request).status == AccountStatus.OPEN


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"handle": ""}, "Enter the handle"),
        ({"owner": ""}, "Enter the owner"),
        ({"opened_on": ["", "", ""]}, "Enter the date the account was opened"),
        ({"opened_on": ["31", "2", "2026"]}, "Date opened must be a real date"),
        ({"url": "www.example.com"}, "Enter the web address starting https://"),
    ],
)
def test_a_bad_opening_shows_an_error_summary_and_saves_nothing(
    world, client_for, overrides, message
):
    request = approved_with_conditions(world)
    officer = client_for(world.officer)
    seq = head_seq()
    response = post_step(
        officer,
        url(request, "record_opening"),
        opening_form(london_today(), **overrides),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert head_seq() == seq
    assert account_of(request).status == AccountStatus.AWAITING_OPENING


def test_confirming_a_condition(world, client_for):
    request = approved_with_conditions(world)
    officer = client_for(world.officer)
    post_step(officer, url(request, "record_opening"), opening_form(london_today()))
    path = f"/requests/{request.reference}/account/conditions/1"
    assert "Keep the device in a locked cabinet" in officer.get(path).get_data(as_text=True)
    empty = post_step(officer, path, {"evidence": ""})
    assert empty.status_code == 200
    assert "Enter evidence" in empty.get_data(as_text=True)
    assert post_step(officer, path, {"evidence": "Locked cabinet, room 4"}).status_code == 302
    page = client_for(world.security).get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Conditions (1 open)" in page
    assert "Confirmed by Olive Officer" in page
    # Once confirmed, its page sends the officer back.
    assert officer.get(path).status_code == 302


def test_security_suspends_and_cabinet_office_reinstates(world, client_for):
    request = approved_with_conditions(world)
    post_step(
        client_for(world.officer), url(request, "record_opening"), opening_form(london_today())
    )
    security = client_for(world.security)
    response = post_step(security, url(request, "suspend"), {"reason": "A post broke the rules"})
    assert response.status_code == 302
    assert account_of(request).status == AccountStatus.SUSPENDED
    page = security.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Account suspended" in page and "A post broke the rules" in page
    cabinet = client_for(world.cabinet_office)
    assert post_step(cabinet, url(request, "reinstate"), {"reason": "Fixed"}).status_code == 302
    assert account_of(request).status == AccountStatus.OPEN


def test_people_who_may_not_take_a_step_get_403(world, client_for):
    request = approved_with_conditions(world)
    assert client_for(world.no10).get(url(request, "revoke")).status_code == 403
    assert client_for(world.security).get(url(request, "record_opening")).status_code == 403
    assert client_for(world.outsider).get(url(request, "record_opening")).status_code == 404
    assert client_for(world.officer).get(url(request, "no_such_step")).status_code == 404


def test_a_step_the_account_has_moved_past(world, client_for):
    request = approved_with_conditions(world)
    security = client_for(world.security)
    # Not open yet: a visit to suspend goes back to the request, saying where it stands.
    response = security.get(url(request, "suspend"))
    assert response.status_code == 302
    # A form sent after someone else changed the account is refused, and says so.
    officer = client_for(world.officer)
    page = officer.get(url(request, "record_opening"))
    stale = _hidden_version(page.get_data(as_text=True))
    assert (
        post_step(security, url(request, "revoke"), {"reason": "No longer needed"}).status_code
        == 302
    )
    late = officer.post(
        url(request, "record_opening"),
        data={**opening_form(london_today()), "version": stale, "csrf_token": csrf_token(page)},
    )
    assert late.status_code == 409
    assert account_of(request).status == AccountStatus.REVOKED


def test_revoked_then_the_officer_confirms_the_closure(world, client_for):
    request = approved_with_conditions(world)
    post_step(client_for(world.security), url(request, "revoke"), {"reason": "Not needed"})
    officer = client_for(world.officer)
    page = officer.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Confirm it was closed or handed over" in page
    missing = post_step(officer, url(request, "confirm_closure"), {"statement": "Deleted"})
    assert missing.status_code == 200
    assert "Select whether the account was closed or handed over" in missing.get_data(as_text=True)
    done = post_step(
        officer, url(request, "confirm_closure"), {"how": "closed", "statement": "Deleted it"}
    )
    assert done.status_code == 302
    assert account_of(request).closure_statement == "Closed: Deleted it"


def test_each_step_is_in_the_audit_log(world, client_for):
    request = approved_with_conditions(world, end_date=london_today() + timedelta(days=400))
    post_step(
        client_for(world.officer), url(request, "record_opening"), opening_form(london_today())
    )
    post_step(
        client_for(world.security),
        url(request, "confirm_review"),
        {"note": "Posts checked", "next_review_on": ["", "", ""]},
    )
    page = client_for(world.auditor).get("/audit-log/").get_data(as_text=True)
    assert "Approved account opened" in page
    assert "Approved account reviewed" in page
    assert account_of(request).last_reviewed_on == london_today()


def test_a_change_asked_for_on_the_page_and_decided_by_security(world, client_for):
    request = approved_with_conditions(world)
    officer = client_for(world.officer)
    post_step(officer, url(request, "record_opening"), opening_form(london_today()))
    change_path = f"/requests/{request.reference}/account/changes/new"
    assert "Ask to change the account" in officer.get(f"/requests/{request.reference}").get_data(
        as_text=True
    )
    nothing = post_step(
        officer,
        change_path,
        {
            "handle": "@dsit_live",
            "owner": "Olive Officer",
            "purpose": request.purpose,
            "reason": "No reason",
        },
    )
    assert "Change at least one of the handle, owner or purpose" in nothing.get_data(as_text=True)
    asked = post_step(
        officer,
        change_path,
        {
            "handle": "@dsit_renamed",
            "owner": "Olive Officer",
            "purpose": request.purpose,
            "reason": "The unit was renamed",
        },
    )
    assert asked.status_code == 302
    security = client_for(world.security)
    page = security.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Handle: @dsit_live → @dsit_renamed" in page and "Decide change 1" in page
    # Listed for Security, with a link to decide it; not for a stage it does not wait at.
    waiting = security.get("/review/account-changes").get_data(as_text=True)
    assert f"/requests/{request.reference}/account/changes/1/decide" in waiting
    assert "Handle" in waiting
    none = client_for(world.no10).get("/review/account-changes").get_data(as_text=True)
    assert "No account changes are waiting for you" in none
    decide = f"/requests/{request.reference}/account/changes/1/decide"
    refused = post_step(security, decide, {"stage": "security", "outcome": "reject"})
    assert "Enter reason" in refused.get_data(as_text=True)
    assert (
        post_step(security, decide, {"stage": "security", "outcome": "approve"}).status_code == 302
    )
    assert account_of(request).handle == "@dsit_renamed"
    page = officer.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Account change approved by Security" in page  # the timeline
    assert client_for(world.no10).get(decide).status_code == 302  # decided: back to the page


def test_an_admin_chooses_a_platforms_change_pipeline(world, client_for):
    admin = client_for(world.admin)
    path = f"/admin/platforms/{world.platform.id}"
    assert "Which stages decide changes to its approved accounts?" in admin.get(path).get_data(
        as_text=True
    )
    token_page = admin.get(path)
    empty = admin.post(f"{path}/change-pipeline", data={"csrf_token": csrf_token(token_page)})
    assert "Choose at least one stage" in empty.get_data(as_text=True)
    done = admin.post(
        f"{path}/change-pipeline",
        data={
            "csrf_token": csrf_token(token_page),
            "change_pipeline": ["cabinet_office", "security"],
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert world.platform.change_pipeline == ["security", "cabinet_office"]  # pipeline order


def test_a_change_decided_meanwhile_redraws_the_form_at_the_changes_version(world, client_for):
    """Regression: the 409 redrew the decision form with the account's version, not the
    change's, so the page held a version no decision of it could carry."""
    world.platform.change_pipeline = ["security", "cabinet_office"]
    db.session.commit()
    request = approved_with_conditions(world)
    officer = client_for(world.officer)
    post_step(officer, url(request, "record_opening"), opening_form(london_today()))
    post_step(
        officer,
        f"/requests/{request.reference}/account/changes/new",
        {
            "handle": "@dsit_renamed",
            "owner": "Olive Officer",
            "purpose": request.purpose,
            "reason": "Renamed",
        },
    )
    decide = f"/requests/{request.reference}/account/changes/1/decide"
    late = client_for(world.security_2)
    late_page = late.get(decide)
    stale = _hidden_version(late_page.get_data(as_text=True))
    assert (
        post_step(
            client_for(world.security), decide, {"stage": "security", "outcome": "approve"}
        ).status_code
        == 302
    )
    response = late.post(
        decide,
        data={
            "version": stale,
            "stage": "security",
            "outcome": "approve",
            "csrf_token": csrf_token(late_page),
        },
    )
    assert response.status_code == 409
    assert "Someone else changed" in response.get_data(as_text=True)
    change = account_of(request).change(1)
    assert _hidden_version(response.get_data(as_text=True)) == str(change.version)
    assert change.current_stage == "cabinet_office"
    assert [d.approver_id for d in change.decisions] == [world.security.id]
