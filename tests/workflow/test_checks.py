"""Who may act on a request, and when: every refusal of the workflow's checks."""

from __future__ import annotations

import itertools

import pytest

from app.rules.roles import Role
from app.rules.workflow import (
    REASON_MAX,
    Action,
    ConditionsRequired,
    InactiveUser,
    InvalidContent,
    InvalidTransition,
    NotPermitted,
    NotYourDepartment,
    NotYourStage,
    Outcome,
    OwnRequest,
    ReasonRequired,
    SecondStage,
    StaleRequest,
    Status,
    check_can_decide,
    check_decision_text,
    check_expected_version,
    check_officer_action,
)
from tests.workflow.fakes import (
    ADMIN,
    AUDITOR,
    DEPARTMENT,
    NO10,
    OFFICER,
    OUTSIDER,
    REQUESTER,
    SECURITY,
    Decided,
    Person,
    Request,
    but,
)
from tests.workflow.table import EXPECTED

# Officers' actions ---------------------------------------------------------------------


#: What officers do to their department's requests.
OFFICER_MOVES = [Action.EDIT, Action.SUBMIT, Action.RESUBMIT, Action.WITHDRAW]


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, OFFICER_MOVES)))
def test_an_officer_of_the_department_moves_only_along_the_table(status, action):
    request = Request(status=status)
    expected = EXPECTED.get((action, status))
    if expected is None:
        with pytest.raises(InvalidTransition):
            check_officer_action(OFFICER, request, action)
    else:
        assert check_officer_action(OFFICER, request, action) is expected


@pytest.mark.parametrize("action", OFFICER_MOVES)
@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        pytest.param(OUTSIDER, NotYourDepartment, id="officer-of-another-department"),
        pytest.param(
            but(OFFICER, department_id=None), NotYourDepartment, id="officer-without-department"
        ),
        pytest.param(SECURITY, NotYourDepartment, id="approver"),
        pytest.param(
            but(SECURITY, department_id=DEPARTMENT),
            NotYourDepartment,
            id="approver-in-the-department",
        ),
        pytest.param(but(AUDITOR, department_id=DEPARTMENT), NotYourDepartment, id="auditor"),
        pytest.param(but(ADMIN, department_id=DEPARTMENT), NotYourDepartment, id="admin"),
        pytest.param(but(OFFICER, active=False), InactiveUser, id="deactivated-officer"),
    ],
)
def test_only_active_officers_of_the_department_take_officer_actions(actor, action, refusal):
    # DRAFT or CHANGES_REQUESTED allow every officer action except one each: pick the one
    # where the move itself is allowed, so only the person can be the reason to refuse.
    status = Status.DRAFT if action in (Action.EDIT, Action.SUBMIT) else Status.CHANGES_REQUESTED
    with pytest.raises(refusal) as refused:
        check_officer_action(actor, Request(status=status), action)
    assert isinstance(refused.value, NotPermitted)


def test_a_person_refused_as_not_of_the_department_learns_nothing_of_the_status():
    with pytest.raises(NotYourDepartment):
        check_officer_action(OUTSIDER, Request(status=Status.APPROVED), Action.WITHDRAW)


@pytest.mark.parametrize("version", [None, 3])
def test_an_action_on_the_current_version_or_naming_none_goes_ahead(version):
    check_expected_version(Request(version=3), version)


@pytest.mark.parametrize("version", [2, 4])
def test_an_action_on_another_version_is_stale(version):
    with pytest.raises(StaleRequest):
        check_expected_version(Request(version=3), version)


# Approvers' decisions --------------------------------------------------------------------


def decide(actor: Person, request: Request | None = None, **kwargs) -> None:
    kwargs.setdefault("filers", {REQUESTER})
    kwargs.setdefault("decisions", [])
    check_can_decide(actor, request or Request(), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stage": "security"}, {"version": 3}, {"stage": "security", "version": 3}],
    ids=["naming-nothing", "naming-the-stage", "naming-the-version", "naming-both"],
)
def test_an_approver_of_the_current_stage_decides_it(kwargs):
    decide(SECURITY, **kwargs)


def test_a_deactivated_approver_decides_nothing():
    with pytest.raises(InactiveUser):
        decide(but(SECURITY, active=False), stage="security", version=3)


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.IN_REVIEW])
def test_only_a_request_in_review_is_decided(status):
    request = Request(status=status, current_stage=None)
    with pytest.raises(InvalidTransition):
        decide(SECURITY, request, version=3)
    with pytest.raises(InvalidTransition):
        decide(SECURITY, request)


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.IN_REVIEW])
def test_a_decision_on_a_version_that_has_since_left_review_is_stale(status):
    with pytest.raises(StaleRequest):
        decide(SECURITY, Request(status=status, current_stage=None), version=2)


