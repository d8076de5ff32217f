"""Choosing, on one's account page, an email for each update or one a day."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent, User
from tests.web.account.test_password_change import error_summary
from tests.web.client import csrf_token, page_title, post_form

URL = "/account/notifications"


def checked(html: str) -> list[str]:
    return re.findall(r'<input[^>]*value="(\w+)"[^>]*checked', html)


def frequency_of(user: User) -> str:
    db.session.expire_all()
    return db.session.get_one(User, user.id).notification_frequency


def frequency_events() -> list[AuditEvent]:
    kind = EventType.NOTIFICATION_FREQUENCY_CHANGED
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)))


def test_the_account_page_says_how_you_get_emails_and_links_to_change_it(client_for, world):
    html = client_for(world.officer).get("/account/").get_data(as_text=True)
    assert "You get an email for each update, as it happens." in html
    assert f'href="{URL}"' in html and "Change how you get emails" in html


def test_choosing_a_daily_email_is_saved_audited_and_shown(client_for, world):
    browser = client_for(world.security)
    page = browser.get(URL).get_data(as_text=True)
    assert f"<title>{page_title('Emails from Permit')}</title>" in page
    assert '<h1 class="govuk-fieldset__heading">' in page
    assert checked(page) == ["immediate"]

    response = post_form(browser, URL, {"frequency": "daily"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    landed = browser.get("/account/").get_data(as_text=True)
    assert "You will get one email a day with every update since the last." in landed
    assert "You get one email a day with every update since the last." in landed
    assert frequency_of(world.security) == "daily"
    assert checked(browser.get(URL).get_data(as_text=True)) == ["daily"]
    [event] = frequency_events()
    assert event.actor_id == world.security.id
    assert (event.payload["from"], event.payload["to"]) == ("immediate", "daily")

    # Saving the same choice again changes nothing, and records nothing.
    post_form(browser, URL, {"frequency": "daily"})
    assert len(frequency_events()) == 1


def test_no_choice_or_a_made_up_one_is_refused_with_a_message_and_changes_nothing(
    client_for, world
):
    browser = client_for(world.officer)
    for data in ({}, {"frequency": "hourly"}):
        response = post_form(browser, URL, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert error_summary(html) == ["Select how you want to hear from Permit"]
        assert frequency_of(world.officer) == "immediate"
    assert frequency_events() == []


def test_the_choice_needs_the_forms_csrf_token(client_for, world):
    browser = client_for(world.officer)
    csrf_token(browser.get(URL))  # the page has a form with one
    response = browser.post(URL, data={"frequency": "daily"})
    assert response.status_code == 400
    assert frequency_of(world.officer) == "immediate"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
