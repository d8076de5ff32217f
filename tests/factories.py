"""Builders for test data. They add and flush; the test decides when to commit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.extensions import db
from app.models import AccessRequest, Department, PipelineStage, Platform, Stage, User
from app.models.types import utcnow
from app.operations.create_request import create_request
from app.operations.submit_request import submit_request
from app.rules.content import HandleRule
from app.rules.roles import Role
from app.rules.workflow import RequestKind
from app.security.passwords import hash_password
from app.security.two_factor import new_secret, second_factor_required
from app.seed.reference import PLATFORMS

PASSWORD = "a-long-test-password"
PIPELINE = ("security", "no10", "cabinet_office")
_numbers = itertools.count(1)


def make_department(code: str | None = None, name: str | None = None) -> Department:
    number = next(_numbers)
    department = Department(code=code or f"D{number}", name=name or f"Department number {number}")
    db.session.add(department)
    db.session.flush()
    return department


def make_stages() -> dict[str, Stage]:
    stages = {
        code: Stage(code=code, name=name)
        for code, name in (
            ("security", "Security"),
            ("no10", "No10"),
            ("cabinet_office", "Cabinet Office"),
        )
    }
    db.session.add_all(stages.values())
    db.session.flush()
    return stages


def make_platform(
    name: str = "TikTok",
    pipeline: tuple[str, ...] = PIPELINE,
    *,
    handle_rule: HandleRule | None = None,
) -> Platform:
    """A platform. Its handle rule: `handle_rule`, else the reference data's for a platform
    of that name (TikTok's), else none."""
    if handle_rule is None:
        handle_rule = next((data.handle_rule for data in PLATFORMS if data.name == name), None)
    platform = Platform(
        name=name,
        restricted=True,
        risk_notes="Test risk notes",
        active=True,
        handle_rule=handle_rule,
    )
    platform.pipeline = [PipelineStage(stage_code=code) for code in pipeline]
    db.session.add(platform)
    db.session.flush()
    return platform


def make_user(
    *roles: Role,
    department: Department | None = None,
    stages: tuple[str, ...] = (),
    email: str | None = None,
    name: str | None = None,
    active: bool = True,
    second_factor: bool | None = None,
) -> User:
    """A user with the test password. `second_factor`: whether they have a confirmed TOTP
    secret (tests/web/client.py's `sign_in` reads it); by default, when their roles need one.
    """
    number = next(_numbers)
    user = User(
        email=email or f"user{number}@example.gov.uk",
        display_name=name or f"Test User {number}",
        password_hash=hash_password(PASSWORD),
        department=department,
        active=active,
    )
    user.roles = set(roles)
    user.stage_codes = set(stages)
    if second_factor is None:
        second_factor = second_factor_required(user)
    if second_factor:
        user.totp_secret = new_secret()
        user.totp_confirmed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def complete_content(**overrides: Any) -> dict[str, Any]:
    """Content complete enough to submit; override any field."""
    content: dict[str, Any] = {
        "kind": RequestKind.NEW_ACCOUNT,
        "account_handle": "@test_department",
        "purpose": "Reach young people with public health messages",
        "target_audience": "16 to 24 year olds in the UK",
        "justification": "They are not reached by our other channels",
        "start_date": date(2027, 1, 4),
        "end_date": date(2027, 7, 2),
        "senior_responsible_owner": "Director of Communications",
        "account_managers": "Two named members of the digital team",
        "device_arrangement": "A dedicated phone kept in a locked cabinet",
        "device_attestation": True,
        "dpia_reference": "DPIA-2026-001",
        "ad_budget_pounds": None,
        "risk_mitigations": "Two-person rule for every post",
    }
    content.update(overrides)
    return content


@dataclass
class World:
    """Departments, the TikTok pipeline, and people in every role.

    Two approvers hold each stage (so one can be first and the other late); `officer` and
    `colleague` share a department, `outsider` is an officer of another.
    """

    department: Department
    other_department: Department
    platform: Platform
    officer: User
    colleague: User
    outsider: User
    security: User
    security_2: User
    no10: User
    no10_2: User
    cabinet_office: User
    cabinet_office_2: User
    auditor: User
    admin: User

    def approvers_for(self, stage: str) -> tuple[User, User]:
        return {
            "security": (self.security, self.security_2),
            "no10": (self.no10, self.no10_2),
            "cabinet_office": (self.cabinet_office, self.cabinet_office_2),
        }[stage]

    def draft(self, author: User | None = None, **overrides: Any) -> AccessRequest:
        return create_request(
            author or self.officer, platform=self.platform, content=complete_content(**overrides)
        )

    def submitted(self, author: User | None = None, **overrides: Any) -> AccessRequest:
        request = self.draft(author, **overrides)
        submit_request(request, author or self.officer)
        return request


def make_world() -> World:
    department = make_department("DSIT", "Department for Science, Innovation and Technology")
    other = make_department("HO", "Home Office")
    make_stages()
    platform = make_platform()

    def approver(stage: str, name: str) -> User:
        return make_user(Role.APPROVER, stages=(stage,), name=name)

    return World(
        department=department,
        other_department=other,
        platform=platform,
        officer=make_user(Role.OFFICER, department=department, name="Olive Officer"),
        colleague=make_user(Role.OFFICER, department=department, name="Colin Colleague"),
        outsider=make_user(Role.OFFICER, department=other, name="Otto Outsider"),
        security=approver("security", "Sally Security"),
        security_2=approver("security", "Sid Security"),
        no10=approver("no10", "Nina Number-Ten"),
        no10_2=approver("no10", "Ned Number-Ten"),
        cabinet_office=approver("cabinet_office", "Cara Cabinet"),
        cabinet_office_2=approver("cabinet_office", "Carl Cabinet"),
        auditor=make_user(Role.AUDITOR, name="Audrey Auditor"),
        admin=make_user(Role.ADMIN, name="Adam Admin"),
    )
