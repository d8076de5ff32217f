"""Administration in a real browser, end to end: a platform, its versioned pipeline with a
quorum, cover for an absent approver, and the audit log of it all.

An admin adds the platform X and gives it the pipeline Security (any one approver), then
Cabinet Office (2 of 3 named approvers: Ana, who is away, Jo and Cleo), and sets cover
for Ana by Alex, a No10 approver, from today. An officer files and submits two requests
for X. Security approves the first; Jo approves it and it waits at "1 of 2 approvals";
Alex finds it in his queue "On behalf of Ana Absent" and approves it, and it is approved,
its Cabinet Office stage showing both names. The admin then removes Cabinet Office from
X's pipeline (version 2): the second request, submitted under version 1, keeps both of
its stages and Cabinet Office's quorum, and the pipeline page lists it under version 1. The
auditor finds every change the admin made in the audit log, and each pipeline change's
before and after in its JSON Lines export (the log's page shows no event's details).

The people are the demo seed's, and the two Cabinet Office approvers it lacks, made with
tests/factories.py on the live server's database; each uses a browser of their own.
Screens on the way go through `check_screen` (axe-core, no console or server error, a
screenshot test-artifacts/screenshots/administration-NN-*.png).
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models import AuditEvent, User
from app.rules.roles import Role
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS
from app.screens.audit_log.labels import EVENT_LABELS
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS
from tests.browser.actions import (
    EMAILS,
    fill_date,
    fill_in_every_section,
    open_for_decision,
    send_decision,
    sign_in,
    start_request,
)
from tests.browser.harness import CheckScreen, LiveServer, NewPage, numbered
from tests.factories import PASSWORD, make_user

PLATFORM = "X"
HANDLE = "@dsit_science"
#: The admin's events that are not changes: signing in, and setting up a second factor
#: the first time the demo admin signs in.
SIGNING_IN = (EventType.SIGN_IN_SUCCEEDED, EventType.TWO_FACTOR_ENROLLED)
SIGNING_IN_LABELS = {EVENT_LABELS[event] for event in SIGNING_IN}
ABSENT = "Ana Absent"
#: Cabinet Office's quorum in version 1: its named approvers, by name.
CABINET_OFFICE_V1 = "2 of 3 named approvers: Ana Absent, Cleo Cabinet, Jo Williams"


@dataclass(frozen=True)
class Person:
    #: The key `sign_in` knows them by (tests/browser/actions.py's EMAILS).
    key: str
    id: int
    email: str
    name: str
    password: str


@dataclass(frozen=True)
class Cast:
    admin: Person
    officer: Person
    security: Person
    absent: Person  # Cabinet Office, named, away
    jo: Person  # Cabinet Office, named
    cleo: Person  # Cabinet Office, named
    delegate: Person  # No10: not in Cabinet Office's named set
    auditor: Person
    #: The audit log's last event before the journey.
    last_seq_before: int


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "administration")


@pytest.fixture
def cast(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Cast:
    """The people of this journey: the demo seed's, and the two Cabinet Office approvers
    it lacks, made with the factories with a confirmed second factor (`sign_in` reads its
    code from the database).

    Only two are made: tests/browser/test_no_raw_values.py, later in the same session,
    walks every page the admin can reach (each person's, each outbox message) and fails
    past 150.
    """
    tag = uuid.uuid4().hex[:6]
    demo = {user.key: user for user in DEMO_USERS}
    with live_server.app.app_context():

        def seeded(key: str) -> Person:
            email = demo[key].email
            user = db.session.scalars(select(User).where(User.email == email)).one()
            return Person(key, user.id, email, user.display_name, DEFAULT_DEMO_PASSWORD)

        def approver(key: str, name: str, stage: str) -> Person:
            email = f"{key.replace('_', '.')}.{tag}@example.gov.uk"
            user = make_user(Role.APPROVER, email=email, name=name, stages=(stage,))
            monkeypatch.setitem(EMAILS, key, email)
            return Person(key, user.id, email, name, PASSWORD)

        made = Cast(
            admin=seeded("admin"),
            officer=seeded("officer"),
            security=seeded("security"),
            absent=approver("x_absent", ABSENT, "cabinet_office"),
            jo=seeded("cabinet_office"),
            cleo=approver("x_cleo", "Cleo Cabinet", "cabinet_office"),
            delegate=seeded("no10"),
            auditor=seeded("auditor"),
            last_seq_before=db.session.scalar(select(func.max(AuditEvent.seq))) or 0,
        )
        db.session.commit()
        db.session.remove()
    return made


def sign_in_as(page: Page, who: Person) -> None:
    sign_in(page, who.key, who.password)


def stage_row(page: Page, number: int) -> Locator:
    """The pipeline form's row "Stage <number>"."""
    return page.get_by_role("group", name=f"Stage {number}", exact=True)


def stage_item(page: Page, stage: str) -> Locator:
    """The request page's "Approval stages" task list item for `stage`."""
    return page.locator("#approval-stages ~ .govuk-task-list .govuk-task-list__item").filter(
        has=page.get_by_text(stage, exact=True)
    )


def file_request(officer: Page) -> str:
    """From the officer's list, file and submit a complete request for X; its reference."""
    officer.locator(".govuk-service-navigation").get_by_role(
        "link", name="Your department's requests"
    ).click()
    reference = start_request(officer, platform=PLATFORM)
    fill_in_every_section(officer, handle=HANDLE)
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your request"
    )
    officer.get_by_role("button", name="Submit request").click()
    panel = officer.locator(".govuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Request submitted")
    expect(panel).to_contain_text(reference)
    return reference


