"""Your sessions (ASVS 3.3.4): each person sees where they are signed in (device, address,
started, last seen) and ends any other session, or all but this one; an admin ends all of
a person's sessions. Each ended browser is signed out at its next request, another
person's session does not exist for you, and every ending is in the audit chain."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import User, UserSession
from app.models.types import utcnow
from app.rules.devices import describe_device
from app.rules.formatting import uk_datetime
from app.security.user_sessions import open_session
from tests.audit_trail import events
from tests.web.client import PermitClient, csrf_token, make_client, sign_in

PAGE = "/account/sessions"
FIREFOX_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"
)
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

pytestmark = pytest.mark.asvs("3.3.4")


def browser(app: Flask, user: User, user_agent: str, address: str) -> PermitClient:
    """A browser that sends `user_agent` from `address`, with `user` signed in on it."""
    client = make_client(app)
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": address})
    response = sign_in(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def signed_in(client: PermitClient) -> bool:
    response = client.get(PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sessions_of(user: User) -> list[UserSession]:
    db.session.expire_all()
    query = select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    return list(db.session.scalars(query))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def end_url(row: UserSession) -> str:
    return f"/account/sessions/{row.id}/end"


def post(client: PermitClient, url: str) -> object:
    """POST a button's form from the sessions page, CSRF token and all."""
    return client.post(url, data={"csrf_token": csrf_token(client.get(PAGE))})


@pytest.fixture
def two_browsers(app, world) -> tuple[PermitClient, PermitClient]:
    """The officer signed in on a Mac with Firefox and on Windows with Chrome."""
    mac = browser(app, world.officer, FIREFOX_ON_MAC, "198.51.100.7")
    windows = browser(app, world.officer, CHROME_ON_WINDOWS, "203.0.113.9")
    return mac, windows


def test_the_account_page_links_to_the_sessions_page(client_for, world):
    page = client_for(world.officer).get("/account/").get_data(as_text=True)
    assert f'href="{PAGE}"' in page


def test_the_page_lists_each_active_session_with_device_address_and_times(app, world, two_browsers):
    _mac, windows = two_browsers
    mac_row, windows_row = sessions_of(world.officer)
    # Neither an ended session, one past its idle timeout, nor anyone else's is listed.
    ended, _token = open_session(world.officer, user_agent=SAFARI_ON_IPHONE)
    ended.ended_at = utcnow()
    idle, _token = open_session(world.officer, user_agent=SAFARI_ON_IPHONE)
    idle.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    open_session(world.outsider, client_address="192.0.2.1", user_agent=SAFARI_ON_IPHONE)
    db.session.commit()

    response = windows.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = text_of(html.split("<table", 1)[1].split("</table>", 1)[0])
    assert "Active sessions" in table
    assert "Safari on iPhone" not in table and "192.0.2.1" not in table
    assert table.count("This device") == 1
    # This device first, then the other.
    assert (
        table.index("Chrome on Windows")
        < table.index("This device")
        < table.index("Firefox on macOS")
    )
    for row, address in ((windows_row, "203.0.113.9"), (mac_row, "198.51.100.7")):
        assert address in table
        assert uk_datetime(row.created_at) in table
        assert uk_datetime(row.last_seen_at) in table
    # One button, for the other session, saying which it ends to a screen reader.
    assert html.count('action="/account/sessions/') == 2  # its own, and "all others"
    assert f'action="{end_url(mac_row)}"' in html
    assert f'action="{end_url(windows_row)}"' not in html
    started = uk_datetime(mac_row.created_at)
    assert (
        f'End session<span class="govuk-visually-hidden"> on Firefox on macOS, started {started}'
        "</span>" in html
    )
    assert "End all other sessions" in html


def test_with_no_other_session_nothing_is_offered_to_end(client_for, world):
    html = client_for(world.officer).get(PAGE).get_data(as_text=True)
    assert "This device" in html
    assert "End session" not in html and "End all other sessions" not in html
    assert "You are not signed in anywhere else" in html


