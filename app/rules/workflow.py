"""The rules of a request's life: statuses, the moves between them, and who may make them.

Plain Python: no Flask, no database session. Operations (`app.operations`) ask these
checks and act; the screens and the API turn each refusal into a message. A refused move
raises a named `Refusal` subclass: it never returns quietly.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.rules.roles import Role
from app.rules.text import has_any_control_character, has_control_characters, one_line_refusal


class Status(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.APPROVED, Status.REJECTED, Status.WITHDRAWN})


class RequestKind(enum.StrEnum):
    NEW_ACCOUNT = "new_account"
    REACTIVATE_ACCOUNT = "reactivate_account"
    PAID_ADVERTISING = "paid_advertising"


class Outcome(enum.StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    @property
    def approves(self) -> bool:
        return self in (Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS)


class Action(enum.StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    #: An approval at a stage that is not the last: the next stage decides.
    APPROVE_STAGE = "approve_stage"
    #: An approval at the last stage: the request is approved.
    APPROVE_FINAL = "approve_final"
    #: An approval that the stage's quorum still needs more of: the same stage decides.
    APPROVE_IN_PART = "approve_in_part"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status
    target: Status


#: Every move a request can make. Anything not listed here is refused.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.EDIT, Status.DRAFT, Status.DRAFT),
    Transition(Action.EDIT, Status.CHANGES_REQUESTED, Status.CHANGES_REQUESTED),
    Transition(Action.SUBMIT, Status.DRAFT, Status.IN_REVIEW),
    Transition(Action.RESUBMIT, Status.CHANGES_REQUESTED, Status.IN_REVIEW),
    Transition(Action.WITHDRAW, Status.DRAFT, Status.WITHDRAWN),
    Transition(Action.WITHDRAW, Status.IN_REVIEW, Status.WITHDRAWN),
    Transition(Action.WITHDRAW, Status.CHANGES_REQUESTED, Status.WITHDRAWN),
    Transition(Action.APPROVE_STAGE, Status.IN_REVIEW, Status.IN_REVIEW),
    Transition(Action.APPROVE_FINAL, Status.IN_REVIEW, Status.APPROVED),
    Transition(Action.APPROVE_IN_PART, Status.IN_REVIEW, Status.IN_REVIEW),
    Transition(Action.REQUEST_CHANGES, Status.IN_REVIEW, Status.CHANGES_REQUESTED),
    Transition(Action.REJECT, Status.IN_REVIEW, Status.REJECTED),
)

_TARGETS: dict[tuple[Action, Status], Status] = {
    (t.action, t.source): t.target for t in TRANSITIONS
}

#: Actions taken by the department's officers; the rest are approvers' decisions.
OFFICER_ACTIONS = frozenset({Action.EDIT, Action.SUBMIT, Action.RESUBMIT, Action.WITHDRAW})


# Refusals ------------------------------------------------------------------------------


class Refusal(Exception):
    """A move the rules do not allow. `code` is stable: screens and the API map it."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(Refusal):
    """The actor may not do this to this request (403)."""

    code = "not_permitted"


class NotYourDepartment(NotPermitted):
    code = "not_your_department"


class NotYourStage(NotPermitted):
    code = "not_your_stage"


class OwnRequest(NotPermitted):
    code = "own_request"


class SecondStage(NotPermitted):
    code = "second_stage"


class AlreadyDecided(NotPermitted):
    """The person has already decided this stage of this revision (a quorum counts each
    person once, whether they decided themselves or through a delegate)."""

    code = "already_decided"


class NotNamedApprover(NotPermitted):
    """The stage's quorum is a named set of people, and the signer is not one of them."""

    code = "not_named_approver"


class InactiveUser(NotPermitted):
    code = "inactive_user"


class RetiredDepartment(NotPermitted):
    """The actor's department has been retired: it starts no new requests."""

    code = "retired_department"


class InvalidTransition(Refusal):
    """The request's status does not allow this move (409)."""

    code = "invalid_transition"


class StaleRequest(Refusal):
    """The request moved on since the actor saw it (409): someone else acted first."""

    code = "stale_request"


class ReasonRequired(Refusal):
    code = "reason_required"


class ConditionsRequired(Refusal):
    code = "conditions_required"


class InvalidContent(Refusal):
    """Content that cannot be saved or submitted; `errors` maps field to message."""

    code = "invalid_content"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InvalidPipeline(Refusal):
    code = "invalid_pipeline"


