"""The rules of an approved account's life, after its request is approved.

Plain Python, beside `app.rules.workflow`, whose refusals it raises. An approved request
gets one account record, awaiting opening. Its department's officers record it opened,
confirm each condition with evidence, close it, and confirm its closure after a
revocation; Security reviews it; Security or Cabinet Office suspend, reinstate and revoke
it; `lifecycle tick` expires it after the end date its request asked for.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from app.rules.content import HANDLE_MAX, SHORT_TEXT_MAX
from app.rules.roles import Role
from app.rules.workflow import (
    ActorLike,
    InvalidContent,
    InvalidTransition,
    NotPermitted,
    NotYourDepartment,
    NotYourStage,
    OwnRequest,
    SecondStage,
    StaleRequest,
    check_active,
    check_text_length,
    name_refusal,
)


class AccountStatus(enum.StrEnum):
    #: Approved; the officers have not yet said the account is open.
    AWAITING_OPENING = "awaiting_opening"
    OPEN = "open"
    SUSPENDED = "suspended"
    #: Permission withdrawn; the officers then confirm it was closed or handed over.
    REVOKED = "revoked"
    #: The department ended it itself.
    CLOSED = "closed"
    #: The end date its request asked for has passed.
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in (AccountStatus.REVOKED, AccountStatus.CLOSED, AccountStatus.EXPIRED)


class AccountAction(enum.StrEnum):
    RECORD_OPENING = "record_opening"
    CONFIRM_CONDITION = "confirm_condition"
    CONFIRM_REVIEW = "confirm_review"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    CONFIRM_CLOSURE = "confirm_closure"
    CLOSE = "close"
    EXPIRE = "expire"


class Actor(enum.Enum):
    """Who takes an action: the department's officers, an oversight stage, the clock."""

    OFFICERS = "officers"
    #: People who sign the Security or the Cabinet Office stage.
    OVERSIGHT = "oversight"
    #: People who sign the Security stage.
    SECURITY = "security"
    SYSTEM = "system"


#: The stages whose approvers oversee approved accounts: suspend, reinstate, revoke.
OVERSIGHT_STAGES = ("security", "cabinet_office")
#: The stage whose approvers review approved accounts.
REVIEW_STAGE = "security"

_LIVE = (AccountStatus.AWAITING_OPENING, AccountStatus.OPEN, AccountStatus.SUSPENDED)
_RUNNING = (AccountStatus.OPEN, AccountStatus.SUSPENDED)


@dataclass(frozen=True)
class AccountMove:
    action: AccountAction
    sources: tuple[AccountStatus, ...]
    #: None: the status stays as it is.
    target: AccountStatus | None
    actor: Actor


#: Every move an approved account can make. Anything not listed here is refused.
ACCOUNT_MOVES: dict[AccountAction, AccountMove] = {
    move.action: move
    for move in (
        AccountMove(
            AccountAction.RECORD_OPENING,
            (AccountStatus.AWAITING_OPENING,),
            AccountStatus.OPEN,
            Actor.OFFICERS,
        ),
        AccountMove(AccountAction.CONFIRM_CONDITION, _LIVE, None, Actor.OFFICERS),
        AccountMove(AccountAction.CONFIRM_REVIEW, _RUNNING, None, Actor.SECURITY),
        AccountMove(
            AccountAction.SUSPEND, (AccountStatus.OPEN,), AccountStatus.SUSPENDED, Actor.OVERSIGHT
        ),
        AccountMove(
            AccountAction.REINSTATE, (AccountStatus.SUSPENDED,), AccountStatus.OPEN, Actor.OVERSIGHT
        ),
        AccountMove(AccountAction.REVOKE, _LIVE, AccountStatus.REVOKED, Actor.OVERSIGHT),
        AccountMove(AccountAction.CONFIRM_CLOSURE, (AccountStatus.REVOKED,), None, Actor.OFFICERS),
        AccountMove(AccountAction.CLOSE, _LIVE, AccountStatus.CLOSED, Actor.OFFICERS),
        AccountMove(AccountAction.EXPIRE, _LIVE, AccountStatus.EXPIRED, Actor.SYSTEM),
    )
}


class AccountLike(Protocol):
    status: str
    version: int

    @property
    def closure_confirmed(self) -> bool:
        """Whether the officers confirmed a revoked account was closed or handed over."""
        ...

    @property
    def department_id(self) -> int: ...


class NotOversight(NotPermitted):
    code = "not_oversight"


