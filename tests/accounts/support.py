"""What the approved-account tests share: a request approved with conditions, and its
account."""

from __future__ import annotations

from datetime import date

from app.deadlines.clock import london_today
from app.extensions import db
from app.models.accounts import ApprovedAccount
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.account_lifecycle import record_opening
from app.rules.workflow import Outcome
from tests.factories import World
from tests.operations.support import decide

SECURITY_CONDITIONS = "Keep the device in a locked cabinet\nTwo people sign off each post"
CABINET_CONDITIONS = "Report reach every quarter"


def approved_with_conditions(world: World, **overrides: object) -> AccessRequest:
    """A request of the world's officer approved at every stage, Security and Cabinet
    Office with conditions; committed."""
    request = world.submitted(**overrides)
    decide(request, world.security, Outcome.APPROVE_WITH_CONDITIONS, conditions=SECURITY_CONDITIONS)
    decide(request, world.no10)
    decide(
        request,
        world.cabinet_office,
        Outcome.APPROVE_WITH_CONDITIONS,
        conditions=CABINET_CONDITIONS,
    )
    db.session.commit()
    return request


def account_of(request: AccessRequest) -> ApprovedAccount:
    db.session.expire_all()
    account = db.session.get(AccessRequest, request.id).account
    assert account is not None, "an approved request has its account"
    return account


def opened(
    request: AccessRequest,
    officer: User,
    *,
    handle: str = "@dsit_live",
    opened_on: date | None = None,
    owner: str = "Olive Officer",
    url: str = "",
) -> ApprovedAccount:
    """`request`'s account recorded as opened by `officer` (today, unless `opened_on`);
    committed, and read again."""
    account = account_of(request)
    record_opening(
        account,
        officer,
        handle=handle,
        url=url,
        opened_on=opened_on or london_today(),
        owner=owner,
        version=account.version,
    )
    db.session.commit()
    return account_of(request)
