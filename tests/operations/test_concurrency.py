"""Two people act on the same request at the same moment, each in their own session:
exactly one wins, the other is told the request moved on, and the chain stays whole."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import AccessRequest, AuditEvent, Decision, User
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import Outcome, StaleRequest, Status
from tests.factories import complete_content

Action = Callable[[AccessRequest, User], object]


def race(app, request_id: int | None, contenders: list[tuple[int, Action]]) -> list[object]:
    """Run each (user id, action) in its own thread, app context and session, all released
    at once; return what each one did: "done" or the exception it raised."""
    # The test's own session must hold no transaction (on SQLite, a write lock) meanwhile.
    db.session.rollback()
    barrier = threading.Barrier(len(contenders))
    results: list[object] = [None] * len(contenders)

    def contend(index: int, user_id: int, action: Action) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                request = db.session.get(AccessRequest, request_id) if request_id else None
                action(request, db.session.get(User, user_id))
                db.session.commit()
                results[index] = "done"
            except Exception as error:
                db.session.rollback()
                results[index] = error

    threads = [
        threading.Thread(target=contend, args=(index, user_id, action))
        for index, (user_id, action) in enumerate(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a contender never finished"
    return results


def in_review(world) -> tuple[int, int]:
    """A request waiting for Security, committed; its id and version."""
    request = world.submitted()
    db.session.commit()
    return request.id, request.version


def decision(outcome: Outcome, version: int, **text: str) -> Action:
    def act(request, approver):
        decide_stage(request, approver, stage="security", version=version, outcome=outcome, **text)

    return act


def assert_one_winner(results: list[object]) -> int:
    winners = [i for i, result in enumerate(results) if result == "done"]
    losers = [result for result in results if result != "done"]
    assert len(winners) == 1, results
    assert all(isinstance(result, StaleRequest) for result in losers), results
    return winners[0]


@pytest.mark.asvs("11.1.6")
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((Outcome.APPROVE, {}), (Outcome.APPROVE, {})),
        ((Outcome.APPROVE, {}), (Outcome.REJECT, {"reason": "Too risky"})),
        (
            (Outcome.APPROVE_WITH_CONDITIONS, {"conditions": "Review yearly"}),
            (Outcome.REQUEST_CHANGES, {"reason": "Add a DPIA"}),
        ),
    ],
    ids=["approve-approve", "approve-reject", "conditions-changes"],
)
def test_two_approvers_of_one_stage_decide_at_once(world, session_app, first, second):
    request_id, version = in_review(world)
    approvers = [world.security.id, world.security_2.id]
    outcomes = [first, second]

    results = race(
        session_app,
        request_id,
        [
            (approvers[0], decision(first[0], version, **first[1])),
            (approvers[1], decision(second[0], version, **second[1])),
        ],
    )

    winner = assert_one_winner(results)
    decisions = db.session.scalars(
        select(Decision).where(Decision.request_id == request_id, Decision.stage_code == "security")
    ).all()
    assert [(d.approver_id, d.outcome) for d in decisions] == [
        (approvers[winner], str(outcomes[winner][0]))
    ]
    request = db.session.get(AccessRequest, request_id)
    assert request.version == version + 1
    decided = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.request_id == request_id, AuditEvent.stage == "security")
        .where(AuditEvent.event_type != EventType.REQUEST_SUBMITTED)
    )
    assert decided == 1
    assert verify_database(db.session).ok


@pytest.mark.asvs("11.1.6")
def test_a_withdrawal_and_a_decision_at_once(world, session_app):
    request_id, version = in_review(world)

    def withdraw(request, officer):
        withdraw_request(request, officer, version=version)

    results = race(
        session_app,
        request_id,
        [
            (world.officer.id, withdraw),
            (world.security.id, decision(Outcome.APPROVE, version)),
        ],
    )

    winner = assert_one_winner(results)
    request = db.session.get(AccessRequest, request_id)
    decisions = db.session.scalar(
        select(func.count()).select_from(Decision).where(Decision.request_id == request_id)
    )
    if winner == 0:
        assert (request.status, decisions) == (Status.WITHDRAWN, 0)
    else:
        assert (request.status, request.current_stage, decisions) == (Status.IN_REVIEW, "no10", 1)
    assert verify_database(db.session).ok


def test_drafts_started_at_once_get_different_references(world, session_app):
    platform_id = world.platform.id

    def start(_request, officer):
        platform = db.session.get(type(world.platform), platform_id)
        create_request(officer, platform=platform, content=complete_content())

    officers = [world.officer.id, world.colleague.id, world.outsider.id]
    results = race(session_app, None, [(officer, start) for officer in officers])

    assert results == ["done"] * len(officers)
    references = sorted(db.session.scalars(select(AccessRequest.reference)))
    assert [reference[-5:] for reference in references] == ["00001", "00002", "00003"]
    assert verify_database(db.session).ok
