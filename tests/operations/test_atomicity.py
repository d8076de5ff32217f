"""A change and its audit event land together or not at all.

Operations flush but never commit; the caller rolls back on any exception. If the audit
append fails, or anything fails after it, neither the change nor the event survives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.exc import IntegrityError

from app.audit import chain
from app.audit.verify import verify_database
from app.extensions import db
from app.models import GENESIS_HASH
from app.operations.create_request import create_request
from app.operations.create_user import create_user
from app.operations.deactivate_user import deactivate_user
from app.operations.decide_stage import decide_stage
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome, Status
from tests.factories import World, complete_content
from tests.operations.support import request_in, snapshot


@dataclass(frozen=True)
class Case:
    """An operation: the module that appends its event, and how to run it in a world."""

    module: str
    run: Callable[[World], Callable[[], object]]


def _create_request(world):
    world.draft()
    return lambda: create_request(
        world.officer, platform=world.platform, content=complete_content()
    )


def _update_request(world):
    request = world.draft()
    return lambda: update_request(request, world.officer, content={"purpose": "Changed"})


def _submit_request(world):
    request = world.draft()
    return lambda: submit_request(request, world.officer)


def _resubmit_request(world):
    request = request_in(world, Status.CHANGES_REQUESTED)
    return lambda: resubmit_request(request, world.officer)


def _withdraw_request(world):
    request = request_in(world, Status.IN_REVIEW)
    return lambda: withdraw_request(request, world.officer, reason="Cancelled")


def _decide(outcome, **text):
    def setup(world):
        request = request_in(world, Status.IN_REVIEW)
        return lambda: decide_stage(
            request,
            world.security,
            stage="security",
            version=request.version,
            outcome=outcome,
            **text,
        )

    return setup


def _create_user(world):
    world.draft()
    return lambda: create_user(
        world.admin,
        email="new.approver@example.gov.uk",
        display_name="New Approver",
        password=None,
        roles={Role.APPROVER},
        stage_codes={"no10"},
    )


def _deactivate_user(world):
    world.draft()
    return lambda: deactivate_user(world.no10, world.admin)


CASES = {
    "create_request": Case("app.operations.create_request", _create_request),
    "update_request": Case("app.operations.update_request", _update_request),
    "submit_request": Case("app.operations.submit_request", _submit_request),
    # Resubmission files its revision through submit_request's code.
    "resubmit_request": Case("app.operations.submit_request", _resubmit_request),
    "withdraw_request": Case("app.operations.withdraw_request", _withdraw_request),
    "approve": Case("app.operations.decide_stage", _decide(Outcome.APPROVE)),
    "approve_with_conditions": Case(
        "app.operations.decide_stage",
        _decide(Outcome.APPROVE_WITH_CONDITIONS, conditions="Review yearly"),
    ),
    "request_changes": Case(
        "app.operations.decide_stage", _decide(Outcome.REQUEST_CHANGES, reason="Add a DPIA")
    ),
    "reject": Case("app.operations.decide_stage", _decide(Outcome.REJECT, reason="Too risky")),
    "create_user": Case("app.operations.create_user", _create_user),
    "deactivate_user": Case("app.operations.deactivate_user", _deactivate_user),
}


def run_and_roll_back(world, case, sabotage, expected: type[Exception]) -> None:
    """Set the case up and commit, then sabotage it, run it, and roll back."""
    operation = case.run(world)
    db.session.commit()
    before = snapshot()
    sabotage()
    with pytest.raises(expected):
        operation()
    db.session.rollback()
    assert snapshot() == before
    assert verify_database(db.session).ok


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_when_the_audit_append_fails_the_change_is_undone(world, case, monkeypatch):
    # The chain's head is misread, so the new event collides with the first one when it
    # is flushed: the database refuses it, after the operation has changed its rows.
    def sabotage():
        monkeypatch.setattr(chain, "chain_head", lambda session: (0, GENESIS_HASH))

    run_and_roll_back(world, case, sabotage, IntegrityError)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_when_the_operation_fails_after_its_event_both_are_undone(world, case, monkeypatch):
    appended = []

    def append_then_fail(*args, **kwargs):
        appended.append(chain.append_event(*args, **kwargs))
        raise RuntimeError("the connection dropped")

    def sabotage():
        monkeypatch.setattr(f"{case.module}.append_event", append_then_fail)

    run_and_roll_back(world, case, sabotage, RuntimeError)
    assert len(appended) == 1, "the event was written before the failure"
