"""Platforms, approval stages and each platform's pipeline of stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.rules.content import HandleRule
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS, Quorum, StepRule

if TYPE_CHECKING:
    from app.models.users import User


class Stage(Model):
    """A body that signs off requests, such as Security or No10."""

    __tablename__ = "stages"

    #: Stable code written in decisions and audit events: security, no10, cabinet_office.
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __repr__(self) -> str:
        return f"<Stage {self.code}>"


class Platform(Model):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: Restricted platforms need permission before a department may use them.
    restricted: Mapped[bool] = mapped_column(Boolean, default=True)
    risk_notes: Mapped[str] = mapped_column(Text, default="")
    #: False once retired: no new requests, existing ones keep their history.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The longest handle the platform gives out, not counting an @ at the start (24 for
    #: TikTok). None: the platform's handles are not checked, beyond app.rules.content's
    #: HANDLE_MAX. Data, not code, so an admin can correct a platform's rule.
    handle_max_length: Mapped[int | None] = mapped_column(Integer)
    #: With handle_max_length: what a handle may hold besides letters a to z and digits,
    #: such as "_." (underscores and full stops, TikTok's).
    handle_punctuation: Mapped[str] = mapped_column(String(20), default="")
    #: The stage codes a change to one of its approved accounts goes through, in order
    #: (docs/accounts.md); Security alone unless an admin chooses otherwise.
    change_pipeline: Mapped[list] = mapped_column(JSON, default=lambda: ["security"])

    #: Every version of its pipeline, the first first. The last is the one a new
    #: submission takes; a request keeps the version it was first submitted under.
    versions: Mapped[list[PipelineVersion]] = relationship(
        order_by="PipelineVersion.number", back_populates="platform"
    )

    @property
    def handle_rule(self) -> HandleRule | None:
        """What its handles may hold (app.rules.content.check_draft's rule); None: anything."""
        if self.handle_max_length is None:
            return None
        return HandleRule(self.handle_max_length, self.handle_punctuation)

    @handle_rule.setter
    def handle_rule(self, rule: HandleRule | None) -> None:
        self.handle_max_length = rule.max_length if rule else None
        self.handle_punctuation = rule.punctuation if rule else ""

    @property
    def pipeline_version(self) -> PipelineVersion | None:
        """The version new submissions take; None before an admin sets one."""
        return self.versions[-1] if self.versions else None

    @property
    def pipeline(self) -> list[PipelineStage]:
        """The current version's stages, in the order they sign."""
        version = self.pipeline_version
        return version.stages if version is not None else []

    @pipeline.setter
    def pipeline(self, stages: Iterable[PipelineStage]) -> None:
        """Give the platform a new version with these stages (seed data and tests; admins
        go through app.operations.set_pipeline, which audits it)."""
        self.versions.append(PipelineVersion(number=len(self.versions) + 1, stages=list(stages)))

    @property
    def stage_codes(self) -> list[str]:
        """The pipeline's stage codes, in the order they sign."""
        return [step.stage_code for step in self.pipeline]

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"


class PipelineVersion(Model):
    """One version of a platform's pipeline, written once: an admin's edit makes the next.

    A request keeps the version it was first submitted under, through every revision, so
    an edit never changes who must sign a request already in flight.
    """

    __tablename__ = "pipeline_versions"
    __table_args__ = (UniqueConstraint("platform_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    #: 1 for the platform's first pipeline, 2 after the first edit, ...
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The admin who made it; None for reference data and the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    platform: Mapped[Platform] = relationship(back_populates="versions")
    stages: Mapped[list[PipelineStage]] = relationship(
        order_by="PipelineStage.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="version",
    )
    created_by: Mapped[User | None] = relationship()

    @property
    def stage_codes(self) -> list[str]:
        return [step.stage_code for step in self.stages]

    def step(self, stage_code: str) -> PipelineStage | None:
        return next((s for s in self.stages if s.stage_code == stage_code), None)

    @property
    def rules(self) -> list[StepRule]:
        return [step.rule for step in self.stages]

    def __repr__(self) -> str:
        return f"<PipelineVersion {self.platform_id} v{self.number}>"


#: The named set of a stage whose quorum is N of M or all of: who may count towards it.
pipeline_stage_approvers = Table(
    "pipeline_stage_approvers",
    Model.metadata,
    Column("pipeline_stage_id", ForeignKey("pipeline_stages.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class PipelineStage(Model):
    """One step of a pipeline version: stage `stage_code` signs at `position`, under its
    quorum rule."""

    __tablename__ = "pipeline_stages"
    __table_args__ = (
        UniqueConstraint("pipeline_version_id", "position"),
        UniqueConstraint("pipeline_version_id", "stage_code"),
        CheckConstraint("target_working_days >= 1", name="target_at_least_one"),
        CheckConstraint("required_approvals >= 1", name="required_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_version_id: Mapped[int] = mapped_column(ForeignKey("pipeline_versions.id"))
    #: 0 for the first stage to sign.
    position: Mapped[int] = mapped_column(Integer)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    #: How many UK working days the stage has to decide, from the day the request reaches
    #: it (docs/deadlines.md): reminders at 80 %, overdue after, escalation later.
    target_working_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_TARGET_WORKING_DAYS)
    #: `app.rules.workflow.Quorum` value.
    quorum: Mapped[str] = mapped_column(String(16), default=str(Quorum.ANY_ONE))
    #: Distinct approvals the stage needs (1 for any one; N; M for all of).
    required_approvals: Mapped[int] = mapped_column(Integer, default=1)

    version: Mapped[PipelineVersion] = relationship(back_populates="stages")
    stage: Mapped[Stage] = relationship(lazy="joined")
    #: The named set; empty for any one.
    approvers: Mapped[list[User]] = relationship(
        secondary=pipeline_stage_approvers, order_by="User.display_name", lazy="selectin"
    )

    @property
    def rule(self) -> StepRule:
        return StepRule(
            stage=self.stage_code,
            quorum=Quorum(self.quorum),
            required=self.required_approvals,
            approvers=frozenset(user.id for user in self.approvers),
            target_working_days=self.target_working_days,
        )