def test_ending_a_session_signs_that_browser_out_and_is_audited(world, two_browsers):
    mac, windows = two_browsers
    mac_row, windows_row = sessions_of(world.officer)

    response = post(windows, end_url(mac_row))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    page = windows.get(PAGE).get_data(as_text=True)
    assert "You ended the session on Firefox on macOS" in page
    assert "Firefox on macOS" not in text_of(page.split("<table", 1)[1].split("</table>")[0])

    assert not signed_in(mac)  # its next request is sent to sign in
    assert signed_in(windows)
    mac_row, windows_row = sessions_of(world.officer)
    assert mac_row.ended_at is not None and mac_row.end_reason == "ended_by_user"
    assert windows_row.ended_at is None
    [event] = events(EventType.SESSION_ENDED)
    assert event.actor_id == world.officer.id
    assert event.payload == {
        "user_id": world.officer.id,
        "session_id": mac_row.id,
        "reason": "ended_by_user",
    }
    assert verify_database(db.session).ok


def test_ending_a_session_that_already_ended_says_so_and_records_nothing(world, two_browsers):
    _mac, windows = two_browsers
    mac_row, _windows_row = sessions_of(world.officer)
    token = csrf_token(windows.get(PAGE))
    assert windows.post(end_url(mac_row), data={"csrf_token": token}).status_code == 302
    assert windows.post(end_url(mac_row), data={"csrf_token": token}).status_code == 302
    assert "had already ended" in windows.get(PAGE).get_data(as_text=True)
    assert len(events(EventType.SESSION_ENDED)) == 1


def test_ending_all_other_sessions_keeps_this_one(app, world, two_browsers):
    mac, windows = two_browsers
    phone = browser(app, world.officer, SAFARI_ON_IPHONE, "192.0.2.44")
    colleague = browser(app, world.colleague, FIREFOX_ON_MAC, "198.51.100.8")

    response = post(windows, "/account/sessions/end-others")
    assert response.status_code == 302
    assert "signed in on this device only" in windows.get(PAGE).get_data(as_text=True)

    assert not signed_in(mac) and not signed_in(phone)
    assert signed_in(windows)
    assert signed_in(colleague)  # someone else's sessions are theirs
    rows = sessions_of(world.officer)
    kept = next(row for row in rows if row.ended_at is None)
    assert [row.user_agent for row in rows if row.ended_at is None] == [CHROME_ON_WINDOWS]
    assert {row.end_reason for row in rows if row is not kept} == {"ended_by_user"}
    [event] = events(EventType.OTHER_SESSIONS_ENDED)
    assert event.actor_id == world.officer.id
    assert event.payload == {
        "user_id": world.officer.id,
        "kept_session_id": kept.id,
        "sessions_ended": 2,
        "reason": "ended_by_user",
    }
    assert verify_database(db.session).ok


def test_another_persons_session_is_not_found_and_stays_open(app, world, two_browsers):
    _mac, windows = two_browsers
    theirs = browser(app, world.outsider, SAFARI_ON_IPHONE, "192.0.2.1")
    [their_row] = sessions_of(world.outsider)
    token = csrf_token(windows.get(PAGE))
    for session_id in (their_row.id, 999_999, 2**31, 2**63):
        response = windows.post(f"/account/sessions/{session_id}/end", data={"csrf_token": token})
        assert response.status_code == 404, session_id
        assert "Page not found" in response.get_data(as_text=True)
    assert signed_in(theirs)
    [their_row] = sessions_of(world.outsider)
    assert their_row.ended_at is None
    assert events(EventType.SESSION_ENDED) == []


def test_the_session_in_use_is_not_ended_from_the_list(world, two_browsers):
    """Not offered (Sign out does it); posted anyway, it is refused and stays open."""
    _mac, windows = two_browsers
    _mac_row, windows_row = sessions_of(world.officer)
    response = post(windows, end_url(windows_row))
    assert response.status_code == 403
    assert "sign out to end it" in response.get_data(as_text=True)
    assert signed_in(windows)
    assert events(EventType.SESSION_ENDED) == []


