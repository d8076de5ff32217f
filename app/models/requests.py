"""Access requests, the revisions submitted for approval, and the decisions on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Exists,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from app.extensions import Model
from app.models.accounts import ApprovedAccount
from app.models.departments import Department
from app.models.platforms import PipelineStage, PipelineVersion, Platform, Stage
from app.models.types import UTCDateTime, utcnow
from app.models.users import User
from app.rules.content import HANDLE_MAX, SHORT_TEXT_MAX
from app.rules.workflow import Outcome, Status, filers_of


class AccessRequest(Model):
    """A department's request to use a restricted platform.

    The content fields are what an officer fills in; `status`, `current_stage` and
    `version` belong to the workflow (`app.rules.workflow`) and change only through an
    operation in `app.operations`.
    """

    __tablename__ = "access_requests"
    __table_args__ = (
        # A department's lists read a page of rows in the order they show, however many
        # the department has: the API's newest first, the officers' screen by last change.
        Index("ix_access_requests_department_id_id", "department_id", "id"),
        Index(
            "ix_access_requests_department_id_updated_at_id", "department_id", "updated_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human reference, such as PRQ-2026-00042: the year filed and a number within it.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: Indexed with id and with updated_at (above), which serve a search by it alone too.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    #: The officer who created it.
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    # What the officer fills in.
    #: new_account, reactivate_account or paid_advertising (`app.rules.workflow.RequestKind`).
    kind: Mapped[str] = mapped_column(String(32))
    #: Proposed handle (new account) or the existing one (reactivation).
    account_handle: Mapped[str] = mapped_column(String(HANDLE_MAX), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    target_audience: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    senior_responsible_owner: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX), default="")
    account_managers: Mapped[str] = mapped_column(Text, default="")
    #: How the standalone device is provided, kept and secured.
    device_arrangement: Mapped[str] = mapped_column(Text, default="")
    #: The officer attests the app will not be installed on a government device.
    device_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    dpia_reference: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX), default="")
    #: Paid advertising budget in whole pounds; None when no advertising is planned.
    ad_budget_pounds: Mapped[int | None] = mapped_column(Integer)
    risk_mitigations: Mapped[str] = mapped_column(Text, default="")

    # Workflow state.
    #: `app.rules.workflow.Status` value.
    status: Mapped[str] = mapped_column(String(32), index=True)
    #: The stage that must decide next, while in review.
    current_stage: Mapped[str | None] = mapped_column(ForeignKey("stages.code"), index=True)
    #: The pipeline version it was first submitted under, kept through every revision;
    #: None until then (a draft takes the platform's current version when submitted).
    pipeline_version_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_versions.id"))
    #: Changes on every transition and edit: a decision names the version it saw.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When the current revision was (re)submitted; None for drafts.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the stage now deciding started its clock: the moment the request reached it
    #: (app.deadlines.clock). None when no stage is deciding.
    stage_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The London date by which the stage now deciding is due to decide (docs/deadlines.md);
    #: None when no stage is deciding. Stored so that the approver queue sorts on it in SQL.
    stage_due_on: Mapped[date | None] = mapped_column(Date)

    department: Mapped[Department] = relationship(lazy="joined")
    platform: Mapped[Platform] = relationship(lazy="joined")
    requester: Mapped[User] = relationship(lazy="joined")
    stage: Mapped[Stage | None] = relationship(lazy="joined")
    pipeline_version: Mapped[PipelineVersion | None] = relationship()
    revisions: Mapped[list[RequestRevision]] = relationship(
        back_populates="request", order_by="RequestRevision.number"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="request", order_by="Decision.id"
    )
    #: Once approved: the account's life after approval (app.models.accounts).
    account: Mapped[ApprovedAccount | None] = relationship(back_populates="request")

    if TYPE_CHECKING:
        #: Whether an approval on the latest revision carries conditions: a column
        #: property set below, once Decision exists. Deferred: a list that shows it asks
        #: for it with `undefer(AccessRequest.conditions_attached)`, in the list's query.
        conditions_attached: Mapped[bool]

    @property
    def latest_revision(self) -> RequestRevision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def steps(self) -> list[PipelineStage]:
        """The stages it goes through: its own version's, or, before it is first
        submitted, the platform's current one."""
        version = self.pipeline_version or self.platform.pipeline_version
        return version.stages if version is not None else []

    def step(self, stage_code: str | None) -> PipelineStage | None:
        return next((s for s in self.steps if s.stage_code == stage_code), None)

    def decision_facts(self, stage_code: str | None = None) -> dict[str, Any]:
        """What `app.rules.workflow.check_can_decide` needs to know of this request, as
        its keyword arguments: who filed it, its decisions, the quorum of `stage_code`
        (the current stage by default) in its pipeline version, and the revision being
        decided. The decision, the request page and the notifications all ask with these."""
        revision = self.latest_revision
        step = self.step(stage_code or self.current_stage)
        return {
            "filers": filers_of(self),
            "decisions": self.decisions,
            "rule": step.rule if step is not None else None,
            "revision_id": revision.id if revision is not None else None,
        }

    @property
    def approved_with_conditions(self) -> bool:
        """Approved, with conditions attached by at least one stage of the revision
        approved: what the status shows as "Approved with conditions"."""
        return self.status == Status.APPROVED and self.conditions_attached

    def __repr__(self) -> str:
        return f"<AccessRequest {self.reference} {self.status}>"