ACCOUNT_STATUS_LABELS: dict[AccountStatus, str] = {
    AccountStatus.AWAITING_OPENING: "Not opened yet",
    AccountStatus.OPEN: "Open",
    AccountStatus.SUSPENDED: "Suspended",
    AccountStatus.REVOKED: "Revoked",
    AccountStatus.CLOSED: "Closed",
    AccountStatus.EXPIRED: "Expired",
}

#: The GOV.UK tag colour of each status.
ACCOUNT_STATUS_TAGS: dict[AccountStatus, str] = {
    AccountStatus.AWAITING_OPENING: "govuk-tag--blue",
    AccountStatus.OPEN: "govuk-tag--green",
    AccountStatus.SUSPENDED: "govuk-tag--orange",
    AccountStatus.REVOKED: "govuk-tag--red",
    AccountStatus.CLOSED: "govuk-tag--grey",
    AccountStatus.EXPIRED: "govuk-tag--grey",
}

_PAST: dict[AccountAction, str] = {
    AccountAction.RECORD_OPENING: "recorded as opened",
    AccountAction.CONFIRM_CONDITION: "have its conditions confirmed",
    AccountAction.CONFIRM_REVIEW: "reviewed",
    AccountAction.SUSPEND: "suspended",
    AccountAction.REINSTATE: "reinstated",
    AccountAction.REVOKE: "revoked",
    AccountAction.CONFIRM_CLOSURE: "confirmed as closed",
    AccountAction.CLOSE: "closed",
    AccountAction.EXPIRE: "expired",
}

#: Longest live handle or web address recorded, in characters.
URL_MAX = 500
#: Longest note, reason or statement of evidence, in characters.
NOTE_MAX = 2000


def may_act(actor: ActorLike, who: Actor, department_id: int) -> bool:
    """Whether `actor` is among `who` for an account of `department_id`."""
    if not actor.active:
        return False
    if who is Actor.OFFICERS:
        return actor.has_role(Role.OFFICER) and actor.department_id == department_id
    if not actor.has_role(Role.APPROVER):
        return False
    if who is Actor.SECURITY:
        return actor.can_sign(REVIEW_STAGE)
    if who is Actor.OVERSIGHT:
        return any(actor.can_sign(stage) for stage in OVERSIGHT_STAGES)
    return False


def check_account_action(
    actor: ActorLike | None,
    account: AccountLike,
    action: AccountAction,
    *,
    version: int | None = None,
) -> AccountStatus:
    """Raise unless `actor` (None: the system) may take `action` on `account` now, seen
    at `version`; return the status it leaves the account in."""
    move = ACCOUNT_MOVES[action]
    if move.actor is Actor.SYSTEM:
        if actor is not None:
            raise NotPermitted("Only the service does this, on the account's end date")
    else:
        if actor is None:
            raise NotPermitted("A person must do this")
        check_active(actor)
        if not may_act(actor, move.actor, account.department_id):
            raise _refusal(move.actor)
    if version is not None and version != account.version:
        raise StaleRequest(
            "This account's record has changed since you opened it. Reload the request "
            "to see what changed"
        )
    status = AccountStatus(account.status)
    if status not in move.sources or (
        action is AccountAction.CONFIRM_CLOSURE and account.closure_confirmed
    ):
        raise InvalidTransition(
            f"An account that is {ACCOUNT_STATUS_LABELS[status].lower()} cannot be {_PAST[action]}"
        )
    return move.target or status


def allowed_account_actions(actor: ActorLike, account: AccountLike) -> list[AccountAction]:
    """The actions `actor` may take on `account` now, in ACCOUNT_MOVES order."""
    allowed = []
    for action, move in ACCOUNT_MOVES.items():
        if move.actor is Actor.SYSTEM:
            continue
        try:
            check_account_action(actor, account, action)
        except (NotPermitted, InvalidTransition):
            continue
        allowed.append(action)
    return allowed


def _refusal(who: Actor) -> NotPermitted:
    if who is Actor.OFFICERS:
        return NotYourDepartment("Only officers of the account's department can do this")
    if who is Actor.SECURITY:
        return NotOversight("Only Security approvers review approved accounts")
    return NotOversight("Only Security or Cabinet Office approvers can do this")


def check_note(field: str, label: str, value: str, *, required: bool) -> str:
    """The note, reason or evidence given, tidied; refused when missing or too long."""
    value = value.strip()
    if required and not value:
        raise InvalidContent({field: f"Enter {label.lower()}"})
    check_text_length(field, label, value, NOTE_MAX)
    return value


