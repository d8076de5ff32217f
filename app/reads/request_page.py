"""The request page's contents, for everyone who may see the request
(`app.rules.access.can_view`): built here, drawn by the requests screen's page and, with
a decision form, by the review screen's decide page.

What was asked, where each approval stage stands for the current revision, the conditions
attached, and the request's whole history from its audit events. A request sent back for
changes says so at the top, with the approver's reason. Officers of the department see
their next steps; approvers see a call to decide or why they may not; auditors and admins
only read. The links it holds are built with `url_for`, so it is built while a request is
answered; the templates/requests/_detail_*.html partials draw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from app.deadlines.clock import london_today
from app.extensions import db
from app.models.platforms import Stage
from app.models.requests import AccessRequest, Decision
from app.models.users import User
from app.reads.account_panel import AccountPanel, account_panel
from app.reads.delegations import covering_for
from app.reads.request_history import FIELD_LABELS, history_items, multiline
from app.rules.content import CONTENT_FIELDS
from app.rules.formatting import (
    WITH_CONDITIONS_LABEL,
    WITH_CONDITIONS_TAG_CLASS,
    shown_answer,
    uk_date,
    uk_datetime,
)
from app.rules.roles import Role
from app.rules.workflow import (
    Action,
    InvalidTransition,
    Outcome,
    Refusal,
    StaleRequest,
    Status,
    StepRule,
    approvals_counted,
    check_can_decide,
    check_officer_action,
)

# What the page shows ----------------------------------------------------------------

#: A stage's state for the current revision: the words and the GOV.UK tag colour.
DECIDED_STATES: dict[Outcome, tuple[str, str]] = {
    Outcome.APPROVE: ("Approved", "govuk-tag--green"),
    Outcome.APPROVE_WITH_CONDITIONS: (WITH_CONDITIONS_LABEL, WITH_CONDITIONS_TAG_CLASS),
    Outcome.REQUEST_CHANGES: ("Changes requested", "govuk-tag--yellow"),
    Outcome.REJECT: ("Rejected", "govuk-tag--red"),
}
WAITING = ("Waiting for decision", "govuk-tag--blue")
NOT_STARTED = ("Not started yet", "govuk-tag--grey")
NOT_NEEDED = ("Not needed", "govuk-tag--grey")


@dataclass(frozen=True)
class StageState:
    code: str
    name: str
    label: str
    tag_classes: str
    #: Its decisions on the current revision, first first: several when its quorum
    #: needs more than one approval.
    decisions: tuple[Decision, ...] = ()
    #: Its quorum in words: "Any one approver", "2 of 3 named approvers: ...".
    quorum: str = ""

    @property
    def decision(self) -> Decision | None:
        """The decision that settled it, or the latest so far."""
        return self.decisions[-1] if self.decisions else None

    @property
    def summary(self) -> Markup:
        """Its quorum, then each decision counted: who (and for whom), when; a line each."""
        lines = [self.quorum] + [
            f"{self.signed(d)}, {uk_datetime(d.decided_at)}" for d in self.decisions
        ]
        return Markup("<br>").join(escape(line) for line in lines if line)

    def signed(self, decision: Decision) -> str:
        """Who took `decision`: "Ann Approver", or "Dee Delegate on behalf of Ann"."""
        name = decision.approver.display_name
        if decision.on_behalf_of is not None:
            return f"{name} on behalf of {decision.on_behalf_of.display_name}"
        return name


@dataclass(frozen=True)
class ConditionsNote:
    stage: str
    approver: str
    decided_at: datetime
    html: Markup


@dataclass(frozen=True)
class ChangesRequestedNote:
    """Why the request was sent back, shown at the top of the page until it is resubmitted."""

    stage: str
    decided_at: datetime
    #: The approver's reason, escaped, its line breaks kept.
    reason: Markup
    #: Where an officer of the department answers it; None for everyone else.
    answer_href: str | None


@dataclass(frozen=True)
class DeadlineNote:
    """When the stage now deciding is expected to decide (docs/deadlines.md)."""

    stage: str
    due_on: date
    #: Past the due date: overdue since the day after it.
    overdue: bool

    @property
    def overdue_since(self) -> date:
        return self.due_on + timedelta(days=1)


@dataclass(frozen=True)
class ActionLink:
    text: str
    href: str
    classes: str = ""


@dataclass
class RequestPage:
    request: AccessRequest
    #: govukSummaryList rows: who asked, for what platform, when.
    about: list[dict[str, Any]]
    #: govukSummaryList rows: the content, latest values.
    answers: list[dict[str, Any]]
    stages: list[StageState]
    #: Approvals with conditions on the current revision.
    conditions: list[ConditionsNote]
    #: While the status is changes_requested: which stage sent it back, and why.
    changes_requested: ChangesRequestedNote | None = None
    #: moj_timeline items, newest first (empty when not asked for).
    history: list[dict[str, Any]] = field(default_factory=list)
    #: What an officer of the department can do next.
    officer_actions: list[ActionLink] = field(default_factory=list)
    #: For approvers: True if they may decide now, else `refusal` says why.
    is_approver: bool = False
    refusal: Refusal | None = None
    #: The absent approver in whose name this person would decide (a delegation).
    on_behalf_of: User | None = None
    #: Once approved: the account's life after approval.
    account: AccountPanel | None = None

    @property
    def waiting_for(self) -> str | None:
        """The name of the stage that must decide next, while in review."""
        if Status(self.request.status) is not Status.IN_REVIEW:
            return None
        current = self.request.current_stage
        return next((s.name for s in self.stages if s.code == current), None)

    @property
    def deadline(self) -> DeadlineNote | None:
        """When the stage waiting is expected to decide; None if none is, or its clock has
        not started yet (`sla tick` starts it)."""
        due_on, stage = self.request.stage_due_on, self.waiting_for
        if due_on is None or stage is None:
            return None
        return DeadlineNote(stage, due_on, overdue=london_today() > due_on)


def request_page(
    request: AccessRequest,
    user: User,
    *,
    with_history: bool = True,
    covering: Sequence[User] | None = None,
) -> RequestPage:
    """Everything the request page shows `user`, in a fixed number of queries.
    `covering`: whom they cover for today, if the caller has read it already."""
    names = stage_names()
    stages = stage_states(request, names)
    page = RequestPage(
        request=request,
        about=about_rows(request),
        answers=answer_rows(request),
        stages=stages,
        # Conditions accumulate: every approver's, at every stage, on this revision.
        conditions=[
            ConditionsNote(s.name, s.signed(d), d.decided_at, multiline(d.conditions))
            for s in stages
            for d in s.decisions
            if d.outcome == Outcome.APPROVE_WITH_CONDITIONS
        ],
        changes_requested=changes_requested_note(request, user, stages),
        history=history_items(request, names) if with_history else [],
        officer_actions=officer_actions(request, user),
        account=account_panel(request, user),
    )
    if user.has_role(Role.APPROVER):
        page.is_approver = True
        if covering is None:
            covering = covering_for(user)
        page.on_behalf_of, page.refusal = decide_as(user, request, covering=covering)
    return page


def decision_refusal(
    user: User,
    request: AccessRequest,
    *,
    stage: str | None = None,
    version: int | None = None,
    covering: Sequence[User] = (),
) -> Refusal | None:
    """Why `user` may not decide `request`'s current stage now, or None if they may
    (as themselves, or for one of `covering`, the people they cover for today)."""
    return decide_as(user, request, stage=stage, version=version, covering=covering)[1]


def decide_as(
    user: User,
    request: AccessRequest,
    *,
    stage: str | None = None,
    version: int | None = None,
    covering: Sequence[User] = (),
) -> tuple[User | None, Refusal | None]:
    """In whose name `user` may decide `request`'s current stage now: (None, None) as
    themselves; (someone, None) on behalf of one of `covering`; (None, refusal) if
    neither, with the refusal of deciding as themselves.

    `stage` and `version` are what the person saw, when they send a decision: a request
    that has moved on since is refused as stale.
    """
    checks = {**request.decision_facts(), "stage": stage, "version": version}
    try:
        check_can_decide(user, request, **checks)
    except Refusal as refusal:
        own = refusal
    else:
        return None, None
    if isinstance(own, (StaleRequest, InvalidTransition)):
        return None, own
    for absent in covering:
        try:
            check_can_decide(user, request, on_behalf_of=absent, **checks)
        except Refusal:
            continue
        return absent, None
    return None, own


def stage_names() -> dict[str, str]:
    """Every stage's name by code (a handful of rows: one query)."""
    return {code: name for code, name in db.session.execute(select(Stage.code, Stage.name))}