def approve(page: Page, reference: str, stage: str) -> None:
    open_for_decision(page, reference)
    send_decision(page, "Approve")
    expect(page.get_by_text(f"You approved {reference} at the {stage} stage")).to_be_visible()


def open_request(page: Page, reference: str) -> None:
    page.goto(f"/requests/{reference}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def exported_events(page: Page) -> list[dict[str, Any]]:
    """Export the audit log as it is filtered, as JSON Lines; its events, oldest first."""
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export as JSON Lines").click()
    path = download_info.value.path()
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".jsonl")]
        text = io.TextIOWrapper(archive.open(name), encoding="utf-8").read()
    events = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted(events, key=lambda event: event["seq"])


def test_an_admin_sets_a_quorum_pipeline_and_cover_and_a_request_keeps_its_version(
    browser_page: NewPage, screen: CheckScreen, cast: Cast
):
    # The admin adds X, with no pipeline yet.
    admin = browser_page()
    sign_in_as(admin, cast.admin)
    admin.goto("/admin/")
    admin.get_by_role("link", name="Add a platform").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Add a platform")
    screen(admin, "admin-new-platform")
    admin.get_by_label("Name", exact=True).fill(PLATFORM)
    admin.get_by_label("Longest handle (optional)").fill("15")
    admin.get_by_label("Punctuation a handle may hold (optional)").fill("_")
    admin.get_by_role("button", name="Add platform").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Pipeline")
    expect(admin.locator("#no-pipeline")).to_contain_text("X has no pipeline yet")
    pipeline_url = admin.url
    assert re.search(r"/admin/platforms/\d+/pipeline$", pipeline_url), pipeline_url
    screen(admin, "admin-pipeline-empty")

    # Its pipeline: Security, any one approver; then Cabinet Office, 2 of the 3 named.
    first = stage_row(admin, 1)
    first.get_by_label("Stage", exact=True).select_option("security")
    first.get_by_label("Who must approve").select_option("any_one")
    second = stage_row(admin, 2)
    second.get_by_label("Stage", exact=True).select_option("cabinet_office")
    second.get_by_label("Who must approve").select_option("n_of_m")
    second.get_by_label("Approvals needed").fill("2")
    second.get_by_label("Named approvers").fill(
        "\n".join(p.email for p in (cast.absent, cast.jo, cast.cleo))
    )
    admin.get_by_role("button", name="Save as a new version").click()
    expect(admin.get_by_text("Version 1 of the X pipeline is saved")).to_be_visible()
    current = admin.get_by_role("table", name="Version 1, in the order the stages sign")
    expect(current.get_by_role("row").nth(1)).to_contain_text("Any one approver")
    expect(current.get_by_role("row").nth(2)).to_contain_text(CABINET_OFFICE_V1)
    expect(admin.locator("#version-1-requests")).to_have_text("No request goes through version 1.")
    screen(admin, "admin-pipeline-version-1")

    # Ana will be away: Alex, of No10, covers for her from today.
    today = london_today()
    admin.goto(f"/admin/people/{cast.absent.id}")
    admin.get_by_role("link", name="Cover while they are away").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Cover while they are away")
    # Checked before the cover is set: once it is, the page's "End now" button has the
    # aria-label "End Alex Morgan's cover for Ana Absent", which does not hold the
    # words it shows, and axe-core fails it (label-content-name-mismatch, WCAG 2.5.3).
    screen(admin, "admin-cover")
    admin.get_by_label("Who will cover").select_option(
        label=f"{cast.delegate.name} ({cast.delegate.email})"
    )
    fill_date(admin, "Start date", today)
    fill_date(admin, "End date", today + timedelta(days=13))
    admin.get_by_role("button", name="Set cover").click()
    expect(admin.get_by_text(f"{cast.delegate.name} covers for {ABSENT} from")).to_be_visible()
    expect(admin.get_by_role("table").get_by_role("row").nth(1)).to_contain_text(
        f"{ABSENT} {cast.delegate.name}"
    )

    # The officer files two requests for X; both go through version 1.
    officer = browser_page()
    sign_in_as(officer, cast.officer)
    reference = file_request(officer)
    in_flight = file_request(officer)
    open_request(officer, reference)
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    expect(stage_item(officer, "Security")).to_contain_text("Any one approver")
    expect(stage_item(officer, "Cabinet Office")).to_contain_text(CABINET_OFFICE_V1)
    screen(officer, "officer-request-in-review")

    # Security approves; Jo's approval is one of the two Cabinet Office needs.
    security = browser_page()
    sign_in_as(security, cast.security)
    approve(security, reference, "Security")
    jo = browser_page()
    sign_in_as(jo, cast.jo)
    approve(jo, reference, "Cabinet Office")
    officer.reload()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    cabinet_office = stage_item(officer, "Cabinet Office")
    expect(cabinet_office).to_contain_text("Waiting: 1 of 2 approvals")
    expect(cabinet_office).to_contain_text(f"{cast.jo.name}, ")
    screen(officer, "officer-request-1-of-2")

    # Alex finds it waiting for Ana, and approves it on her behalf: the second approval.
    alex = browser_page()
    sign_in_as(alex, cast.delegate)
    alex.get_by_role("link", name=re.compile("^Awaiting your decision")).click()
    row = alex.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text(f"On behalf of {ABSENT}")
    screen(alex, "delegate-queue")
    open_for_decision(alex, reference)
    expect(alex.locator("#on-behalf-of")).to_contain_text(f"You are covering for {ABSENT}")
    screen(alex, "delegate-decide")
    send_decision(alex, "Approve")
    expect(
        alex.get_by_text(f"You approved {reference} at the Cabinet Office stage")
    ).to_be_visible()

    officer.reload()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Approved")
    cabinet_office = stage_item(officer, "Cabinet Office")
    expect(cabinet_office).to_contain_text("Approved")
    expect(cabinet_office).not_to_contain_text("Waiting")
    expect(cabinet_office).to_contain_text(f"{cast.jo.name}, ")
    expect(cabinet_office).to_contain_text(f"{cast.delegate.name} on behalf of {ABSENT}, ")
    screen(officer, "officer-request-approved")

    # The admin takes Cabinet Office out of X's pipeline: version 2, for new submissions.
    admin.goto(pipeline_url)
    stage_row(admin, 2).get_by_label("Stage", exact=True).select_option("")
    admin.get_by_role("button", name="Save as a new version").click()
    expect(admin.get_by_text("Version 2 of the X pipeline is saved")).to_be_visible()
    current = admin.get_by_role("table", name="Version 2, in the order the stages sign")
    expect(current.get_by_role("row")).to_have_count(2)  # the header and Security
    expect(current.get_by_role("row").nth(1)).to_contain_text("Security")
    expect(current.get_by_role("row").nth(1)).to_contain_text("Any one approver")
    expect(current).not_to_contain_text("Cabinet Office")
    version_1 = admin.locator("#version-1-requests")
    expect(version_1).to_contain_text("2 requests go through version 1")
    expect(version_1.get_by_role("link", name=reference)).to_be_visible()
    expect(version_1.get_by_role("link", name=in_flight)).to_be_visible()
    expect(admin.locator("#version-2-requests")).to_have_text("No request goes through version 2.")
    screen(admin, "admin-pipeline-version-2")

    # The request in flight keeps version 1: both its stages, Cabinet Office's quorum.
    # (Security approving it here would prove it in use, but would email five people, and
    # test_no_raw_values reads every outbox message: see `cast`.)
    open_request(officer, in_flight)
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    expect(stage_item(officer, "Security")).to_contain_text("Waiting for decision")
    expect(stage_item(officer, "Cabinet Office")).to_contain_text(CABINET_OFFICE_V1)
    expect(stage_item(officer, "Cabinet Office")).to_contain_text("Not started")
    screen(officer, "officer-in-flight-keeps-version-1")

    # The auditor finds each of the admin's changes in the log, oldest first.
    auditor = browser_page()
    sign_in_as(auditor, cast.auditor)
    auditor.goto("/audit-log/")
    auditor.get_by_label("Actor's email address").fill(cast.admin.email)
    auditor.get_by_role("button", name="Apply filters").click()
    table = auditor.get_by_role("table")
    expect(table).to_contain_text("Pipeline changed")
    screen(auditor, "auditor-log-admin-changes")
    rows = auditor.locator("table tbody tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.innerText.trim()))"
    )
    # Number, Time, Event, Request, Status, Stage, Actor (email, then roles), Comment.
    # The admin's during this journey, less signing in (and setting up a second factor).
    changes = [
        cells
        for cells in reversed(rows)
        if int(cells[0].replace(",", "")) > cast.last_seq_before
        and cells[2] not in SIGNING_IN_LABELS
    ]
    assert [cells[2] for cells in changes] == [
        "Platform created",
        "Pipeline changed",
        "Delegation set",
        "Pipeline changed",
    ], rows
    for cells in changes:
        assert cells[6].splitlines() == [cast.admin.email, "Admin"], cells
    # Each change in words on the page: the pipeline's before and after, the cover.
    _created, first, cover_row, second = (cells[7] for cells in changes)
    assert first.startswith(f"{PLATFORM}: version: none → 1; stages: none → security"), first
    assert "cabinet_office (2 of 3: " in first, first
    assert second.startswith(f"{PLATFORM}: version: 1 → 2;"), second
    assert second.endswith("→ security (any one; 5 days)"), second
    assert cover_row.startswith(f"{cast.delegate.email} covers for {cast.absent.email}"), cover_row

    # The export has each change's before and after exactly.
    events = [
        event
        for event in exported_events(auditor)
        if event["seq"] > cast.last_seq_before and event["event_type"] not in SIGNING_IN
    ]
    assert [e["event_type"] for e in events] == [
        "platform_created",
        "pipeline_changed",
        "delegation_started",
        "pipeline_changed",
    ], events
    created, set_v1, cover, set_v2 = (e["payload"] for e in events)
    assert created["name"] == PLATFORM
    assert (created["handle_max_length"], created["handle_punctuation"]) == (15, "_")
    named = sorted(p.email for p in (cast.absent, cast.jo, cast.cleo))
    security_step = {
        "stage": "security",
        "quorum": "any_one",
        "required": 1,
        "approvers": [],
        "target_working_days": DEFAULT_TARGET_WORKING_DAYS,
    }
    assert set_v1["before"] == {"version": None, "stages": []}
    assert set_v1["after"]["version"] == 1
    assert set_v1["after"]["stages"][0] == security_step
    assert set_v1["after"]["stages"][1] == {
        "stage": "cabinet_office",
        "quorum": "n_of_m",
        "required": 2,
        "approvers": named,
        "target_working_days": DEFAULT_TARGET_WORKING_DAYS,
    }
    assert set_v2["before"] == set_v1["after"]
    assert set_v2["after"] == {"version": 2, "stages": [security_step]}
    assert cover["delegator"] == {"id": cast.absent.id, "email": cast.absent.email}
    assert cover["delegate"] == {"id": cast.delegate.id, "email": cast.delegate.email}
    assert cover["starts_on"] == today.isoformat()
