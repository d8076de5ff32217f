"""Checking the audit chain from the auditor's screens: the page asks for a check, the
worker runs it, and the check's page follows it to its result, with no JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import checkpoints, checks
from app.audit.checks import CheckPolicy, claim_check, run_check, run_due_checks
from app.audit.events import EventType
from app.extensions import db
from app.models import AuditCheck, AuditEvent
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome
from tests.audit_trail import events
from tests.web.audit_log.conftest import add_event, last_seq, tamper
from tests.web.client import csrf_token, page_title

POLICY = CheckPolicy(lease=timedelta(seconds=60), progress_every=3)
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')


def ask(client, scope: str):
    """Press one of the two buttons on the verify page, as a browser would."""
    page = client.get("/audit-log/verify")
    html = page.get_data(as_text=True)
    assert f'value="{scope}" name="scope"' in html
    return client.post("/audit-log/verify", data={"scope": scope, "csrf_token": csrf_token(page)})


def ask_and_follow(client, scope: str) -> tuple[int, str]:
    """Ask for a check: its id, and the page the browser lands on."""
    response = ask(client, scope)
    assert response.status_code == 302
    found = re.fullmatch(r"/audit-log/verify/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1)), client.get(response.headers["Location"]).get_data(as_text=True)


def check_page(client, check_id: int, *, updating: bool = False) -> str:
    """A check's page; `updating`: as the auditor asked it to update itself."""
    query = "?update=auto" if updating else ""
    response = client.get(f"/audit-log/verify/{check_id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def count_checks() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(AuditCheck)) or 0


@pytest.fixture
def trail(world):
    """Seven events: a sign-in, a request submitted and approved twice, two more."""
    request = world.submitted()
    decide_stage(
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    decide_stage(
        request,
        world.no10,
        stage="no10",
        version=request.version,
        outcome=Outcome.APPROVE_WITH_CONDITIONS,
        conditions="Monthly review",
    )
    add_event()
    add_event()
    db.session.commit()


# Asking ----------------------------------------------------------------------------------


def test_the_log_page_links_to_the_checks_and_opening_either_starts_nothing(auditor, world):
    log = auditor.get("/audit-log/").get_data(as_text=True)
    assert 'href="/audit-log/verify"' in log and "Check the audit chain" in log
    seq = last_seq()

    page = auditor.get("/audit-log/verify")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<title>{page_title('Check the audit chain')}</title>" in html
    assert 'method="post" action="/audit-log/verify"' in html
    assert "Check from the last checkpoint" in html
    assert "Check the whole log from the start" in html
    assert "There is no checkpoint yet, so this check reads the whole log" in html
    assert "Nobody has asked for a check yet" in html
    assert 'href="/audit-log/"' in html  # back to the log
    assert count_checks() == 0 and last_seq() == seq


def test_asking_queues_the_check_audits_it_and_shows_it_waiting(auditor, world, trail):
    seq = last_seq()

    check_id, html = ask_and_follow(auditor, "full")

    assert f"<title>{page_title(f'Check {check_id}: waiting to start')}</title>" in html
    assert "Waiting to start" in html and "It will read the whole log" in html
    # Nothing reloads by itself unless asked to (WCAG 2.2.1): a link does it, or asks.
    assert REFRESH.search(html) is None
    assert f'href="/audit-log/verify/{check_id}">Refresh the page</a>' in html
    auto = f'href="/audit-log/verify/{check_id}?update=auto">have it update itself every 5 seconds'
    assert auto in html
    assert re.search(
        r"Asked by\s*</dt>\s*<dd[^>]*>\s*" + re.escape(world.auditor.display_name), html
    )
    [requested] = events(EventType.AUDIT_CHECK_REQUESTED)
    assert requested.seq == seq + 1 and requested.actor_id == world.auditor.id
    assert requested.client_address is not None and requested.correlation_id
    assert requested.payload == {"check_id": check_id, "scope": "full", "from_seq": 1}


def test_asking_again_while_one_waits_leads_to_that_one(auditor, world, trail):
    first, _html = ask_and_follow(auditor, "routine")

    again, html = ask_and_follow(auditor, "full")

    assert again == first
    assert "A check was already waiting or running, so no other was started" in html
    assert count_checks() == 1
    assert len(events(EventType.AUDIT_CHECK_REQUESTED)) == 1
    listing = auditor.get("/audit-log/verify").get_data(as_text=True)
    assert f"Check {first} is waiting to start" in listing


@pytest.mark.parametrize("data", [{"scope": "everything"}, {"scope": ""}, {}])
def test_an_unknown_kind_of_check_is_a_clear_400_and_queues_nothing(auditor, world, data):
    token = csrf_token(auditor.get("/audit-log/verify"))
    response = auditor.post("/audit-log/verify", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert "Choose one of the two checks on the page" in response.get_data(as_text=True)
    assert count_checks() == 0


def test_asking_needs_the_csrf_token(auditor, world):
    response = auditor.post("/audit-log/verify", data={"scope": "full"})
    assert response.status_code == 400
    assert count_checks() == 0


@pytest.mark.parametrize("check_id", ["999", str(2**31), str(2**63)])
def test_a_check_that_does_not_exist_is_a_404(auditor, world, check_id):
    assert auditor.get(f"/audit-log/verify/{check_id}").status_code == 404


# Following it ----------------------------------------------------------------------------


def test_the_page_shows_progress_while_the_worker_runs_and_refreshes_itself(auditor, world, trail):
    check_id, _html = ask_and_follow(auditor, "full")
    total = last_seq()
    claim = claim_check(POLICY)
    assert claim is not None
    pages: list[str] = []

    def look(_checked: int) -> None:
        pages.append(check_page(auditor, check_id, updating=True))

    run_check(claim, POLICY, on_progress=look)

    first = pages[0]
    assert f"<title>{page_title(f'Check {check_id}: checking the audit chain')}</title>" in first
    assert f"Checked 3 of {total} events ({100 * 3 // total}%), from event 1." in first
    assert f'<progress class="app-progress" max="{total}" value="3"' in first
    assert REFRESH.search(first).group(1) == "5"
    assert "This page updates itself every 5 seconds until the check ends." in first
    assert f'href="/audit-log/verify/{check_id}">Stop updating it</a>' in first
    assert "Checked 6 of" in pages[1]
    assert len(pages) == total // 3
    # Done, it stops reloading even where it was asked to.
    assert REFRESH.search(check_page(auditor, check_id, updating=True)) is None


def test_a_passed_check_shows_the_panel_and_stops_refreshing(auditor, world, trail):
    check_id, _html = ask_and_follow(auditor, "full")
    head = last_seq()
    run_due_checks(POLICY)
    head_hash = db.session.get_one(AuditEvent, head).hash

    html = check_page(auditor, check_id, updating=True)

    assert f"<title>{page_title('Audit chain verified')}</title>" in html
    assert 'class="govuk-panel govuk-panel--confirmation"' in html
    assert re.search(rf"govuk-panel__body\">\s*Events 1 to {head} are intact\s*<", html)
    assert re.search(rf"Events checked\s*</dt>\s*<dd[^>]*>\s*{head}\s*</dd>", html)
    assert f'<code class="app-break-anywhere">{head_hash}</code>' in html
    assert f'href="/audit-log/?before={head + 2}">Event {head + 1}</a>' in html  # its record
    assert REFRESH.search(html) is None
    assert "govuk-error-summary" not in html


def test_a_routine_check_after_a_full_one_says_where_it_starts(auditor, world, trail):
    ask_and_follow(auditor, "full")
    run_due_checks(POLICY)
    checkpoint = checkpoints.last_checkpoint(db.session).seq
    listing = auditor.get("/audit-log/verify").get_data(as_text=True)
    assert f"The last checkpoint is event {checkpoint}, found intact on" in listing
    add_event()

    check_id, html = ask_and_follow(auditor, "routine")
    assert f"It will start from the last checkpoint, event {checkpoint}." in html
    run_due_checks(POLICY)

    html = check_page(auditor, check_id)
    assert re.search(
        rf"govuk-panel__body\">\s*Events {checkpoint + 1} to {last_seq() - 1} are intact", html
    )


@pytest.mark.parametrize(
    ("change", "reason", "recorded"),
    [
        ({"comment": "Forged after the fact"}, "hash mismatch", True),
        ({"actor_email": "someone.else@example.gov.uk"}, "hash mismatch", True),
        # Event 4 moved to the head: its hash is event 5's prev_hash, so the chain refuses
        # any new event (prev_hash is unique), the check's own result included.
        ({"seq": 1000}, "gap: expected seq 4, found 5", False),
    ],
)
def test_a_broken_chain_names_the_first_bad_event_and_why(
    auditor, world, trail, change, reason, recorded
):
    check_id, _html = ask_and_follow(auditor, "full")
    tamper(4, **change)  # after asking: an event moved to the head stops any append
    db.session.remove()
    good_hash = db.session.get_one(AuditEvent, 3).hash
    run_due_checks(POLICY)

    html = check_page(auditor, check_id)

    assert f"<title>{page_title('Audit chain failed verification')}</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert "The audit chain does not verify" in html
    assert "Event 4 failed: " + reason in html
    assert "The first problem is at event 4" in html
    assert 'href="/audit-log/?before=5">Event 4</a>' in html  # straight to the bad event
    assert f'<code class="app-break-anywhere">{good_hash}</code>' in html  # event 3's
    assert "Tell the security team" in html
    assert REFRESH.search(html) is None
    refused = "No: the audit log refused the event, because its newest event is out of place"
    assert (refused not in html) is recorded
    assert len(events(EventType.AUDIT_CHECKED)) == int(recorded)


def test_a_check_that_could_not_finish_says_so(auditor, world, trail, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(checks, "verify_scope", broken)
    check_id, _html = ask_and_follow(auditor, "full")
    run_due_checks(POLICY)

    html = check_page(auditor, check_id)

    assert f"<title>{page_title('Audit check could not finish')}</title>" in html
    assert "RuntimeError: the disk is on fire" in html
    assert "Start another check" in html
    assert REFRESH.search(html) is None


def test_the_latest_checks_are_listed_newest_first_with_who_what_and_how_many(
    auditor, world, trail
):
    first, _ = ask_and_follow(auditor, "full")
    run_due_checks(POLICY)
    checked = db.session.get_one(AuditCheck, first).checked
    second, _ = ask_and_follow(auditor, "routine")

    html = auditor.get("/audit-log/verify").get_data(as_text=True)

    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, flags=re.DOTALL)[1:]
    assert [re.search(r"check (\d+)</span>", row).group(1) for row in rows] == [
        str(second),
        str(first),
    ]
    newest, oldest = rows
    assert "From the last checkpoint" in newest and "Waiting to start" in newest
    assert "Not started" in newest
    assert world.auditor.display_name in oldest and "The whole log" in oldest
    assert "Verified" in oldest and f">{checked}</td>" in oldest.replace("\n", "")