def stage_states(request: AccessRequest, names: dict[str, str]) -> list[StageState]:
    """Each stage of the request's pipeline version and where it stands on the current
    revision, with its quorum and the approvals counted so far."""
    revision = request.latest_revision
    status = Status(request.status)
    steps = {step.stage_code: step for step in request.steps}
    if revision is None:  # never submitted: the platform's pipeline, untouched
        pipeline, decided = [step.stage_code for step in request.steps], {}
    else:
        pipeline = list(revision.pipeline)
        decided = {}
        for d in request.decisions:
            if d.revision_id == revision.id:
                decided.setdefault(d.stage_code, []).append(d)
    states = []
    for code in pipeline:
        decisions = tuple(decided.get(code, ()))
        step = steps.get(code)
        rule = step.rule if step is not None else StepRule(code)
        named = [user.display_name for user in step.approvers] if step is not None else []
        counted = approvals_counted(decisions, code, revision.id) if revision else set()
        waiting = status is Status.IN_REVIEW and code == request.current_stage
        if decisions and not (waiting and len(counted) < rule.required):
            last = decisions[-1]
            outcome = Outcome(last.outcome)
            if outcome.approves and any(
                Outcome(d.outcome) is Outcome.APPROVE_WITH_CONDITIONS for d in decisions
            ):
                outcome = Outcome.APPROVE_WITH_CONDITIONS
            label, classes = DECIDED_STATES[outcome]
        elif waiting:
            label, classes = WAITING
            if rule.required > 1:
                label = f"Waiting: {len(counted)} of {rule.required} approvals"
        elif status in (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED):
            # Changes requested: every stage decides again once it is resubmitted.
            label, classes = NOT_STARTED
        else:
            label, classes = NOT_NEEDED
        states.append(
            StageState(code, names.get(code, code), label, classes, decisions, rule.describe(named))
        )
    return states


