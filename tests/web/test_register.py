"""The register of approved accounts: who sees which accounts, its filters, sort and
export, Security's reviews due, and the public page."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.operations.account_lifecycle import change_account_status
from app.rules.accounts import AccountAction
from tests.accounts.support import approved_with_conditions, opened


def opened_as(world, request, handle):
    """Opened by an officer of the request's department, owner "Owner Name"."""
    officer = world.officer if request.department_id == world.department.id else world.outsider
    return opened(request, officer, handle=handle, owner="Owner Name")


@pytest.fixture
def accounts(world):
    """Three accounts: DSIT's open and suspended ones, and the Home Office's open one."""
    mine = opened_as(
        world, approved_with_conditions(world, end_date=date(2031, 3, 31)), "@dsit_open"
    )
    suspended = opened_as(world, approved_with_conditions(world), "@dsit_paused")
    change_account_status(
        suspended, world.security, AccountAction.SUSPEND, reason="Paused", version=suspended.version
    )
    theirs = opened_as(world, approved_with_conditions(world, author=world.outsider), "@ho_open")
    db.session.commit()
    return mine, suspended, theirs


def test_officers_see_their_departments_accounts_only(world, client_for, accounts):
    page = client_for(world.officer).get("/register/").get_data(as_text=True)
    assert "@dsit_open" in page and "@dsit_paused" in page
    assert "@ho_open" not in page
    assert "2 accounts" in page


@pytest.mark.parametrize("who", ["security", "cabinet_office", "auditor"])
def test_oversight_and_auditors_see_every_account(world, client_for, accounts, who):
    page = client_for(getattr(world, who)).get("/register/").get_data(as_text=True)
    assert "@dsit_open" in page and "@ho_open" in page
    assert "3 accounts" in page


@pytest.mark.parametrize("who", ["no10", "admin"])
def test_others_may_not_see_it(world, client_for, accounts, who):
    assert client_for(getattr(world, who)).get("/register/").status_code == 403
    assert client_for(getattr(world, who)).get("/register/export.csv").status_code == 403


def test_filters_by_status_department_and_platform(world, client_for, accounts):
    security = client_for(world.security)
    page = security.get("/register/?status=suspended").get_data(as_text=True)
    assert "@dsit_paused" in page and "@dsit_open" not in page
    assert "Remove this filter" in page
    page = security.get(f"/register/?department={world.other_department.id}").get_data(as_text=True)
    assert "@ho_open" in page and "@dsit_open" not in page
    assert "1 account." in page
    # A value no filter offers is ignored, not a 500.
    assert security.get("/register/?status=nonsense&department=x&sort=zz").status_code == 200


def test_sorts_on_the_server(world, client_for, accounts):
    security = client_for(world.security)
    ascending = security.get("/register/?sort=handle").get_data(as_text=True)
    descending = security.get("/register/?sort=handle&order=desc").get_data(as_text=True)
    assert ascending.index("@dsit_open") < ascending.index("@ho_open")
    assert descending.index("@ho_open") < descending.index("@dsit_open")


def test_export_is_the_filtered_register_as_csv(world, client_for, accounts):
    response = client_for(world.auditor).get("/register/export.csv?status=open&sort=handle")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    # A handle's "@" is a formula trigger: written with a "'" before it, as the audit
    # export writes every such cell.
    assert [row["handle"] for row in rows] == ["'@dsit_open", "'@ho_open"]
    assert rows[0]["status"] == "Open"
    assert rows[0]["conditions"] == "2" and rows[0]["open_conditions"] == "2"
    assert "Keep the device in a locked cabinet" in rows[0]["condition_details"]


def test_export_defuses_spreadsheet_formulas(world, client_for):
    opened_as(world, approved_with_conditions(world), "=HYPERLINK(1)")
    text = client_for(world.auditor).get("/register/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_security_lists_reviews_due_and_overdue(world, client_for, accounts, time_machine):
    mine = accounts[0]
    time_machine.move_to(mine.review_due_on + timedelta(days=1))
    page = client_for(world.security).get("/register/reviews").get_data(as_text=True)
    assert "@dsit_open" in page and "Overdue" in page
    assert client_for(world.cabinet_office).get("/register/reviews").status_code == 403


def test_the_public_page_is_off_by_default(client, accounts):
    assert client.get("/register/public").status_code == 404


def test_the_public_page_lists_open_accounts_only(app, client, accounts):
    app.config["PERMIT_PUBLIC_REGISTER"] = True
    try:
        response = client.get("/register/public")
    finally:
        app.config["PERMIT_PUBLIC_REGISTER"] = False
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    assert "@dsit_open" in page and "@ho_open" in page
    assert "@dsit_paused" not in page
    assert "Owner Name" not in page  # nothing internal
    assert "PRQ-" not in page


def test_the_public_page_is_the_same_for_someone_signed_in(app, world, client_for, accounts):
    """Shared caches keep it: nothing on it may be personal (a sign-out form's token)."""
    app.config["PERMIT_PUBLIC_REGISTER"] = True
    try:
        page = client_for(world.officer).get("/register/public").get_data(as_text=True)
    finally:
        app.config["PERMIT_PUBLIC_REGISTER"] = False
    assert "csrf_token" not in page
    assert world.officer.email not in page
