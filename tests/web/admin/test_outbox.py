"""The admin's Outbox: every notification the service wrote, newest first, with what
became of it; a page for each message; and Retry for one that failed, audited, by a POST
with a CSRF token. Admins only.

The messages are made the service's way (tests/outbox.py): a submitted request queues
one to each approver of the first stage, and the outbox's own delivery code records what
a channel did with it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import AccessRequest, AuditEvent
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.types import utcnow
from app.screens.admin import queries
from tests import outbox
from tests.web.client import csrf_token, page_title
from tests.web.review.support import counting_queries, text_of

pytestmark = pytest.mark.asvs("4.1.1", "4.1.3")

OUTBOX = "/admin/outbox"


def message_url(message: OutboxMessage) -> str:
    return f"{OUTBOX}/{message.id}"


def retry_url(message: OutboxMessage) -> str:
    return f"{OUTBOX}/{message.id}/retry"


def rows(page: str) -> list[list[str]]:
    """The outbox table's rows, as the words in each cell."""
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S)
    if body is None:
        return []
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd]\b.*?</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr\b.*?</tr>", body.group(1), re.S)
    ]


def state(message: OutboxMessage) -> tuple:
    """What a Retry would change, read afresh."""
    db.session.rollback()
    db.session.refresh(message)
    return (message.status, message.attempts, message.next_attempt_at, message.last_error)


def retried_events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == EventType.NOTIFICATION_RETRIED)
    return list(db.session.scalars(query))


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def retry(client, message: OutboxMessage):
    """Press Retry on the message's page (its form's CSRF token and all)."""
    token = csrf_token(client.get(message_url(message)))
    return client.post(retry_url(message), data={"csrf_token": token})


# Who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "security", "auditor"])
def test_only_admins_may_open_the_outbox_or_retry(client_for, world, who):
    message = outbox.failed(world)
    before = state(message)
    client = client_for(getattr(world, who))
    for url in (OUTBOX, message_url(message)):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client.get("/account/"))
    assert client.post(retry_url(message), data={"csrf_token": token}).status_code == 403
    assert state(message) == before
    assert retried_events() == []


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    message = outbox.failed(world)
    for url in (OUTBOX, message_url(message)):
        assert client.get(url).headers["Location"].startswith("/sign-in?next=")


def test_the_admin_page_links_to_the_outbox_with_the_number_failed(client_for, world):
    admin = client_for(world.admin)
    html = admin.get("/admin/").get_data(as_text=True)
    assert f'href="{OUTBOX}"' in html
    assert "failed" not in text_of(html)

    outbox.failed(world)
    outbox.failed(world)
    outbox.sent(world)
    html = admin.get("/admin/").get_data(as_text=True)
    assert f'<a class="govuk-link" href="{OUTBOX}?status=failed">2 failed</a>' in html


# The list ---------------------------------------------------------------------------------


