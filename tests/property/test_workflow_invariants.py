"""Random sequences of moves by random people never break the workflow's rules.

A Hypothesis state machine files, edits, submits, resubmits, withdraws and decides
requests as anyone in the cast: the right people and the wrong ones, with current and
stale versions, at the current stage and at others. Beside the database it keeps its own
small model of what the rules allow (tests/property/rules.py), and after every step it
checks, reading the database with plain queries (tests/property/stored.py), that:

- the app allowed exactly the moves the rules allow, and a refused move changed nothing;
- the audit chain verifies, with one event per successful change, and each request's
  events match its revisions and decisions;
- every request's status, stage and decisions agree: an approved request has an approval
  at every stage of its latest revision's pipeline, by different people, none of whom
  filed it; a request in review waits at its first stage without an approval; a request
  sent back or rejected was sent back or rejected by its last decision.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.audit.verify import verify_database
from app.extensions import db
from app.models import AccessRequest, Platform, User
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome, Refusal, Status
from tests.database import wipe_database
from tests.factories import PIPELINE, complete_content, make_user, make_world
from tests.property.rules import (
    CAST,
    NAMES,
    OFFICER_STATUSES,
    OFFICERS,
    SIGNERS,
    WITHDRAWABLE,
    Expected,
    acceptable,
    barred_signers,
    may_decide,
    officer_may,
    text_is_enough,
    version_matches,
)
from tests.property.stored import check_request, load_requests, snapshot

# Strategies ------------------------------------------------------------------------------

anyone = st.sampled_from(NAMES)
#: Mostly someone with a claim to act, often anyone at all.
an_officer = st.one_of(st.sampled_from(["requester", "colleague", "dual"]), anyone)
#: None: the caller names no version; 0: the current one; -1 and 1: stale.
officer_version = st.sampled_from([None, 0, 0, -1])
decision_version = st.sampled_from([0, 0, 0, -1, 1])
#: Approvals twice as likely as each other outcome, so requests get to the end.
an_outcome = st.sampled_from(
    [
        Outcome.APPROVE,
        Outcome.APPROVE,
        Outcome.APPROVE_WITH_CONDITIONS,
        Outcome.REQUEST_CHANGES,
        Outcome.REJECT,
    ]
)
some_text = st.sampled_from(
    ["", "   ", "Because", "Approuvé — «naïve» ✓\n\tSee §4", "x" * 5001, "A bell\x07"]
)
index = st.integers(min_value=0, max_value=7)
mostly_true = st.sampled_from([True, True, True, False])

#: What `attempt` returns when the operation was refused.
REFUSED = object()

# The machine -----------------------------------------------------------------------------


class WorkflowMachine(RuleBasedStateMachine):
    """Runs inside an app context on the session's database, emptied for each example."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Expected] = []
        self.changes = 0
        self.numbers = itertools.count(1)

    @initialize()
    def build_the_world(self) -> None:
        wipe_database()
        world = make_world()
        dual = make_user(
            Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
        )
        multi = make_user(Role.APPROVER, stages=("no10", "cabinet_office"))
        db.session.commit()
        people = {name: getattr(world, name) for name in NAMES if hasattr(world, name)}
        people |= {"dual": dual, "multi": multi}
        departments = {world.department.id: "home", world.other_department.id: "other"}
        for name, user in people.items():  # the cast above describes these people
            person = CAST[name]
            assert departments.get(user.department_id) == person.department, name
            assert user.has_role(Role.OFFICER) == person.officer, name
            assert user.stage_codes == person.stages, name
        self.user_ids = {name: user.id for name, user in people.items()}
        self.platform_id = world.platform.id
        #: Every row the operations write, as of the last step: what a refused operation
        #: must leave behind. Refreshed by the invariants after every step that changed it.
        self.saved = snapshot()
        self.committed = False
        self.setup_events = len(self.saved["audit_events"])

    def teardown(self) -> None:
        db.session.remove()

    # Helpers -----------------------------------------------------------------------------

    def user(self, name: str) -> User:
        return db.session.get(User, self.user_ids[name])

    def request_row(self, expected: Expected) -> AccessRequest:
        return db.session.get(AccessRequest, expected.id)

    def pick(self, number: int, statuses: frozenset[Status] | None = None) -> Expected:
        candidates = [r for r in self.requests if statuses is None or r.status in statuses]
        return candidates[number % len(candidates)]

    def open_requests(self) -> int:
        return sum(not request.status.is_final for request in self.requests)

    def has(self, *statuses: Status) -> bool:
        return any(request.status in statuses for request in self.requests)

    @staticmethod
    def officer_name(choice: str, request: Expected) -> str:
        return request.requester if choice == "requester" else choice

    def attempt(self, allowed: bool, operation: Callable[[], Any]) -> Any:
        """Run `operation`: commit it if it succeeds, roll it back if refused, and check
        the app agreed with the rules (`allowed`) and that a refusal changed nothing."""
        try:
            result = operation()
        except Refusal as refusal:
            pending = db.session.new or db.session.dirty or db.session.deleted
            db.session.rollback()
            assert not allowed, f"refused ({refusal.code}: {refusal.message}) but allowed"
            assert not pending, "a refused operation left changes in the session"
            assert snapshot() == self.saved, "a refused operation changed the database"
            return REFUSED
        db.session.commit()
        self.committed = True
        assert allowed, "allowed by the app but not by the rules"
        return result

    def changed(self, request: Expected) -> None:
        """Count one successful change to `request`: one audit event, one version."""
        self.changes += 1
        request.version += 1
        request.events += 1

    # Officers ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.requests) < 6 and self.open_requests() < 3)
    @rule(actor=st.one_of(st.sampled_from(OFFICERS), anyone), complete=mostly_true)
    def create(self, actor: str, complete: bool) -> None:
        purpose = f"Purpose {next(self.numbers)}" if complete else ""
        person = CAST[actor]
        created = self.attempt(
            person.officer,
            lambda: create_request(
                self.user(actor),
                platform=db.session.get(Platform, self.platform_id),
                content=complete_content(purpose=purpose),
            ),
        )
        if created is not REFUSED:
            assert person.department is not None
            self.requests.append(
                Expected(created.id, person.department, actor, purpose, filers={actor})
            )
            self.changes += 1  # request_created: version 1, the first of its events

    @precondition(lambda self: self.requests)
    @rule(
        number=index,
        choice=an_officer,
        offset=officer_version,
        purpose=st.sampled_from(["new", "new", "same", "blank"]),
    )
    def update(self, number: int, choice: str, offset: int | None, purpose: str) -> None:
        request = self.pick(number)
        actor = self.officer_name(choice, request)
        version = None if offset is None else request.version + offset
        value = {
            "new": f"Purpose {next(self.numbers)}",
            "same": request.purpose,
            "blank": "",
        }[purpose]
        allowed = officer_may(actor, request, OFFICER_STATUSES) and version_matches(
            request, version
        )
        fields = self.attempt(
            allowed,
            lambda: update_request(
                self.request_row(request),
                self.user(actor),
                content={"purpose": value},
                version=version,
            ),
        )
        if fields is REFUSED:
            return
        assert fields == (["purpose"] if value != request.purpose else [])
        if fields:  # no change, no event
            request.purpose = value
            self.changed(request)

    def file(
        self, number: int, choice: str, offset: int | None, source: Status, resubmit: bool
    ) -> None:
        request = self.pick(number, frozenset({source}))
        actor = self.officer_name(choice, request)
        version = None if offset is None else request.version + offset
        allowed = (
            officer_may(actor, request, frozenset({source}))
            and version_matches(request, version)
            and bool(request.purpose.strip())
        )
        operation = resubmit_request if resubmit else submit_request
        revision = self.attempt(
            allowed, lambda: operation(self.request_row(request), self.user(actor), version=version)
        )
        if revision is REFUSED:
            return
        request.status, request.stage = Status.IN_REVIEW, PIPELINE[0]
        request.revisions += 1
        request.filers.add(actor)
        request.approvals = {}
        self.changed(request)

    @precondition(lambda self: self.has(Status.DRAFT))
    @rule(number=index, choice=an_officer, offset=officer_version)
    def submit(self, number: int, choice: str, offset: int | None) -> None:
        self.file(number, choice, offset, Status.DRAFT, resubmit=False)

    @precondition(lambda self: self.has(Status.CHANGES_REQUESTED))
    @rule(number=index, choice=an_officer, offset=officer_version)
    def resubmit(self, number: int, choice: str, offset: int | None) -> None:
        self.file(number, choice, offset, Status.CHANGES_REQUESTED, resubmit=True)

    @precondition(lambda self: self.requests)
    @rule(number=index, choice=an_officer, offset=officer_version, reason=some_text)
    def withdraw(self, number: int, choice: str, offset: int | None, reason: str) -> None:
        request = self.pick(number)
        actor = self.officer_name(choice, request)
        version = None if offset is None else request.version + offset
        allowed = (
            officer_may(actor, request, WITHDRAWABLE)
            and version_matches(request, version)
            and acceptable(reason)
        )
        done = self.attempt(
            allowed,
            lambda: withdraw_request(
                self.request_row(request), self.user(actor), reason=reason, version=version
            ),
        )
        if done is REFUSED:
            return
        request.status, request.stage = Status.WITHDRAWN, None
        self.changed(request)

    # Approvers ---------------------------------------------------------------------------

    def decide(
        self,
        request: Expected,
        actor: str,
        stage: str,
        version: int,
        outcome: Outcome,
        reason: str,
        conditions: str,
    ) -> None:
        allowed = (
            may_decide(actor, request, stage, version)
            and text_is_enough(outcome, reason, conditions)
            and acceptable(reason)
            and acceptable(conditions)
        )
        decision = self.attempt(
            allowed,
            lambda: decide_stage(
                self.request_row(request),
                self.user(actor),
                stage=stage,
                version=version,
                outcome=outcome,
                reason=reason,
                conditions=conditions,
            ),
        )
        if decision is REFUSED:
            return
        request.decided.setdefault(actor, set()).add(stage)
        if outcome.approves:
            request.approvals[stage] = actor
            position = PIPELINE.index(stage)
            if position + 1 < len(PIPELINE):
                request.stage = PIPELINE[position + 1]
            else:
                request.status, request.stage = Status.APPROVED, None
        elif outcome is Outcome.REQUEST_CHANGES:
            request.status, request.stage = Status.CHANGES_REQUESTED, None
        else:
            request.status, request.stage = Status.REJECTED, None
        self.changed(request)

    @precondition(lambda self: self.has(Status.IN_REVIEW))
    @rule(number=index, signer=st.integers(0, 2), outcome=an_outcome)
    def decide_as_a_signer(self, number: int, signer: int, outcome: Outcome) -> None:
        """Someone who holds the current stage decides the version they see."""
        request = self.pick(number, frozenset({Status.IN_REVIEW}))
        assert request.stage is not None
        signers = SIGNERS[request.stage]
        actor = signers[signer % len(signers)]
        self.decide(
            request, actor, request.stage, request.version, outcome, "Because", "Conditions"
        )

    @precondition(lambda self: any(barred_signers(request) for request in self.requests))
    @rule(number=index, outcome=an_outcome)
    def decide_as_a_barred_signer(self, number: int, outcome: Outcome) -> None:
        """Someone who holds the current stage, but filed the request or has decided
        another of its stages, tries to decide it."""
        candidates = [r for r in self.requests if barred_signers(r)]
        request = candidates[number % len(candidates)]
        actor, stage = barred_signers(request)[0], request.stage
        assert stage is not None
        self.decide(request, actor, stage, request.version, outcome, "Because", "Conditions")

    @precondition(lambda self: self.has(Status.IN_REVIEW))
    @rule(
        number=index,
        actor=anyone,
        stage=st.sampled_from([None, None, None, *PIPELINE]),
        offset=decision_version,
        outcome=st.sampled_from(Outcome),
        reason=some_text,
        conditions=some_text,
    )
    def decide_as_anyone(
        self,
        number: int,
        actor: str,
        stage: str | None,
        offset: int,
        outcome: Outcome,
        reason: str,
        conditions: str,
    ) -> None:
        """Anyone decides a request in review: mostly its current stage and version."""
        request = self.pick(number, frozenset({Status.IN_REVIEW}))
        stage = stage or request.stage
        assert stage is not None
        self.decide(request, actor, stage, request.version + offset, outcome, reason, conditions)

    @precondition(lambda self: self.requests)
    @rule(
        number=index,
        actor=anyone,
        stage=st.sampled_from(PIPELINE),
        offset=decision_version,
        outcome=st.sampled_from(Outcome),
    )
    def decide_out_of_turn(
        self, number: int, actor: str, stage: str, offset: int, outcome: Outcome
    ) -> None:
        """Anyone decides any stage of any request, whatever its status."""
        request = self.pick(number)
        self.decide(request, actor, stage, request.version + offset, outcome, "Why", "If")

    # Invariants --------------------------------------------------------------------------

    @invariant()
    def the_rules_hold(self) -> None:
        # One invariant, so the snapshot is taken before either check reads it (after a
        # refusal `attempt` has just checked that the rows are still `saved`).
        if self.committed:
            self.saved, self.committed = snapshot(), False
        self.check_the_chain()
        self.check_every_request()

    def check_the_chain(self) -> None:
        """The chain verifies, with one event per successful change."""
        result = verify_database(db.session)
        assert result.ok, result.problem
        assert result.count == len(self.saved["audit_events"])
        assert result.count == self.setup_events + self.changes

    def check_every_request(self) -> None:
        """Each request is as the model says, and consistent in itself."""
        names = {user_id: name for name, user_id in self.user_ids.items()}
        stored = {row.id: row for row in load_requests(self.saved)}
        assert set(stored) == {expected.id for expected in self.requests}
        for expected in self.requests:
            row = stored[expected.id]
            assert (row.status, row.stage, row.version) == (
                expected.status,
                expected.stage,
                expected.version,
            ), row.reference
            assert len(row.revisions) == expected.revisions, row.reference
            assert len(row.events) == expected.events, row.reference
            assert {
                d.stage_code: names[d.approver_id] for d in row.approved
            } == expected.approvals, row.reference
            check_request(row, names)


WORKFLOW_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
)


@pytest.mark.slow
def test_random_moves_never_break_the_workflow_rules(session_app: Flask) -> None:
    with session_app.app_context():
        run_state_machine_as_test(WorkflowMachine, settings=WORKFLOW_SETTINGS)
