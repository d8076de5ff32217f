"""The requests as the database holds them, read with plain queries rather than the
ORM, and the checks that they are consistent in themselves and with their audit events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, select

from app.extensions import db
from app.models import AccessRequest, Decision, ReferenceCounter, RequestRevision
from app.models.audit import AuditEvent
from app.rules.workflow import Outcome, Status
from tests.factories import PIPELINE
from tests.property.rules import CAST

#: The tables the operations under test write to.
WRITTEN_TABLES = [
    model.__table__
    for model in (AccessRequest, RequestRevision, Decision, ReferenceCounter, AuditEvent)
]


@dataclass
class StoredRequest:
    """A request as the database holds it, read with plain queries rather than the ORM."""

    id: int
    reference: str
    status: Status
    stage: str | None
    version: int
    requester_id: int
    revisions: list[Any] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    @property
    def latest(self) -> Any | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def on_latest(self) -> list[Any]:
        """Decisions on the latest revision, in the order they were made."""
        latest = self.latest
        return [d for d in self.decisions if latest is not None and d.revision_id == latest.id]

    @property
    def approved(self) -> list[Any]:
        return [d for d in self.on_latest if Outcome(d.outcome).approves]


def snapshot() -> dict[str, list[Row[Any]]]:
    """Every row of every table the operations write, by table, in primary key order."""
    return {
        table.name: list(db.session.execute(select(table).order_by(*table.primary_key)))
        for table in WRITTEN_TABLES
    }


def load_requests(rows: dict[str, list[Row[Any]]]) -> list[StoredRequest]:
    """The requests in a snapshot, each with its revisions, decisions and events."""
    requests = {
        row.id: StoredRequest(
            row.id,
            row.reference,
            Status(row.status),
            row.current_stage,
            row.version,
            row.requester_id,
        )
        for row in rows["access_requests"]
    }
    for row in sorted(rows["request_revisions"], key=lambda revision: revision.number):
        requests[row.request_id].revisions.append(row)
    for row in rows["decisions"]:  # by id: the order they were made
        requests[row.request_id].decisions.append(row)
    for row in rows["audit_events"]:  # by seq
        if row.request_id is not None:
            requests[row.request_id].events.append(row)
    return list(requests.values())


def check_request(request: StoredRequest, names: dict[int, str]) -> None:
    """Status, stage and decisions agree, read from the database alone."""
    where = request.reference
    check_events(request)
    for decision in request.decisions:
        assert decision.stage_code in CAST[names[decision.approver_id]].stages, where
    latest = request.latest
    if latest is None:
        assert request.status in (Status.DRAFT, Status.WITHDRAWN), where
        assert not request.decisions and request.stage is None, where
        return
    pipeline = list(latest.pipeline)
    assert pipeline == list(PIPELINE), where
    filers = {request.requester_id} | {r.submitted_by_id for r in request.revisions}
    approved = request.approved
    approvers = [d.approver_id for d in approved]
    # Whatever the status: the latest revision's approvals are by different people, none
    # of whom filed it, in pipeline order from the first stage.
    assert len(set(approvers)) == len(approvers), where
    assert not set(approvers) & filers, where
    assert [d.stage_code for d in approved] == pipeline[: len(approved)], where
    last = request.decisions[-1] if request.decisions else None
    if request.status is Status.APPROVED:
        assert [d.stage_code for d in request.on_latest] == pipeline, where
        assert len(approved) == len(pipeline), where
        assert request.stage is None, where
    elif request.status is Status.IN_REVIEW:
        assert request.on_latest == approved, where  # nothing but approvals on it yet
        assert request.stage == pipeline[len(approved)], where  # the first not approved
    elif request.status is Status.CHANGES_REQUESTED:
        assert last is not None and last.outcome == Outcome.REQUEST_CHANGES, where
        assert last.revision_id == latest.id and request.stage is None, where
    elif request.status is Status.REJECTED:
        assert last is not None and last.outcome == Outcome.REJECT, where
        assert last.revision_id == latest.id and request.stage is None, where
    elif request.status is Status.WITHDRAWN:
        assert request.stage is None, where
    else:
        raise AssertionError(f"{where}: {request.status} with a revision")


def check_events(request: StoredRequest) -> None:
    """The request's events tell its story as docs/audit-format.md describes it: each
    starts from the status the last left, versions count up from 2, and every revision
    and decision row matches the event that recorded it."""
    where, events = request.reference, request.events
    assert events[0].event_type == "request_created" and events[0].from_status is None, where
    assert [e.from_status for e in events[1:]] == [e.to_status for e in events[:-1]], where
    assert events[-1].to_status == request.status, where
    assert [e.payload["version"] for e in events[1:]] == list(range(2, request.version + 1))
    assert {e.request_reference for e in events} == {request.reference}, where
    filed = [e for e in events if e.event_type in ("request_submitted", "request_resubmitted")]
    assert [
        (e.payload["revision"], e.payload["content_sha256"], e.payload["pipeline"], e.actor_id)
        for e in filed
    ] == [(r.number, r.content_sha256, r.pipeline, r.submitted_by_id) for r in request.revisions], (
        where
    )
    decided = [e for e in events if "outcome" in e.payload]
    numbers = {revision.id: revision.number for revision in request.revisions}
    assert [
        (
            e.actor_id,
            e.stage,
            e.payload["outcome"],
            e.payload["revision"],
            e.comment or "",
            e.payload.get("conditions", ""),
        )
        for e in decided
    ] == [
        (d.approver_id, d.stage_code, d.outcome, numbers[d.revision_id], d.reason, d.conditions)
        for d in request.decisions
    ], where
