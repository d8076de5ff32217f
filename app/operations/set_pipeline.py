"""An admin sets a platform's pipeline: ordered stages, each with its quorum rule and
target. Every change makes a new version; requests already submitted keep theirs.

One `pipeline_changed` event says what the version was before and is after. Two admins
editing at once: each names the version they saw (`based_on`); the platform's row is
locked, so the second finds a newer version and is refused as stale (a 409), as a
decision on a request that moved on is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.platforms import PipelineStage, PipelineVersion, Platform, Stage
from app.models.users import User, normalise_email, with_roles_and_stages
from app.rules.workflow import (
    DEFAULT_TARGET_WORKING_DAYS,
    InvalidContent,
    Quorum,
    StaleRequest,
    StepRule,
    check_steps,
)


class StalePipeline(StaleRequest):
    """Someone else changed the pipeline since this admin opened it (409)."""

    code = "stale_pipeline"


@dataclass(frozen=True)
class StepSpec:
    """One stage as an admin asks for it: the named approvers by email address."""

    stage: str
    quorum: Quorum = Quorum.ANY_ONE
    required: int = 1
    approvers: Sequence[str] = field(default_factory=tuple)
    target_working_days: int = DEFAULT_TARGET_WORKING_DAYS


def describe_version(version: PipelineVersion | None) -> list[dict[str, object]]:
    """A version as its audit event records it: each stage, its quorum, named set, target."""
    if version is None:
        return []
    return [
        {
            "stage": step.stage_code,
            "quorum": step.quorum,
            "required": step.required_approvals,
            "approvers": sorted(user.email for user in step.approvers),
            "target_working_days": step.target_working_days,
        }
        for step in version.stages
    ]


def set_pipeline(
    platform: Platform,
    actor: User | None,
    *,
    steps: Sequence[StepSpec],
    based_on: int | None,
    client: Client = NO_CLIENT,
) -> PipelineVersion | None:
    """Give `platform` a new pipeline version with `steps`, in order. `based_on`: the
    version number the admin saw (None: it had none). None (and no event) when the steps
    are those of the current version."""
    db.session.execute(select(Platform.id).where(Platform.id == platform.id).with_for_update())
    db.session.refresh(platform, ["versions"])
    current = platform.pipeline_version
    if (current.number if current is not None else None) != based_on:
        raise StalePipeline(
            f"Someone else changed the {platform.name} pipeline since you opened it. "
            "Your changes have not been saved: look at the pipeline as it is now"
        )
    names = {code: name for code, name in db.session.execute(select(Stage.code, Stage.name))}
    people, errors = _named_people(steps, names)
    rules = [
        StepRule(
            stage=spec.stage,
            quorum=spec.quorum,
            required=_required(spec, people[index]),
            approvers=frozenset(user.id for user in people[index]),
            target_working_days=spec.target_working_days,
        )
        for index, spec in enumerate(steps)
    ]
    try:
        check_steps(rules, names)
    except InvalidContent as refused:
        errors = {**refused.errors, **errors}
    if errors:
        raise InvalidContent(errors)
    if current is not None and [step.rule for step in current.stages] == rules:
        return None
    version = PipelineVersion(
        platform=platform,
        number=(current.number + 1) if current is not None else 1,
        created_by=actor,
        stages=[
            PipelineStage(
                stage_code=rule.stage,
                quorum=str(rule.quorum),
                required_approvals=rule.required,
                approvers=list(people[index]),
                target_working_days=rule.target_working_days,
            )
            for index, rule in enumerate(rules)
        ],
    )
    db.session.add(version)
    db.session.flush()
    append_event(
        db.session,
        EventType.PIPELINE_CHANGED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "platform_id": platform.id,
            "platform": platform.name,
            "before": {
                "version": current.number if current is not None else None,
                "stages": describe_version(current),
            },
            "after": {"version": version.number, "stages": describe_version(version)},
        },
    )
    return version


def _required(spec: StepSpec, people: list[User]) -> int:
    if spec.quorum is Quorum.ANY_ONE:
        return 1
    if spec.quorum is Quorum.ALL_OF:
        return max(len(people), 1)
    return spec.required


def _named_people(
    steps: Sequence[StepSpec], names: dict[str, str]
) -> tuple[list[list[User]], dict[str, str]]:
    """Each step's named set as people, and what is wrong with them: an address nobody
    has, a person deactivated, or one who does not sign the stage."""
    wanted = {
        normalise_email(e)
        for spec in steps
        if spec.quorum is not Quorum.ANY_ONE
        for e in spec.approvers
    }
    found = (
        {
            user.email: user
            for user in db.session.scalars(
                select(User).where(User.email.in_(sorted(wanted))).options(*with_roles_and_stages())
            ).unique()
        }
        if wanted
        else {}
    )
    people: list[list[User]] = []
    errors: dict[str, str] = {}
    for index, spec in enumerate(steps):
        chosen: list[User] = []
        if spec.quorum is not Quorum.ANY_ONE:
            stage_name = names.get(spec.stage, spec.stage)
            for email in dict.fromkeys(normalise_email(e) for e in spec.approvers if e.strip()):
                user = found.get(email)
                if user is None:
                    problem = f"nobody has the email address {email}"
                elif not user.active:
                    problem = f"{user.display_name} has been deactivated"
                elif not user.can_sign(spec.stage):
                    problem = f"{user.display_name} does not sign {stage_name}"
                else:
                    chosen.append(user)
                    continue
                errors.setdefault(f"steps-{index}-approvers", f"Stage {index + 1}: {problem}")
        people.append(chosen)
    return people, errors
