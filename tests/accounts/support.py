"""What the approved-account tests share: a request approved with conditions, and its
account."""

from __future__ import annotations

from app.extensions import db
from app.models.accounts import ApprovedAccount
from app.models.requests import AccessRequest
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