def test_a_stored_user_agent_is_cut_to_255_characters_without_control_characters(app, world):
    client = browser(app, world.officer, "Firefox/128.0 (Macintosh)\x00\x1b[31m" + "x" * 400, "::1")
    [row] = sessions_of(world.officer)
    assert row.user_agent is not None and len(row.user_agent) == 255
    assert row.user_agent.startswith("Firefox/128.0 (Macintosh)[31mxxx")
    assert "Firefox on macOS" in client.get(PAGE).get_data(as_text=True)


def test_a_browser_that_sends_no_user_agent_is_an_unknown_device(app, world):
    client = make_client(app)
    client.environ_base.pop("HTTP_USER_AGENT", None)
    assert sign_in(client, world.officer).status_code == 302
    [row] = sessions_of(world.officer)
    assert row.user_agent is None
    assert "Unknown device" in client.get(PAGE).get_data(as_text=True)


# The admin ends all of a person's sessions ----------------------------------------------


def test_an_admin_ends_all_of_a_persons_sessions_and_both_browsers_are_signed_out(
    client_for, world, two_browsers
):
    mac, windows = two_browsers
    admin = client_for(world.admin)
    person_page = f"/admin/people/{world.officer.id}"
    page = admin.get(person_page).get_data(as_text=True)
    assert "They are signed in on 2 devices now." in page
    assert 'End all sessions<span class="govuk-visually-hidden"> of Olive Officer</span>' in page

    url = f"/admin/people/{world.officer.id}/end-sessions"
    response = admin.post(url, data={"csrf_token": csrf_token(admin.get(person_page))})
    assert response.status_code == 302 and response.headers["Location"] == person_page
    page = admin.get(person_page).get_data(as_text=True)
    assert "Olive Officer has been signed out everywhere." in page
    assert "They are not signed in anywhere now." in page

    assert not signed_in(mac) and not signed_in(windows)
    assert {row.end_reason for row in sessions_of(world.officer)} == {"ended_by_admin"}
    assert signed_in(admin)
    [event] = events(EventType.USER_SESSIONS_ENDED)
    assert event.actor_id == world.admin.id
    assert event.payload == {
        "user_id": world.officer.id,
        "email": world.officer.email,
        "sessions_ended": 2,
        "reason": "ended_by_admin",
    }
    assert verify_database(db.session).ok
    # They sign in again as usual.
    assert sign_in(mac, world.officer).status_code == 302


def test_an_admin_ends_their_own_sessions_from_their_own_page_not_the_admin_pages(
    client_for, world
):
    admin = client_for(world.admin)
    own_page = f"/admin/people/{world.admin.id}"
    assert "end-sessions" not in admin.get(own_page).get_data(as_text=True)
    token = csrf_token(admin.get(own_page))
    response = admin.post(
        f"/admin/people/{world.admin.id}/end-sessions", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert signed_in(admin)
    assert events(EventType.USER_SESSIONS_ENDED) == []


def test_only_admins_end_a_persons_sessions(client_for, world, two_browsers):
    mac, _windows = two_browsers
    auditor = client_for(world.auditor)
    token = csrf_token(auditor.get("/account/"))
    response = auditor.post(
        f"/admin/people/{world.officer.id}/end-sessions", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert signed_in(mac)


# The device, from the User-Agent ---------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX_ON_MAC, "Firefox on macOS"),
        (CHROME_ON_WINDOWS, "Chrome on Windows"),
        (SAFARI_ON_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.6478.71 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome on iPad",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("Mozilla/5.0 (Windows NT 10.0) Gecko", "Unknown browser on Windows"),
        ("SomeBrowser/1.0 Firefox/1.0", "Firefox on an unknown system"),
        ("curl/8.5.0", "Unknown device"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_the_device_is_named_from_the_user_agent(user_agent, device):
    assert describe_device(user_agent) == device