class RequestRevision(Model):
    """The content exactly as submitted, frozen, with its SHA-256.

    Rows are written once and never changed; each decision points at the revision its
    approver saw.
    """

    __tablename__ = "request_revisions"
    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"))
    #: 1 for the first submission, 2 for the first resubmission, ...
    number: Mapped[int] = mapped_column(Integer)
    #: The content fields as canonical JSON (`app.rules.content.canonical_content`).
    content: Mapped[dict] = mapped_column(JSON)
    #: SHA-256 of the canonical content, hex.
    content_sha256: Mapped[str] = mapped_column(String(64))
    #: The stage codes this revision must pass, frozen at submission.
    pipeline: Mapped[list] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AccessRequest] = relationship(back_populates="revisions")
    submitted_by: Mapped[User] = relationship(lazy="joined")


class Decision(Model):
    """One approver's decision at one stage on one revision."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("request_revisions.id"))
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The approver the decision was taken for by `approver`, their delegate
    #: (app.models.delegations); None when the approver decided as themselves.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: `app.rules.workflow.Outcome` value.
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AccessRequest] = relationship(back_populates="decisions")
    revision: Mapped[RequestRevision] = relationship(lazy="joined")
    stage: Mapped[Stage] = relationship(lazy="joined")
    approver: Mapped[User] = relationship(lazy="joined", foreign_keys=[approver_id])
    on_behalf_of: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[on_behalf_of_id])


def _conditions_attached() -> Exists:
    """EXISTS a decision approving the request's latest revision with conditions.

    Decisions on earlier revisions do not count: a resubmitted request is decided again
    at every stage, and only the revision finally approved binds the department.
    """
    revision, latest = aliased(RequestRevision), aliased(RequestRevision)
    latest_number = (
        select(func.max(latest.number))
        .where(latest.request_id == AccessRequest.id)
        .correlate(AccessRequest)
        .scalar_subquery()
    )
    return (
        exists()
        .where(
            Decision.request_id == AccessRequest.id,
            Decision.outcome == Outcome.APPROVE_WITH_CONDITIONS,
            revision.id == Decision.revision_id,
            revision.number == latest_number,
        )
        .correlate(AccessRequest)
    )


AccessRequest.conditions_attached = column_property(_conditions_attached(), deferred=True)


class ReferenceCounter(Model):
    """The last reference number given out in each year."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
