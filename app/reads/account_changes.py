"""Changes to approved accounts waiting for an approver: what the review screens list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import AccountChange, ApprovedAccount
from app.models.departments import Department
from app.models.platforms import Platform
from app.models.requests import AccessRequest
from app.models.users import User
from app.rules.accounts import CHANGE_FIELDS, ChangeStatus, check_decides_now
from app.rules.workflow import Refusal


@dataclass(frozen=True)
class WaitingChange:
    reference: str
    number: int
    department: str
    platform: str
    handle: str
    #: What it changes, in words: "Handle and Owner".
    fields: str
    stage: str
    filed_at: datetime


def changes_waiting_for(user: User) -> list[WaitingChange]:
    """The changes waiting at a stage `user` signs that the rules let them decide, oldest
    first (two queries: the changes with their requests, and their decisions)."""
    stages = sorted(user.stage_codes)
    if not stages:
        return []
    rows = db.session.execute(
        select(AccountChange, AccessRequest.reference, Department.name, Platform.name)
        .join(ApprovedAccount, ApprovedAccount.id == AccountChange.account_id)
        .join(AccessRequest, AccessRequest.id == ApprovedAccount.request_id)
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
        .where(
            AccountChange.status == str(ChangeStatus.IN_REVIEW),
            AccountChange.current_stage.in_(stages),
        )
        .order_by(AccountChange.filed_at, AccountChange.id)
    ).all()
    waiting = []
    for change, reference, department, platform in rows:
        try:
            check_decides_now(user, change, change.decisions)
        except Refusal:
            continue
        after = change.fields.get("after", {})
        waiting.append(
            WaitingChange(
                reference=reference,
                number=change.number,
                department=department,
                platform=platform,
                handle=change.fields.get("before", {}).get("handle") or after.get("handle", ""),
                fields=" and ".join(CHANGE_FIELDS.get(name, name) for name in sorted(after)),
                stage=change.current_stage or "",
                filed_at=change.filed_at,
            )
        )
    return waiting