# The shapes the checks need (the models satisfy them) -----------------------------------


class ActorLike(Protocol):
    id: int
    active: bool
    department_id: int | None

    def has_role(self, role: object) -> bool: ...

    def can_sign(self, stage_code: str) -> bool: ...


class DecisionLike(Protocol):
    approver_id: int
    stage_code: str
    #: The approver this decision was taken for, by their delegate; None: their own.
    on_behalf_of_id: int | None
    revision_id: int


class RequestLike(Protocol):
    status: str
    version: int
    department_id: int
    requester_id: int
    current_stage: str | None


class RevisionLike(Protocol):
    @property
    def submitted_by_id(self) -> int: ...


class FiledLike(Protocol):
    @property
    def requester_id(self) -> int: ...

    @property
    def revisions(self) -> Sequence[RevisionLike]: ...


# The rules ------------------------------------------------------------------------------


def filers_of(request: FiledLike) -> set[int]:
    """Everyone who filed this request: its creator and whoever (re)submitted it."""
    return {request.requester_id} | {rev.submitted_by_id for rev in request.revisions}


def target_status(action: Action, status: Status | str) -> Status:
    """Where `action` takes a request in `status`, or raise InvalidTransition."""
    status = Status(status)
    try:
        return _TARGETS[(action, status)]
    except KeyError:
        raise InvalidTransition(
            f"A request that is {STATUS_LABELS[status].lower()} cannot be {ACTION_PAST[action]}"
        ) from None


def allowed_actions(status: Status | str) -> frozenset[Action]:
    status = Status(status)
    return frozenset(action for action, source in _TARGETS if source == status)


def check_active(actor: ActorLike) -> None:
    if not actor.active:
        raise InactiveUser("This account has been deactivated")


def check_officer_action(actor: ActorLike, request: RequestLike, action: Action) -> Status:
    """Raise unless `actor` may take officer `action` now; return the new status."""
    check_active(actor)
    if not actor.has_role(Role.OFFICER) or actor.department_id != request.department_id:
        raise NotYourDepartment("Only officers of the request's department can do this")
    return target_status(action, request.status)


def check_expected_version(request: RequestLike, version: int | None) -> None:
    """Refuse an action based on a view of the request that is no longer current."""
    if version is not None and version != request.version:
        raise StaleRequest(
            "This request has changed since you opened it. Reload it to see what changed"
        )


def decision_action(
    outcome: Outcome, stage: str, pipeline: Sequence[str], *, stage_complete: bool = True
) -> Action:
    """The move a decision with `outcome` at `stage` makes along `pipeline`.
    `stage_complete`: whether an approval makes the stage's quorum."""
    if outcome.approves:
        if not stage_complete:
            return Action.APPROVE_IN_PART
        return Action.APPROVE_FINAL if stage == pipeline[-1] else Action.APPROVE_STAGE
    return Action.REQUEST_CHANGES if outcome is Outcome.REQUEST_CHANGES else Action.REJECT


def next_stage(stage: str, pipeline: Sequence[str]) -> str | None:
    index = list(pipeline).index(stage)
    return pipeline[index + 1] if index + 1 < len(pipeline) else None


def people_of(decision: DecisionLike) -> set[int]:
    """Who a decision binds: its approver, and the person they decided for, if any."""
    people = {decision.approver_id}
    if decision.on_behalf_of_id is not None:
        people.add(decision.on_behalf_of_id)
    return people