def test_the_list_shows_each_message_with_its_status_and_last_error(client_for, world):
    failed = outbox.failed(world)
    sent = outbox.sent(world)
    pending = outbox.pending(world)

    response = client_for(world.admin).get(OUTBOX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Outbox')}</title>" in html
    assert "Showing 1 to 6 of 6 messages, the newest first" in text_of(html)
    by_id = {
        int(match): row for row in rows(html) for match in re.findall(r"message (\d+)$", row[0])
    }
    assert by_id[failed.id][1:] == [
        failed.recipient_email,
        failed.subject,
        "Failed",
        "1",
        outbox.REFUSED,
    ]
    assert by_id[sent.id][1:] == [sent.recipient_email, sent.subject, "Sent", "1", "— No error"]
    assert by_id[pending.id][1:] == [
        pending.recipient_email,
        pending.subject,
        "Pending",
        "0",
        "— No error",
    ]
    # Each row links to its message; the statuses are GOV.UK tags in their colours.
    assert f'href="{message_url(failed)}"' in html
    assert '<strong class="govuk-tag govuk-tag--red">' in html
    assert '<strong class="govuk-tag govuk-tag--green">' in html
    assert re.search(r'<strong class="govuk-tag">\s*Pending', html)
    # The table names its columns for a screen reader.
    assert '<caption class="govuk-table__caption' in html
    assert html.count('<th scope="col"') == 6
    assert html.count('<th scope="row"') == 6


def test_the_newest_message_comes_first(client_for, world):
    """By when it was written, not by id (a later id was written earlier here)."""
    written_later = outbox.queued(world)
    written_earlier = outbox.queued(world)
    for message in written_earlier:
        message.created_at = utcnow() - timedelta(days=1)
    db.session.commit()

    html = client_for(world.admin).get(OUTBOX).get_data(as_text=True)
    ids = [int(re.findall(r"message (\d+)$", row[0])[0]) for row in rows(html)]
    later = sorted((m.id for m in written_later), reverse=True)
    earlier = sorted((m.id for m in written_earlier), reverse=True)
    assert ids == later + earlier


def test_the_filter_shows_one_status_without_javascript(client_for, world):
    failed = outbox.failed(world)
    outbox.sent(world)
    admin = client_for(world.admin)

    html = admin.get(f"{OUTBOX}?status=failed").get_data(as_text=True)
    assert [row[3] for row in rows(html)] == ["Failed"]
    assert f'href="{message_url(failed)}"' in html
    assert "Showing 1 to 1 of 1 failed message, the newest first" in text_of(html)
    assert f"<title>{page_title('Outbox: failed messages')}</title>" in html
    # A GET form of radios, the chosen one checked, each with its count.
    assert re.search(r'<form method="get" action="/admin/outbox"', html)
    assert re.search(r'value="failed" checked', html)
    words = text_of(html)
    for label in ("All (4)", "Pending (2)", "Failed (1)", "Sent (1)"):
        assert label in words, label

    html = admin.get(f"{OUTBOX}?status=sent").get_data(as_text=True)
    assert [row[3] for row in rows(html)] == ["Sent"]

    html = admin.get(f"{OUTBOX}?status=pending").get_data(as_text=True)
    assert [row[3] for row in rows(html)] == ["Pending", "Pending"]


@pytest.mark.parametrize("value", ["", "everything", "FAILED", "<b>"])
def test_an_unknown_status_shows_every_message(client_for, world, value):
    outbox.failed(world)
    response = client_for(world.admin).get(OUTBOX, query_string={"status": value})
    assert response.status_code == 200
    assert len(rows(response.get_data(as_text=True))) == 2


def test_a_status_with_no_messages_says_so(client_for, world):
    outbox.pending(world)
    html = client_for(world.admin).get(f"{OUTBOX}?status=failed").get_data(as_text=True)
    assert rows(html) == []
    assert "There are no failed messages." in html


def test_an_empty_outbox_says_so(client_for, world):
    html = client_for(world.admin).get(OUTBOX).get_data(as_text=True)
    assert "The service has not written any messages yet." in html


def test_a_long_outbox_comes_a_page_at_a_time_keeping_the_filter(client_for, world, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    for _ in range(3):
        outbox.failed(world)  # and a pending one to the second approver, each time
    admin = client_for(world.admin)

    first = admin.get(f"{OUTBOX}?status=failed").get_data(as_text=True)
    assert len(rows(first)) == 2
    assert "Showing 1 to 2 of 3 failed messages" in text_of(first)
    assert 'href="/admin/outbox?status=failed&amp;page=2"' in first
    second = admin.get(f"{OUTBOX}?status=failed&page=2").get_data(as_text=True)
    assert [row[3] for row in rows(second)] == ["Failed"]
    assert "Showing 3 to 3 of 3 failed messages" in text_of(second)
    for number in ("0", "3", "-1", "99999999999999999999"):
        assert admin.get(f"{OUTBOX}?status=failed&page={number}").status_code == 404
    assert admin.get(f"{OUTBOX}?page=3").status_code == 200  # six messages in all


def test_the_list_costs_the_same_queries_however_many_messages(client_for, world):
    admin = client_for(world.admin)
    outbox.failed(world)
    admin.get(OUTBOX)  # the first request loads what every page needs once
    with counting_queries() as few:
        admin.get(OUTBOX)
    for _ in range(4):
        outbox.failed(world)
    with counting_queries() as many:
        admin.get(OUTBOX)
    assert len(many) == len(few)


# A message --------------------------------------------------------------------------------


def test_the_message_page_shows_the_whole_message(app, client_for, world):
    message = outbox.failed(world)
    response = client_for(world.admin).get(message_url(message))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title(f'Message {message.id}: {message.subject}')}</title>" in html
    assert f'<h1 class="govuk-heading-l">{message.subject}</h1>' in html
    body = re.search(r'<pre class="govuk-body app-message-body">(.*?)</pre>', html, re.S)
    assert body is not None
    assert text_of(body.group(1)) == " ".join(message.body.split())
    domain = app.config["MAIL_MESSAGE_ID_DOMAIN"]
    assert f"&lt;permit-outbox-{message.id}@{domain}&gt;" in html
    words = text_of(html)
    assert f"{message.recipient.display_name} ({message.recipient_email})" in words
    assert f"Last error {outbox.REFUSED}" in words
    reference = db.session.get(AccessRequest, message.request_id).reference
    assert f'<a class="govuk-link" href="/requests/{reference}">{reference}</a>' in html
    # A failed message offers Retry: a POST form with a CSRF token.
    assert f'<form method="post" action="{retry_url(message)}"' in html
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("make", [outbox.sent, outbox.pending], ids=["sent", "pending"])
def test_only_a_failed_message_offers_retry(client_for, world, make):
    message = make(world)
    html = client_for(world.admin).get(message_url(message)).get_data(as_text=True)
    assert retry_url(message) not in html
    assert "Retry" not in text_of(html.split('id="main-content"', 1)[1])


def test_a_message_that_does_not_exist_is_not_found(client_for, world):
    admin = client_for(world.admin)
    assert admin.get(f"{OUTBOX}/999999").status_code == 404
    token = csrf_token(admin.get("/account/"))
    assert admin.post(f"{OUTBOX}/999999/retry", data={"csrf_token": token}).status_code == 404


def test_what_a_mail_server_said_is_shown_escaped(client_for, world):
    message = outbox.failed(world, error='SMTP 550: <script>alert("x")</script>')
    admin = client_for(world.admin)
    for url in (OUTBOX, message_url(message)):
        html = admin.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert(" in html, url


# Retry ------------------------------------------------------------------------------------


def test_retry_makes_a_failed_message_pending_again_and_audits_it(client_for, world):
    message = outbox.failed(world)
    admin = client_for(world.admin)
    events_before = audit_count()  # after signing in, which is audited too

    response = retry(admin, message)
    assert response.status_code == 302
    assert response.headers["Location"] == message_url(message)
    db.session.refresh(message)
    assert message.status == DeliveryStatus.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at <= utcnow()
    assert message.lease_until is None

    [event] = retried_events()
    assert audit_count() == events_before + 1  # exactly one event, and no other
    assert event.actor_id == world.admin.id
    assert event.request_id is None
    assert event.payload == {
        "message_id": message.id,
        "kind": message.kind,
        "recipient_id": message.recipient_id,
    }
    assert verify_database(db.session).ok

    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The message to {message.recipient_email} will be sent again" in page
    assert "govuk-notification-banner--success" in page
    assert retry_url(message) not in page  # pending now: nothing to retry


def test_a_retried_message_is_delivered_by_the_next_worker(client_for, world):
    message = outbox.failed(world)
    retry(client_for(world.admin), message)
    db.session.refresh(message)
    assert outbox.attempt(message, outbox.Accepting()).status == DeliveryStatus.SENT


def test_retry_without_a_csrf_token_is_refused_and_changes_nothing(client_for, world):
    message = outbox.failed(world)
    admin = client_for(world.admin)
    admin.get(message_url(message))
    before, events = state(message), audit_count()
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = admin.post(retry_url(message), data=data)
        assert response.status_code == 400
        assert "Your form could not be sent" in response.get_data(as_text=True)
    assert state(message) == before
    assert audit_count() == events


@pytest.mark.parametrize("make", [outbox.sent, outbox.pending], ids=["sent", "pending"])
def test_retry_on_a_message_that_has_not_failed_is_a_conflict(client_for, world, make):
    message = make(world)
    admin = client_for(world.admin)
    token = csrf_token(admin.get("/account/"))
    before, events = state(message), audit_count()

    response = admin.post(retry_url(message), data={"csrf_token": token})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "govuk-template" in html
    assert "there is nothing to retry" in html
    assert state(message) == before
    assert audit_count() == events


def test_retrying_twice_retries_once(client_for, world):
    """Two admins press Retry on the same page: the second is refused."""
    message = outbox.failed(world)
    admin = client_for(world.admin)
    token = csrf_token(admin.get(message_url(message)))
    assert admin.post(retry_url(message), data={"csrf_token": token}).status_code == 302
    assert admin.post(retry_url(message), data={"csrf_token": token}).status_code == 409
    assert len(retried_events()) == 1
