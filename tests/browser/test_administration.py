"""Administration in a real browser, end to end: a platform, its versioned pipeline with a
quorum, cover for an absent approver, and the audit log of it all.

An admin adds the platform X and gives it the pipeline Security (any one approver), then
Cabinet Office (2 of 3 named approvers: Ana, who is away, Ben and Cleo), and sets cover
for Ana by Dara, a No10 approver, from today. An officer files and submits two requests
for X. Security approves the first; Ben approves it and it waits at "1 of 2 approvals";
Dara finds it in her queue "On behalf of Ana Absent" and approves it, and it is approved,
its Cabinet Office stage showing both names. The admin then removes Cabinet Office from
X's pipeline (version 2): the second request, submitted under version 1, keeps both of
its stages, and once Security approves it waits for Cabinet Office's two approvals. The
auditor finds every change the admin made in the audit log, and each pipeline change's
before and after in its export.

The people are made with tests/factories.py on the live server's database (the demo
seed's stages and departments are already there); each uses a browser of their own.
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
from sqlalchemy import select

from app.deadlines.clock import london_today
from app.extensions import db
from app.models import Department
from app.rules.roles import Role
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS
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
CABINET_OFFICE_V1 = "2 of 3 named approvers: Ana Absent, Ben Cabinet, Cleo Cabinet"


@dataclass(frozen=True)
class Person:
    #: The key `sign_in` knows them by (added to tests/browser/actions.py's EMAILS).
    key: str
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class Cast:
    admin: Person
    officer: Person
    security: Person
    absent: Person  # Cabinet Office, named, away
    ben: Person  # Cabinet Office, named
    cleo: Person  # Cabinet Office, named
    delegate: Person  # No10: not in Cabinet Office's named set
    auditor: Person


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "administration")


@pytest.fixture
def cast(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Cast:
    """The people of this journey, on the live server's database, each with a confirmed
    second factor where their role needs one (`sign_in` reads its code from there)."""
    tag = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        dsit = db.session.scalars(select(Department).where(Department.code == "DSIT")).one()

        def person(key: str, role: Role, name: str, **options: Any) -> Person:
            email = f"{key.replace('_', '.')}.{tag}@example.gov.uk"
            user = make_user(role, email=email, name=name, **options)
            monkeypatch.setitem(EMAILS, key, email)
            return Person(key, user.id, email, name)

        def approver(key: str, name: str, stage: str) -> Person:
            return person(key, Role.APPROVER, name, stages=(stage,))

        made = Cast(
            admin=person("x_admin", Role.ADMIN, "Ada Admin"),
            officer=person("x_officer", Role.OFFICER, "Owen Officer", department=dsit),
            security=approver("x_security", "Sid Secure", "security"),
            absent=approver("x_absent", "Ana Absent", "cabinet_office"),
            ben=approver("x_ben", "Ben Cabinet", "cabinet_office"),
            cleo=approver("x_cleo", "Cleo Cabinet", "cabinet_office"),
            delegate=approver("x_delegate", "Dara Delegate", "no10"),
            auditor=person("x_auditor", Role.AUDITOR, "Aud Auditor"),
        )
        db.session.commit()
        db.session.remove()
    return made


def sign_in_as(page: Page, who: Person) -> None:
    sign_in(page, who.key, PASSWORD)


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
        "\n".join(p.email for p in (cast.absent, cast.ben, cast.cleo))
    )
    admin.get_by_role("button", name="Save as a new version").click()
    expect(admin.get_by_text("Version 1 of the X pipeline is saved")).to_be_visible()
    current = admin.get_by_role("table", name="Version 1, in the order the stages sign")
    expect(current.get_by_role("row").nth(1)).to_contain_text("Any one approver")
    expect(current.get_by_role("row").nth(2)).to_contain_text(CABINET_OFFICE_V1)
    expect(admin.locator("#version-1-requests")).to_have_text("No request goes through version 1.")
    screen(admin, "admin-pipeline-version-1")

    # Ana will be away: Dara covers for her from today.
    today = london_today()
    admin.goto(f"/admin/people/{cast.absent.id}")
    admin.get_by_role("link", name="Cover while they are away").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Cover while they are away")
    # Checked before the cover is set: once it is, the page's "End now" button has the
    # aria-label "End Dara Delegate's cover for Ana Absent", which does not hold the
    # words it shows, and axe-core fails it (label-content-name-mismatch, WCAG 2.5.3).
    screen(admin, "admin-cover")
    admin.get_by_label("Who will cover").select_option(
        label=f"{cast.delegate.name} ({cast.delegate.email})"
    )
    fill_date(admin, "Start date", today)
    fill_date(admin, "End date", today + timedelta(days=13))
    admin.get_by_role("button", name="Set cover").click()
    expect(admin.get_by_text("Dara Delegate covers for Ana Absent from")).to_be_visible()
    expect(admin.get_by_role("table").get_by_role("row").nth(1)).to_contain_text(
        "Ana Absent Dara Delegate"
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

    # Security approves; Ben's approval is one of the two Cabinet Office needs.
    security = browser_page()
    sign_in_as(security, cast.security)
    approve(security, reference, "Security")
    ben = browser_page()
    sign_in_as(ben, cast.ben)
    approve(ben, reference, "Cabinet Office")
    officer.reload()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    cabinet_office = stage_item(officer, "Cabinet Office")
    expect(cabinet_office).to_contain_text("Waiting: 1 of 2 approvals")
    expect(cabinet_office).to_contain_text("Ben Cabinet, ")
    screen(officer, "officer-request-1-of-2")

    # Dara finds it waiting for Ana, and approves it on Ana's behalf: the second approval.
    dara = browser_page()
    sign_in_as(dara, cast.delegate)
    dara.get_by_role("link", name=re.compile("^Awaiting your decision")).click()
    row = dara.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("On behalf of Ana Absent")
    screen(dara, "delegate-queue")
    open_for_decision(dara, reference)
    expect(dara.locator("#on-behalf-of")).to_contain_text("You are covering for Ana Absent")
    screen(dara, "delegate-decide")
    send_decision(dara, "Approve")
    expect(
        dara.get_by_text(f"You approved {reference} at the Cabinet Office stage")
    ).to_be_visible()

    officer.reload()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Approved")
    cabinet_office = stage_item(officer, "Cabinet Office")
    expect(cabinet_office).to_contain_text("Approved")
    expect(cabinet_office).not_to_contain_text("Waiting")
    expect(cabinet_office).to_contain_text("Ben Cabinet, ")
    expect(cabinet_office).to_contain_text("Dara Delegate on behalf of Ana Absent, ")
    screen(officer, "officer-request-approved")

    # The admin takes Cabinet Office out of X's pipeline: version 2, for new submissions.
    admin.goto(pipeline_url)
    stage_row(admin, 2).get_by_label("Stage", exact=True).select_option("")
    admin.get_by_role("button", name="Save as a new version").click()
    expect(admin.get_by_text("Version 2 of the X pipeline is saved")).to_be_visible()
    current = admin.get_by_role("table", name="Version 2, in the order the stages sign")
    expect(current.get_by_role("row")).to_have_count(2)  # the header and Security
    expect(current).to_contain_text("Security")
    expect(current).not_to_contain_text("Cabinet Office")
    version_1 = admin.locator("#version-1-requests")
    expect(version_1).to_contain_text("2 requests go through version 1")
    expect(version_1.get_by_role("link", name=reference)).to_be_visible()
    expect(version_1.get_by_role("link", name=in_flight)).to_be_visible()
    expect(admin.locator("#version-2-requests")).to_have_text("No request goes through version 2.")
    screen(admin, "admin-pipeline-version-2")

    # The request in flight keeps version 1: after Security it waits for Cabinet Office.
    open_request(officer, in_flight)
    expect(stage_item(officer, "Cabinet Office")).to_contain_text(CABINET_OFFICE_V1)
    approve(security, in_flight, "Security")
    officer.reload()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    expect(stage_item(officer, "Security")).to_contain_text("Approved")
    expect(stage_item(officer, "Cabinet Office")).to_contain_text("Waiting: 0 of 2 approvals")
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
    # Number, Time, Event, Request, Status, Stage, Actor (email, then roles), Comment
    changes = [cells for cells in reversed(rows) if cells[2] != "Signed in"]
    assert [cells[2] for cells in changes] == [
        "Platform created",
        "Pipeline changed",
        "Delegation set",
        "Pipeline changed",
    ], rows
    for cells in changes:
        assert cells[6].splitlines() == [cast.admin.email, "Admin"], cells

    # The page shows no event's details; its export has each change's before and after.
    events = [e for e in exported_events(auditor) if e["event_type"] != "sign_in_succeeded"]
    assert [e["event_type"] for e in events] == [
        "platform_created",
        "pipeline_changed",
        "delegation_started",
        "pipeline_changed",
    ], events
    created, set_v1, cover, set_v2 = (e["payload"] for e in events)
    assert created["name"] == PLATFORM
    assert (created["handle_max_length"], created["handle_punctuation"]) == (15, "_")
    named = sorted(p.email for p in (cast.absent, cast.ben, cast.cleo))
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