@pytest.mark.parametrize(
    ("stage", "version"),
    [("no10", 2), ("security", 3), ("security", 2)],
    ids=["old-version", "stage-no-longer-current", "both"],
)
@pytest.mark.parametrize("approver", [SECURITY, NO10], ids=["security", "no10"])
def test_a_decision_on_what_the_approver_saw_earlier_is_stale(stage, version, approver):
    # Security approved at version 2; the request now waits for No10 at version 3.
    moved_on = Request(current_stage="no10", version=3)
    with pytest.raises(StaleRequest):
        decide(approver, moved_on, stage=stage, version=version)


@pytest.mark.asvs("11.1.1", "4.1.3")
@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(NO10, id="approver-of-another-stage"),
        pytest.param(but(SECURITY, roles=frozenset()), id="stage-but-no-approver-role"),
        pytest.param(but(OFFICER, stages=frozenset({"security"})), id="officer"),
        pytest.param(AUDITOR, id="auditor"),
        pytest.param(ADMIN, id="admin"),
    ],
)
def test_only_a_holder_of_the_current_stage_decides_it(actor):
    with pytest.raises(NotYourStage):
        decide(actor, stage="security", version=3)


def test_nobody_decides_a_request_they_created():
    creator = but(SECURITY, id=REQUESTER, roles=frozenset({Role.OFFICER, Role.APPROVER}))
    with pytest.raises(OwnRequest):
        decide(creator, filers={REQUESTER})


def test_nobody_decides_a_request_they_submitted():
    submitter = but(SECURITY, roles=frozenset({Role.OFFICER, Role.APPROVER}))
    with pytest.raises(OwnRequest):
        decide(submitter, filers={REQUESTER, submitter.id})


@pytest.mark.asvs("11.1.1")
@pytest.mark.parametrize("earlier_stage", ["no10", "cabinet_office"])
def test_nobody_decides_two_stages_of_one_request(earlier_stage):
    both = but(SECURITY, stages=frozenset({"security", earlier_stage}))
    with pytest.raises(SecondStage):
        decide(both, decisions=[Decided(both.id, earlier_stage)])


def test_the_same_approver_decides_the_same_stage_again_on_a_later_revision():
    decide(SECURITY, decisions=[Decided(SECURITY.id, "security"), Decided(NO10.id, "no10")])


def test_other_approvers_decisions_do_not_stop_an_approver():
    decide(SECURITY, decisions=[Decided(NO10.id, "no10"), Decided(99, "cabinet_office")])


# Reasons and conditions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "reason", "conditions", "refusal"),
    [
        (Outcome.APPROVE, "", "", None),
        (Outcome.APPROVE, "Looks fine", "", None),
        (Outcome.APPROVE_WITH_CONDITIONS, "", "Review in six months", None),
        (Outcome.APPROVE_WITH_CONDITIONS, "", "", ConditionsRequired),
        (Outcome.APPROVE_WITH_CONDITIONS, "Fine", " \n\t", ConditionsRequired),
        (Outcome.REQUEST_CHANGES, "Name a second account manager", "", None),
        (Outcome.REQUEST_CHANGES, "", "", ReasonRequired),
        (Outcome.REQUEST_CHANGES, "   ", "", ReasonRequired),
        (Outcome.REJECT, "The risks outweigh the reach", "", None),
        (Outcome.REJECT, "", "", ReasonRequired),
        (Outcome.REJECT, "\n", "Some conditions", ReasonRequired),
    ],
)
def test_what_each_outcome_needs_written(outcome, reason, conditions, refusal):
    if refusal is None:
        check_decision_text(outcome, reason, conditions)
    else:
        with pytest.raises(refusal):
            check_decision_text(outcome, reason, conditions)


@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("field", ["reason", "conditions"])
def test_reason_and_conditions_have_a_limit(outcome, field):
    text = {"reason": "x", "conditions": "x"}
    text[field] = "x" * REASON_MAX
    check_decision_text(outcome, **text)
    text[field] = "x" * (REASON_MAX + 1)
    with pytest.raises(InvalidContent) as refused:
        check_decision_text(outcome, **text)
    assert set(refused.value.errors) == {field}
    assert f"{REASON_MAX:,}" in refused.value.errors[field]


@pytest.mark.parametrize("field", ["reason", "conditions"])
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
def test_reason_and_conditions_may_not_hide_control_characters(field, character):
    text = {"reason": "Fine", "conditions": "Review yearly"}
    text[field] = f"Looks{character}fine"
    with pytest.raises(InvalidContent) as refused:
        check_decision_text(Outcome.APPROVE_WITH_CONDITIONS, **text)
    assert set(refused.value.errors) == {field}


def test_reason_and_conditions_may_have_line_breaks_and_tabs():
    check_decision_text(
        Outcome.APPROVE_WITH_CONDITIONS,
        reason="First:\r\n\tthe handle",
        conditions="1. Review\n2. Report",
    )
