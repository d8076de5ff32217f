"""A platform's pipeline versions, newest first, with the requests that go through each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.platforms import PipelineStage, PipelineVersion, Platform, Stage
from app.models.requests import AccessRequest

#: References listed under each version; the rest are counted.
REFERENCES_SHOWN = 20


@dataclass(frozen=True)
class VersionRow:
    version: PipelineVersion
    #: How many requests were first submitted under it.
    requests: int
    #: The latest of them, newest first (at most REFERENCES_SHOWN), with their status.
    references: list[tuple[str, str]]


def pipeline_versions(platform: Platform) -> list[VersionRow]:
    """Every version of `platform`'s pipeline, newest first: three queries and one for
    each version's requests."""
    versions = db.session.scalars(
        select(PipelineVersion)
        .where(PipelineVersion.platform_id == platform.id)
        .order_by(PipelineVersion.number.desc())
        .options(
            selectinload(PipelineVersion.stages).selectinload(PipelineStage.approvers),
            selectinload(PipelineVersion.created_by),
        )
    ).all()
    counts: dict[int | None, int] = {
        version_id: count
        for version_id, count in db.session.execute(
            select(AccessRequest.pipeline_version_id, func.count())
            .where(AccessRequest.pipeline_version_id.in_([v.id for v in versions]))
            .group_by(AccessRequest.pipeline_version_id)
        )
    }
    rows = []
    for version in versions:
        references = (
            [
                (reference, status)
                for reference, status in db.session.execute(
                    select(AccessRequest.reference, AccessRequest.status)
                    .where(AccessRequest.pipeline_version_id == version.id)
                    .order_by(AccessRequest.id.desc())
                    .limit(REFERENCES_SHOWN)
                )
            ]
            if counts.get(version.id)
            else []
        )
        rows.append(VersionRow(version, counts.get(version.id, 0), references))
    return rows


def stage_choices() -> list[tuple[str, str]]:
    """(code, name) of every stage, for the pipeline form."""
    query = select(Stage.code, Stage.name).order_by(Stage.name)
    return [(code, name) for code, name in db.session.execute(query)]