def check_can_decide(
    actor: ActorLike,
    request: RequestLike,
    *,
    filers: Iterable[int],
    decisions: Iterable[DecisionLike],
    stage: str | None = None,
    version: int | None = None,
    rule: StepRule | None = None,
    revision_id: int | None = None,
    on_behalf_of: ActorLike | None = None,
) -> None:
    """Raise unless `actor` may decide `request`'s current stage now.

    `filers` are the people who created or (re)submitted it; `decisions` are all its
    decisions so far, across revisions. `stage` and `version` are what the actor saw: if
    the request has moved on since, the decision is refused as stale. `rule` is the
    current stage's quorum in the request's pipeline version and `revision_id` the
    revision being decided: a named set admits only its people, and nobody counts twice
    towards one stage of one revision. `on_behalf_of`: the approver whose delegate
    `actor` is (app.operations.delegations checks the delegation): the stage, the named
    set and separation of duties are asked of them, and separation of duties of both.
    """
    check_active(actor)
    if on_behalf_of is not None:
        check_active(on_behalf_of)
    if Status(request.status) is not Status.IN_REVIEW:
        if version is not None and version != request.version:
            raise StaleRequest("Someone else has already acted on this request")
        raise InvalidTransition("This request is not waiting for a decision")
    if (stage is not None and stage != request.current_stage) or (
        version is not None and version != request.version
    ):
        raise StaleRequest(
            "Someone else has already decided this stage. Reload the request to see it"
        )
    current = request.current_stage
    assert current is not None
    signer = on_behalf_of or actor
    covering = on_behalf_of is not None
    if not signer.can_sign(current):
        raise NotYourStage(
            "The person you cover for cannot sign this stage"
            if covering
            else "You cannot sign this stage"
        )
    if rule is not None and rule.approvers and signer.id not in rule.approvers:
        raise NotNamedApprover(
            "This stage needs named approvers, and the person you cover for is not one"
            if covering
            else "This stage needs named approvers, and you are not one of them"
        )
    people = {actor.id, signer.id}
    if people & set(filers):
        raise OwnRequest(
            "You cannot decide a request you or the person you cover for filed"
            if covering
            else "You cannot decide a request you filed"
        )
    decisions = list(decisions)
    if any(people & people_of(d) and d.stage_code != current for d in decisions):
        raise SecondStage(
            "You or the person you cover for have already decided another stage of this request"
            if covering
            else "You have already decided another stage of this request"
        )
    if revision_id is not None and any(
        people & people_of(d) and d.stage_code == current and d.revision_id == revision_id
        for d in decisions
    ):
        raise AlreadyDecided(
            "You or the person you cover for have already decided this stage; it waits "
            "for the rest of its quorum"
            if covering
            else "You have already decided this stage; it waits for the rest of its quorum"
        )


def check_decision_text(outcome: Outcome, reason: str, conditions: str) -> None:
    check_text_length("reason", "Reason", reason)
    check_text_length("conditions", "Conditions", conditions)
    if outcome in (Outcome.REJECT, Outcome.REQUEST_CHANGES) and not reason.strip():
        raise ReasonRequired("Enter the reason for your decision")
    if outcome is Outcome.APPROVE_WITH_CONDITIONS and not conditions.strip():
        raise ConditionsRequired("Enter the conditions of your approval")


#: Longest reason or set of conditions a person may give, in characters.
REASON_MAX = 5000

#: The target a stage has for its decision unless its pipeline step says otherwise, in
#: working days (app.deadlines).
DEFAULT_TARGET_WORKING_DAYS = 5


def name_refusal(label: str, value: str, limit: int) -> str | None:
    """What is wrong with a one-line name (a person's, a department's, a platform's):
    empty, over `limit`, or holding a control character (a line break, a tab, NUL ...);
    None when it will do."""
    if not value.strip():
        return f"Enter the {label.lower()}"
    if len(value) > limit:
        return too_long(label, limit)
    if has_any_control_character(value):
        return one_line_refusal(label)
    return None


def too_long(label: str, limit: int) -> str:
    """The refusal of text over its limit, every form and operation's words for it, the
    number written as the character count writes it: "Purpose must be 5,000 characters
    or fewer"."""
    return f"{label} must be {limit:,} characters or fewer"


def check_text_length(field: str, label: str, value: str, limit: int = REASON_MAX) -> None:
    """Refuse free text that is too long or holds control characters."""
    if len(value) > limit:
        raise InvalidContent({field: too_long(label, limit)})
    if has_control_characters(value):
        raise InvalidContent({field: f"{label} must not contain control characters"})


class Quorum(enum.StrEnum):
    """How many of a stage's approvers must approve before the next stage decides."""

    #: Any one person who holds the stage.
    ANY_ONE = "any_one"
    #: N distinct people of a named set of M.
    N_OF_M = "n_of_m"
    #: Every person of a named set.
    ALL_OF = "all_of"


QUORUM_LABELS: dict[Quorum, str] = {
    Quorum.ANY_ONE: "Any one of the stage's approvers",
    Quorum.N_OF_M: "A number of named approvers",
    Quorum.ALL_OF: "All of the named approvers",
}

#: The longest target a stage may have, in working days (about three months).
TARGET_MAX = 60


