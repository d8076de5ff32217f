"""`flask seed-reference` and `flask seed-demo`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.verify import verify_database
from app.extensions import db
from app.models import AccessRequest, AuditEvent, Department, Platform, Stage, User
from app.rules.workflow import Status
from app.security.passwords import verify_password
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS
from tests.cli.conftest import count

MINISTERIAL_DEPARTMENTS = 25


def test_seed_reference_adds_departments_stages_and_the_tiktok_pipeline(run):
    result = run("seed-reference")

    assert result.exit_code == 0, result.output
    assert "25 departments, 3 stages, 1 platforms added" in result.output
    codes = set(db.session.scalars(select(Department.code)))
    assert len(codes) == MINISTERIAL_DEPARTMENTS
    assert {"CO", "DSIT", "HO", "HMT", "MOD", "PMO"} <= codes
    assert set(db.session.scalars(select(Stage.code))) == {"security", "no10", "cabinet_office"}
    tiktok = db.session.scalars(select(Platform)).one()
    assert tiktok.name == "TikTok"
    assert tiktok.restricted
    assert tiktok.stage_codes == ["security", "no10", "cabinet_office"]
    assert (tiktok.handle_max_length, tiktok.handle_punctuation) == (24, "_.")
    assert verify_database(db.session).ok


def test_seed_reference_twice_adds_nothing_the_second_time(run):
    run("seed-reference")
    events = count(AuditEvent)

    result = run("seed-reference")

    assert result.exit_code == 0, result.output
    assert "0 departments, 0 stages, 0 platforms added" in result.output
    assert count(Department) == MINISTERIAL_DEPARTMENTS
    assert count(Stage) == 3
    assert count(Platform) == 1
    assert count(AuditEvent) == events


def test_seed_demo_makes_requests_in_every_status_and_prints_the_logins(run):
    result = run("seed-demo")

    assert result.exit_code == 0, result.output
    statuses = set(db.session.scalars(select(AccessRequest.status)))
    assert statuses == set(Status)
    for demo in DEMO_USERS:
        assert demo.email in result.output
        user = db.session.scalars(select(User).where(User.email == demo.email)).one()
        assert user.active
        assert user.roles == set(demo.roles)
        assert verify_password(user.password_hash, DEFAULT_DEMO_PASSWORD)
    assert DEFAULT_DEMO_PASSWORD in result.output
    assert verify_database(db.session).ok


def test_seed_demo_twice_creates_nothing_new(run):
    run("seed-demo")
    requests, users, events = count(AccessRequest), count(User), count(AuditEvent)

    result = run("seed-demo")

    assert result.exit_code == 0, result.output
    assert "0 requests created" in result.output
    assert DEFAULT_DEMO_PASSWORD not in result.output  # existing users keep theirs
    assert (count(AccessRequest), count(User), count(AuditEvent)) == (requests, users, events)
    assert verify_database(db.session).ok


def test_seed_demo_password_option_sets_the_demo_users_password(run):
    result = run("seed-demo", "--password", "a-different-demo-password")

    assert result.exit_code == 0, result.output
    assert "a-different-demo-password" in result.output
    for user in db.session.scalars(select(User)):
        assert verify_password(user.password_hash, "a-different-demo-password")
        assert not verify_password(user.password_hash, DEFAULT_DEMO_PASSWORD)


def test_seed_demo_refuses_in_production(app, run, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "PERMIT_ENV", "production")

    result = run("seed-demo")

    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
    assert count(User) == 0
    assert count(AccessRequest) == 0