def about_rows(request: AccessRequest) -> list[dict[str, Any]]:
    revision = request.latest_revision
    rows = [
        ("Department", request.department.name),
        ("Platform", request.platform.name),
        ("Requested by", f"{request.requester.display_name} ({request.requester.email})"),
        ("Started", uk_date(request.created_at)),
    ]
    if request.submitted_at is not None:
        rows.append(("Last submitted", uk_datetime(request.submitted_at)))
    if revision is not None:
        rows.append(("Revision", str(revision.number)))
    return [_row(key, value) for key, value in rows]


def answer_rows(request: AccessRequest) -> list[dict[str, Any]]:
    return [
        _row(FIELD_LABELS[name], shown_answer(name, getattr(request, name)))
        for name in CONTENT_FIELDS
    ]


def _row(key: str, value: str | Markup) -> dict[str, Any]:
    shown = {"html": value} if isinstance(value, Markup) else {"text": value}
    return {"key": {"text": key}, "value": shown}


def changes_requested_note(
    request: AccessRequest, user: User, stages: list[StageState]
) -> ChangesRequestedNote | None:
    """The decision that sent the request back, while it waits for its officers' answer.

    It is on the current revision: a request is resubmitted as a new one.
    """
    if Status(request.status) is not Status.CHANGES_REQUESTED:
        return None
    for stage in stages:
        decision = stage.decision
        if decision is not None and decision.outcome == Outcome.REQUEST_CHANGES:
            return ChangesRequestedNote(
                stage=stage.name,
                decided_at=decision.decided_at,
                reason=multiline(decision.reason),
                answer_href=answer_changes_href(request, user),
            )
    return None


def answer_changes_href(request: AccessRequest, user: User) -> str | None:
    """Where `user` answers the changes asked for: the first question, as the "Answer
    changes requested" button; None unless they may edit the request."""
    if not _allowed(user, request, Action.EDIT):
        return None
    return url_for("requests.edit", reference=request.reference, section="account")


def _allowed(user: User, request: AccessRequest, action: Action) -> bool:
    try:
        check_officer_action(user, request, action)
    except Refusal:
        return False
    return True


def officer_actions(request: AccessRequest, user: User) -> list[ActionLink]:
    """The buttons an officer of the department gets, as the workflow allows them."""

    def allowed(action: Action) -> bool:
        return _allowed(user, request, action)

    def link(text: str, endpoint: str, classes: str = "", **values: Any) -> None:
        href = url_for(endpoint, reference=request.reference, **values)
        links.append(ActionLink(text, href, classes))

    links: list[ActionLink] = []
    answering = Status(request.status) is Status.CHANGES_REQUESTED
    if allowed(Action.EDIT):
        text = "Answer changes requested" if answering else "Continue editing"
        link(text, "requests.edit", section="account")
    if allowed(Action.SUBMIT) or allowed(Action.RESUBMIT):
        text = "Check and resubmit" if answering else "Check and submit"
        link(text, "requests.check", "govuk-button--secondary")
    if allowed(Action.WITHDRAW):
        link("Withdraw this request", "requests.withdraw", "govuk-button--warning")
    return links