@dataclass(frozen=True)
class StepRule:
    """One stage of a pipeline version: who signs, how many must, and how soon."""

    stage: str
    quorum: Quorum = Quorum.ANY_ONE
    #: Distinct approvals the stage needs: 1 for any one, N for N of M, M for all of.
    required: int = 1
    #: The named set's user ids; empty for any one.
    approvers: frozenset[int] = frozenset()
    target_working_days: int = DEFAULT_TARGET_WORKING_DAYS

    def describe(self, names: Sequence[str] = ()) -> str:
        """The quorum in words: "Any one approver", "2 of 3 named approvers" ..."""
        who = f": {', '.join(names)}" if names else ""
        if self.quorum is Quorum.ANY_ONE:
            return "Any one approver"
        if self.quorum is Quorum.ALL_OF:
            return f"All {len(self.approvers)} named approvers{who}"
        return f"{self.required} of {len(self.approvers)} named approvers{who}"


def approvals_counted(decisions: Iterable[DecisionLike], stage: str, revision_id: int) -> set[int]:
    """The distinct people whose approval counts at `stage` of revision `revision_id`:
    a delegate's approval counts for the person they covered for, once. Every decision
    on a stage still deciding is an approval: any other outcome ends the review."""
    return {
        d.on_behalf_of_id if d.on_behalf_of_id is not None else d.approver_id
        for d in decisions
        if d.stage_code == stage and d.revision_id == revision_id
    }


def check_steps(steps: Sequence[StepRule], stage_names: dict[str, str]) -> None:
    """Refuse a pipeline that cannot work, naming the step and field at fault
    (`steps-0-required` ..., the form's field names): none, a stage twice, a quorum
    larger than its named set, a named set left empty, a target out of range."""
    if not steps:
        raise InvalidContent({"steps": "A pipeline needs at least one stage"})
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        field = f"steps-{index}"
        name = stage_names.get(step.stage)
        if name is None:
            errors[f"{field}-stage"] = f"Stage {index + 1}: choose a stage"
            continue
        if step.stage in seen:
            errors[f"{field}-stage"] = (
                f"Stage {index + 1}: {name} is already stage {seen[step.stage] + 1}. "
                "A stage can appear only once in a pipeline"
            )
        seen.setdefault(step.stage, index)
        named = len(step.approvers)
        if step.quorum is not Quorum.ANY_ONE and named == 0:
            errors[f"{field}-approvers"] = (
                f"Stage {index + 1}: name the approvers the quorum counts"
            )
        elif step.quorum is Quorum.N_OF_M and not 1 <= step.required <= named:
            errors[f"{field}-required"] = (
                f"Stage {index + 1}: the number of approvals must be between 1 and "
                f"{named}, the number of named approvers"
            )
        if not 1 <= step.target_working_days <= TARGET_MAX:
            errors[f"{field}-target_working_days"] = (
                f"Stage {index + 1}: the target must be between 1 and {TARGET_MAX} working days"
            )
    if errors:
        raise InvalidContent(errors)


def check_pipeline(stage_codes: Sequence[str]) -> None:
    if not stage_codes:
        raise InvalidPipeline("A platform's pipeline needs at least one stage")
    if len(set(stage_codes)) != len(stage_codes):
        raise InvalidPipeline("A stage can appear only once in a pipeline")


# Words for people -----------------------------------------------------------------------

STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: "Draft",
    Status.IN_REVIEW: "In review",
    Status.CHANGES_REQUESTED: "Changes requested",
    Status.APPROVED: "Approved",
    Status.REJECTED: "Rejected",
    Status.WITHDRAWN: "Withdrawn",
}

KIND_LABELS: dict[RequestKind, str] = {
    RequestKind.NEW_ACCOUNT: "Open a new account",
    RequestKind.REACTIVATE_ACCOUNT: "Reactivate an existing dormant account",
    RequestKind.PAID_ADVERTISING: "Paid advertising without an account of our own",
}

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.APPROVE: "Approve",
    Outcome.APPROVE_WITH_CONDITIONS: "Approve with conditions",
    Outcome.REQUEST_CHANGES: "Request changes",
    Outcome.REJECT: "Reject",
}

ACTION_PAST: dict[Action, str] = {
    Action.EDIT: "edited",
    Action.SUBMIT: "submitted",
    Action.RESUBMIT: "resubmitted",
    Action.WITHDRAW: "withdrawn",
    Action.APPROVE_STAGE: "approved",
    Action.APPROVE_FINAL: "approved",
    Action.APPROVE_IN_PART: "approved",
    Action.REQUEST_CHANGES: "sent back for changes",
    Action.REJECT: "rejected",
}
