"""Volume for benchmarks and for trying the screens at size: many requests and a long,
valid audit chain, written with bulk inserts rather than one operation at a time.

The events are the kinds real use writes (requests created, submitted, decided; sign-ins)
spread evenly over the past year, each chained to the one before exactly as
`app.audit.chain.append_event` would chain it, so `audit verify` passes afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from app.audit.chain import _lock_chain, chain_head, compute_hash, format_time
from app.audit.events import EventType
from app.extensions import db
from app.models import AccessRequest, AuditEvent, Platform, RequestRevision, User
from app.models.types import utcnow
from app.rules.content import canonical_content, content_sha256
from app.rules.roles import Role
from app.rules.workflow import RequestKind, Status
from app.seed.demo import seed_demo_data

#: Rows per INSERT batch.
BATCH = 5000

#: The share of scaled requests in each status, and the life events each one has.
_LIVES: tuple[tuple[Status, tuple[EventType, ...]], ...] = (
    (Status.DRAFT, (EventType.REQUEST_CREATED,)),
    (Status.IN_REVIEW, (EventType.REQUEST_CREATED, EventType.REQUEST_SUBMITTED)),
    (
        Status.APPROVED,
        (
            EventType.REQUEST_CREATED,
            EventType.REQUEST_SUBMITTED,
            EventType.STAGE_APPROVED,
            EventType.STAGE_APPROVED,
            EventType.STAGE_APPROVED_WITH_CONDITIONS,
        ),
    ),
    (
        Status.REJECTED,
        (EventType.REQUEST_CREATED, EventType.REQUEST_SUBMITTED, EventType.REQUEST_REJECTED),
    ),
    (
        Status.CHANGES_REQUESTED,
        (
            EventType.REQUEST_CREATED,
            EventType.REQUEST_SUBMITTED,
            EventType.STAGE_APPROVED,
            EventType.CHANGES_REQUESTED,
        ),
    ),
    (
        Status.WITHDRAWN,
        (EventType.REQUEST_CREATED, EventType.REQUEST_SUBMITTED, EventType.REQUEST_WITHDRAWN),
    ),
)


@dataclass(frozen=True)
class ScaleResult:
    requests: int
    events: int
    head_seq: int
    head_hash: str


def _content(number: int) -> dict[str, Any]:
    start = date(2026, 1, 5) + timedelta(days=number % 300)
    return {
        "kind": RequestKind.NEW_ACCOUNT,
        "account_handle": f"@scaled_{number}",
        "purpose": f"Scaled request {number}: reach an audience not reached elsewhere",
        "target_audience": "People aged 16 to 24 in the UK",
        "justification": "Audience research",
        "start_date": start,
        "end_date": start + timedelta(days=90),
        "senior_responsible_owner": "Director of Communications",
        "account_managers": "The digital team",
        "device_arrangement": "A dedicated phone kept in a locked cabinet",
        "device_attestation": True,
        "dpia_reference": f"DPIA-{number}",
        "ad_budget_pounds": None,
        "risk_mitigations": "Two-person rule",
    }


def seed_scale(
    requests: int, events: int, progress: Callable[[int], None] | None = None
) -> ScaleResult:
    """Add `requests` requests and then events until `events` more are in the chain."""
    seed_demo_data()
    db.session.flush()
    officers = db.session.scalars(
        select(User).join(User.role_rows).where(User.role_rows.any(role=str(Role.OFFICER)))
    ).all()
    approver = db.session.scalar(select(User).where(User.email == "security@example.gov.uk"))
    platform = db.session.scalar(select(Platform).where(Platform.name == "TikTok"))
    assert officers and approver is not None and platform is not None
    # Submitted requests keep the version they were first submitted under, as
    # app.operations.submit_request records it: a request in review without one would
    # read its platform's whole version history on every look at its stages.
    version = platform.pipeline_version
    version_id = version.id if version is not None else None
    stage_codes = [step.stage_code for step in platform.pipeline]
    year = utcnow().year
    first_number = (
        db.session.scalar(select(func.count()).select_from(AccessRequest)) or 0
    ) + 100_000
    made: list[tuple[int, str, Status, tuple[EventType, ...], User]] = []
    for start in range(0, requests, BATCH):
        rows, revisions = [], []
        for number in range(start, min(start + BATCH, requests)):
            status, life = _LIVES[number % len(_LIVES)]
            officer = officers[number % len(officers)]
            reference = f"PRQ-{year}-{first_number + number}"
            now = utcnow()
            rows.append(
                {
                    "reference": reference,
                    "department_id": officer.department_id,
                    "platform_id": platform.id,
                    "requester_id": officer.id,
                    "status": str(status),
                    "current_stage": "security" if status is Status.IN_REVIEW else None,
                    "pipeline_version_id": version_id if status is not Status.DRAFT else None,
                    "version": len(life),
                    "created_at": now,
                    "updated_at": now,
                    "submitted_at": now if status is not Status.DRAFT else None,
                    # Its stage's clock: `sla tick` works out the due date on its next run.
                    "stage_started_at": now if status is Status.IN_REVIEW else None,
                    **_content(number),
                }
            )
        ids = db.session.execute(
            insert(AccessRequest).returning(AccessRequest.id, AccessRequest.reference), rows
        ).all()
        for (request_id, reference), row in zip(ids, rows, strict=True):
            number = int(reference.rsplit("-", 1)[1]) - first_number
            status, life = _LIVES[number % len(_LIVES)]
            made.append((request_id, reference, status, life, officers[number % len(officers)]))
            if status is not Status.DRAFT:
                canonical = canonical_content(row)
                revisions.append(
                    {
                        "request_id": request_id,
                        "number": 1,
                        "content": canonical,
                        "content_sha256": content_sha256(canonical),
                        "pipeline": stage_codes,
                        "submitted_by_id": row["requester_id"],
                        "submitted_at": row["submitted_at"],
                    }
                )
        if revisions:
            db.session.execute(insert(RequestRevision), revisions)
    written = _append_events(made, events, approver, progress)
    seq, head_hash = chain_head(db.session)
    return ScaleResult(len(made), written, seq, head_hash)


def gather_statistics() -> None:
    """ANALYZE, after a bulk load: the planner's row estimates are otherwise those of the
    empty tables until autovacuum (off on some servers) looks, and a 10-row guess for a
    3,000-row table picks the plans a real database would not use. Run after the commit
    (PostgreSQL counts only committed rows)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _event_stream(
    made: list[tuple[int, str, Status, tuple[EventType, ...], User]], approver: User
) -> Iterator[dict[str, Any]]:
    """The events to write, request lives first, then sign-ins for ever after."""
    for request_id, reference, _status, life, officer in made:
        previous: str | None = None
        for event_type in life:
            officer_event = event_type in (
                EventType.REQUEST_CREATED,
                EventType.REQUEST_SUBMITTED,
                EventType.REQUEST_WITHDRAWN,
            )
            actor = officer if officer_event else approver
            to_status = {
                EventType.REQUEST_CREATED: Status.DRAFT,
                EventType.REQUEST_SUBMITTED: Status.IN_REVIEW,
                EventType.STAGE_APPROVED: Status.IN_REVIEW,
                EventType.STAGE_APPROVED_WITH_CONDITIONS: Status.APPROVED,
                EventType.CHANGES_REQUESTED: Status.CHANGES_REQUESTED,
                EventType.REQUEST_REJECTED: Status.REJECTED,
                EventType.REQUEST_WITHDRAWN: Status.WITHDRAWN,
            }[event_type]
            yield {
                "event_type": str(event_type),
                "actor_id": actor.id,
                "actor_email": actor.email,
                "actor_roles": sorted(str(role) for role in actor.roles),
                "request_id": request_id,
                "request_reference": reference,
                "from_status": previous,
                "to_status": str(to_status),
                "stage": None if officer_event else "security",
                "comment": "Reason given by the approver"
                if event_type in (EventType.REQUEST_REJECTED, EventType.CHANGES_REQUESTED)
                else None,
                "payload": {"scaled": True, "version": 1},
                "client_address": "127.0.0.1",
                "correlation_id": None,
            }
            previous = str(to_status)
    for number in itertools.count():
        yield {
            "event_type": str(EventType.SIGN_IN_SUCCEEDED),
            "actor_id": approver.id,
            "actor_email": approver.email,
            "actor_roles": ["approver"],
            "request_id": None,
            "request_reference": None,
            "from_status": None,
            "to_status": None,
            "stage": None,
            "comment": None,
            "payload": {"n": number},
            "client_address": f"10.0.{number % 250}.{number % 200 + 1}",
            "correlation_id": f"{number:032x}",
        }


def _append_events(
    made: list[tuple[int, str, Status, tuple[EventType, ...], User]],
    events: int,
    approver: User,
    progress: Callable[[int], None] | None,
) -> int:
    _lock_chain(db.session)
    seq, prev_hash = chain_head(db.session)
    start = utcnow() - timedelta(days=365)
    step = timedelta(days=365) / max(events, 1)
    stream = _event_stream(made, approver)
    written = 0
    while written < events:
        batch = []
        for fields in itertools.islice(stream, min(BATCH, events - written)):
            seq += 1
            occurred_at = start + step * written
            fields["seq"] = seq
            fields["occurred_at"] = occurred_at
            fields["prev_hash"] = prev_hash
            fields["hash"] = prev_hash = compute_hash(
                prev_hash, {**fields, "occurred_at": format_time(occurred_at)}
            )
            batch.append(fields)
            written += 1
        db.session.execute(insert(AuditEvent), batch)
        if progress is not None:
            progress(len(batch))
    return written