def check_opening(
    handle: str, url: str, opened_on: date | None, owner: str, *, today: date
) -> None:
    """Refuse an opening record that leaves something out or dates it in the future."""
    errors: dict[str, str] = {}
    for field, label, value, limit in (
        ("handle", "Handle", handle, HANDLE_MAX),
        ("owner", "Owner", owner, SHORT_TEXT_MAX),
    ):
        refusal = name_refusal(label, value, limit)
        if refusal is not None:
            errors[field] = refusal
    if url and (not url.startswith(("https://", "http://")) or any(c.isspace() for c in url)):
        errors["url"] = "Enter the web address starting https://, or leave it blank"
    elif len(url) > URL_MAX:
        errors["url"] = f"The web address must be {URL_MAX:,} characters or fewer"
    if opened_on is None:
        errors["opened_on"] = "Enter the date the account was opened"
    elif opened_on > today:
        errors["opened_on"] = "The date opened must be today or in the past"
    if errors:
        raise InvalidContent(errors)


def next_review(after: date, ends_on: date | None) -> date | None:
    """An account's next review a year after `after`, unless it ends before then."""
    try:
        due = after.replace(year=after.year + 1)
    except ValueError:  # 29 February
        due = after.replace(year=after.year + 1, day=28)
    if ends_on is not None and ends_on < due:
        return None
    return due


# Changes to an approved account --------------------------------------------------------


class ChangeStatus(enum.StrEnum):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


CHANGE_STATUS_LABELS: dict[ChangeStatus, str] = {
    ChangeStatus.IN_REVIEW: "In review",
    ChangeStatus.APPROVED: "Approved",
    ChangeStatus.REJECTED: "Rejected",
}

#: What a change may change, and how each reads.
CHANGE_FIELDS: dict[str, str] = {"handle": "Handle", "owner": "Owner", "purpose": "Purpose"}

#: The stages a platform's account changes go through unless an admin chooses others.
DEFAULT_CHANGE_PIPELINE = ("security",)


class ChangeLike(Protocol):
    status: str
    version: int
    current_stage: str | None
    filed_by_id: int


class ChangeDecisionLike(Protocol):
    approver_id: int
    stage_code: str


def check_can_file_change(
    actor: ActorLike, account: AccountLike, *, pending: bool, changes: dict[str, str]
) -> None:
    """Refuse a change the officers may not ask for now: not theirs, an account that is
    not open or suspended, one already in review, or nothing that changes."""
    check_active(actor)
    if not may_act(actor, Actor.OFFICERS, account.department_id):
        raise _refusal(Actor.OFFICERS)
    status = AccountStatus(account.status)
    if status not in _RUNNING:
        raise InvalidTransition(
            f"An account that is {ACCOUNT_STATUS_LABELS[status].lower()} cannot be changed"
        )
    if pending:
        raise InvalidTransition("A change to this account is already waiting for a decision")
    if not changes:
        raise InvalidContent({"handle": "Change at least one of the handle, owner or purpose"})


def check_can_decide_change(
    actor: ActorLike,
    change: ChangeLike,
    *,
    stage: str,
    version: int,
    decisions: Sequence[ChangeDecisionLike],
) -> None:
    """Refuse a decision on `change`'s current stage that the rules do not allow: as for
    a request, nobody decides a change they filed, nor signs two of its stages."""
    check_active(actor)
    if ChangeStatus(change.status) is not ChangeStatus.IN_REVIEW:
        raise InvalidTransition("This change is not waiting for a decision")
    if stage != change.current_stage or version != change.version:
        raise StaleRequest("Someone else has already decided this stage. Reload to see it")
    if not actor.has_role(Role.APPROVER) or not actor.can_sign(stage):
        raise NotYourStage("You cannot sign this stage")
    if actor.id == change.filed_by_id:
        raise OwnRequest("You cannot decide a change you asked for")
    if any(d.approver_id == actor.id and d.stage_code != stage for d in decisions):
        raise SecondStage("You have already decided another stage of this change")


def check_decides_now(
    actor: ActorLike, change: ChangeLike, decisions: Sequence[ChangeDecisionLike]
) -> None:
    """check_can_decide_change for `change` as it stands: its own stage and version (a
    page offering the decision, or a visit to it)."""
    check_can_decide_change(
        actor,
        change,
        stage=change.current_stage or "",
        version=change.version,
        decisions=decisions,
    )
