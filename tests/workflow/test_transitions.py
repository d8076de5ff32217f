"""Every status against every action: the moves the rules allow and refuse."""

from __future__ import annotations

import itertools

import pytest

from app.rules.workflow import (
    ACTION_PAST,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    Action,
    InvalidPipeline,
    InvalidTransition,
    Outcome,
    Refusal,
    RequestKind,
    Status,
    allowed_actions,
    check_pipeline,
    decision_action,
    next_stage,
    target_status,
)
from tests.workflow.table import EXPECTED

S, A = Status, Action
PIPELINE = ("security", "no10", "cabinet_office")
EVERY_PAIR = list(itertools.product(Status, Action))


@pytest.mark.asvs("11.1.1")
@pytest.mark.parametrize(("status", "action"), EVERY_PAIR)
def test_every_status_and_action(status, action):
    expected = EXPECTED.get((action, status))
    if expected is not None:
        assert target_status(action, status) is expected
        # The stored form (a plain string) is accepted too.
        assert target_status(action, str(status)) is expected
    else:
        with pytest.raises(InvalidTransition) as refused:
            target_status(action, status)
        assert refused.value.message == (
            f"A request that is {STATUS_LABELS[status].lower()} cannot be {ACTION_PAST[action]}"
        )


def test_the_table_holds_exactly_the_expected_moves_each_once():
    pairs = [(t.action, t.source) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs)), "a move listed twice would hide one of its targets"
    assert {(t.action, t.source): t.target for t in TRANSITIONS} == EXPECTED


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_match_the_table(status):
    assert allowed_actions(status) == {a for (a, s) in EXPECTED if s is status}
    assert allowed_actions(str(status)) == allowed_actions(status)


@pytest.mark.parametrize("status", list(Status))
def test_a_final_outcome_is_the_end(status):
    assert status.is_final is (status in {S.APPROVED, S.REJECTED, S.WITHDRAWN})
    if status.is_final:
        assert allowed_actions(status) == frozenset()


def test_an_unknown_status_is_not_a_move():
    with pytest.raises(ValueError):
        target_status(A.SUBMIT, "archived")


def test_every_status_action_outcome_and_kind_has_words_for_people():
    assert set(STATUS_LABELS) == set(Status)
    assert set(ACTION_PAST) == set(Action)
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert set(KIND_LABELS) == set(RequestKind)


def test_every_refusal_has_its_own_code():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    refusals = [Refusal, *subclasses(Refusal)]
    codes = [cls.code for cls in refusals]
    assert len(codes) == len(set(codes)), codes


# Decisions along a pipeline ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "stage", "action"),
    [
        (Outcome.APPROVE, "security", A.APPROVE_STAGE),
        (Outcome.APPROVE, "no10", A.APPROVE_STAGE),
        (Outcome.APPROVE, "cabinet_office", A.APPROVE_FINAL),
        (Outcome.APPROVE_WITH_CONDITIONS, "security", A.APPROVE_STAGE),
        (Outcome.APPROVE_WITH_CONDITIONS, "no10", A.APPROVE_STAGE),
        (Outcome.APPROVE_WITH_CONDITIONS, "cabinet_office", A.APPROVE_FINAL),
        *((Outcome.REQUEST_CHANGES, stage, A.REQUEST_CHANGES) for stage in PIPELINE),
        *((Outcome.REJECT, stage, A.REJECT) for stage in PIPELINE),
    ],
)
def test_decision_action(outcome, stage, action):
    assert decision_action(outcome, stage, PIPELINE) is action


@pytest.mark.parametrize("outcome", [Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS])
def test_approving_the_only_stage_approves_the_request(outcome):
    assert decision_action(outcome, "security", ["security"]) is A.APPROVE_FINAL


@pytest.mark.parametrize(
    ("stage", "following"),
    [("security", "no10"), ("no10", "cabinet_office"), ("cabinet_office", None)],
)
def test_next_stage(stage, following):
    assert next_stage(stage, PIPELINE) == following


@pytest.mark.parametrize(
    ("outcome", "approves"),
    [
        (Outcome.APPROVE, True),
        (Outcome.APPROVE_WITH_CONDITIONS, True),
        (Outcome.REQUEST_CHANGES, False),
        (Outcome.REJECT, False),
    ],
)
def test_which_outcomes_approve(outcome, approves):
    assert outcome.approves is approves


@pytest.mark.parametrize(
    "pipeline", [[], ["security", "security"], ["security", "no10", "security"]]
)
def test_a_pipeline_needs_stages_each_once(pipeline):
    with pytest.raises(InvalidPipeline):
        check_pipeline(pipeline)


@pytest.mark.parametrize("pipeline", [["security"], list(PIPELINE)])
def test_a_pipeline_of_distinct_stages_is_accepted(pipeline):
    check_pipeline(pipeline)
