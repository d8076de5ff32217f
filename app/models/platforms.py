"""Platforms, approval stages and each platform's pipeline of stages."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.rules.content import HandleRule
from app.rules.workflow import DEFAULT_TARGET_WORKING_DAYS


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

    pipeline: Mapped[list[PipelineStage]] = relationship(
        order_by="PipelineStage.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        # Read when a request's stages are needed (a submission, a decision, the request
        # page), not with every request a list shows.
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
    def stage_codes(self) -> list[str]:
        """The pipeline's stage codes, in the order they sign."""
        return [step.stage_code for step in self.pipeline]

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"


class PipelineStage(Model):
    """One step of a platform's pipeline: stage `stage_code` signs at `position`."""

    __tablename__ = "pipeline_stages"
    __table_args__ = (
        UniqueConstraint("platform_id", "position"),
        UniqueConstraint("platform_id", "stage_code"),
        CheckConstraint("target_working_days >= 1", name="target_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    #: 0 for the first stage to sign.
    position: Mapped[int] = mapped_column(Integer)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    #: How many UK working days the stage has to decide, from the day the request reaches
    #: it (docs/deadlines.md): reminders at 80 %, overdue after, escalation later.
    target_working_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_TARGET_WORKING_DAYS)

    stage: Mapped[Stage] = relationship(lazy="joined")
