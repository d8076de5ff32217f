"""The printable decision record of a request, for everyone who may see the request.

One page an auditor can print or save as a PDF: what was asked, each revision exactly as
it was frozen for approval (not the live draft) with its SHA-256 and pipeline, every
decision in order with who made it and the conditions attached, and the audit events
about the request with their full hashes, to check against an export with
tools/verify_export.py. Read-only, and drawn in a fixed number of queries however long
the request's history is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, make_response, render_template
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import aliased, raiseload

from app.audit.events import EventType
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.requests import AccessRequest, Decision, RequestRevision
from app.models.types import utcnow
from app.models.users import User
from app.operations.decide_stage import EVENT_TYPES as DECISION_EVENT_TYPES
from app.reads.request_history import FIELD_LABELS, TIMELINE_HEADINGS, multiline
from app.reads.request_page import DECIDED_STATES, stage_names
from app.reads.requests import load_request
from app.rules.content import CONTENT_FIELDS, content_sha256
from app.rules.formatting import shown_answer, status_label, uk_date, uk_datetime
from app.rules.workflow import Outcome
from app.screens.requests import blueprint


@blueprint.get("/<reference>/record")
def record(reference: str) -> Response:
    access_request = load_request(reference, current_user)
    page = decision_record(access_request, current_user)
    response = make_response(render_template("requests/record.html", record=page))
    # Like the request page, it names who decided what: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


# What the record shows -------------------------------------------------------------------

#: Content fields a revision stores as YYYY-MM-DD text (`app.rules.content.canonical_content`).
DATE_FIELDS = frozenset({"start_date", "end_date"})

#: What a decision's reason and conditions say when the approver gave none.
NO_REASON = "No reason given"
NO_CONDITIONS = "No conditions"

#: The events that file a revision for approval.
FILING_EVENTS = frozenset({EventType.REQUEST_SUBMITTED, EventType.REQUEST_RESUBMITTED})


@dataclass(frozen=True)
class RevisionEntry:
    number: int
    #: govukSummaryList rows: who submitted it, when, its SHA-256, pipeline, audit event.
    about: list[dict[str, Any]]
    #: govukSummaryList rows: the content as frozen in the revision.
    answers: list[dict[str, Any]]


@dataclass(frozen=True)
class DecisionEntry:
    stage: str
    outcome: str
    #: govukSummaryList rows: stage, outcome, approver, when, reason, conditions, ...
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class EventRow:
    seq: int
    occurred_at: datetime
    event_type: str
    label: str
    actor: str
    hash: str
    prev_hash: str

    @property
    def event_type_html(self) -> Markup:
        """The event type as exports write it, free to wrap after an underscore."""
        return Markup("_<wbr>").join(escape(part) for part in self.event_type.split("_"))

    @property
    def hash_html(self) -> Markup:
        return hash_html(self.hash)

    @property
    def prev_hash_html(self) -> Markup:
        return hash_html(self.prev_hash)


@dataclass(frozen=True)
class DecisionRecord:
    request: AccessRequest
    #: govukSummaryList rows: reference, department, platform, kind, requester, status.
    about: list[dict[str, Any]]
    revisions: list[RevisionEntry]
    decisions: list[DecisionEntry]
    events: list[EventRow]
    generated_at: datetime
    generated_by: str


def decision_record(request: AccessRequest, viewer: User) -> DecisionRecord:
    """Everything the record shows, in four queries whatever the request's size.

    People come as names and emails joined into each query, and `raiseload` stops any
    relationship from being loaded one row at a time behind the query's back.
    """
    names = stage_names()
    submitter = aliased(User)
    revisions = db.session.execute(
        select(RequestRevision, submitter.display_name, submitter.email)
        .join(submitter, submitter.id == RequestRevision.submitted_by_id)
        .where(RequestRevision.request_id == request.id)
        .order_by(RequestRevision.number)
        .options(raiseload("*"))
    ).all()
    approver = aliased(User)
    decisions = db.session.execute(
        select(Decision, RequestRevision.number, approver.display_name, approver.email)
        .join(RequestRevision, RequestRevision.id == Decision.revision_id)
        .join(approver, approver.id == Decision.approver_id)
        .where(Decision.request_id == request.id)
        .order_by(Decision.decided_at, Decision.id)
        .options(raiseload("*"))
    ).all()
    events = db.session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.request_id == request.id)
        .order_by(AuditEvent.seq)
    ).all()
    seqs = event_seqs([event for event, _ in events])
    return DecisionRecord(
        request=request,
        about=about_rows(request),
        revisions=[
            revision_entry(revision, person(name, email), names, seqs)
            for revision, name, email in revisions
        ],
        decisions=[
            decision_entry(decision, number, person(name, email), names, seqs)
            for decision, number, name, email in decisions
        ],
        events=[event_row(event, name, names) for event, name in events],
        generated_at=utcnow(),
        generated_by=person(viewer.display_name, viewer.email),
    )


def about_rows(request: AccessRequest) -> list[dict[str, Any]]:
    status = status_label(request.status, with_conditions=request.approved_with_conditions)
    rows = [
        ("Reference", request.reference),
        ("Department", request.department.name),
        ("Platform", request.platform.name),
        ("What the request is for", shown_answer("kind", request.kind)),
        ("Requested by", person(request.requester.display_name, request.requester.email)),
        ("Status", status),
        ("Started", uk_date(request.created_at)),
    ]
    return [summary_row(key, value) for key, value in rows]


# Revisions and decisions ------------------------------------------------------------------

#: Which audit event recorded a revision or decision. A revision: (event type, revision
#: number). A decision: (event type, stage, approver id, revision number); an approver
#: decides a stage at most once per revision, so the key is unique.
EventKey = tuple[Any, ...]


def event_seqs(events: Sequence[AuditEvent]) -> dict[EventKey, int]:
    """The seq of each filing and decision event, by what it recorded."""
    seqs: dict[EventKey, int] = {}
    for event in events:
        revision = (event.payload or {}).get("revision")
        if event.event_type in FILING_EVENTS:
            seqs[("filed", revision)] = event.seq
        elif event.event_type in DECISION_EVENT_TYPES.values():
            seqs[(event.event_type, event.stage, event.actor_id, revision)] = event.seq
    return seqs


def revision_entry(
    revision: RequestRevision,
    submitted_by: str,
    names: Mapping[str, str],
    seqs: Mapping[EventKey, int],
) -> RevisionEntry:
    about: list[tuple[str, str | Markup]] = [
        ("Submitted by", submitted_by),
        ("Submitted", uk_datetime(revision.submitted_at)),
        ("Content SHA-256", content_hash(revision)),
        ("Approval stages", stage_list(revision.pipeline, names)),
        ("Audit event", audit_event(seqs.get(("filed", revision.number)))),
    ]
    return RevisionEntry(
        number=revision.number,
        about=[summary_row(key, value) for key, value in about],
        answers=frozen_answer_rows(revision.content),
    )


def frozen_answer_rows(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A revision's stored content in words, as the request page shows live answers."""
    rows = []
    for name in CONTENT_FIELDS:
        value = content.get(name)
        if name in DATE_FIELDS and isinstance(value, str):
            value = date.fromisoformat(value)
        rows.append(summary_row(FIELD_LABELS[name], shown_answer(name, value)))
    return rows


def content_hash(revision: RequestRevision) -> Markup:
    """The stored SHA-256, and a warning if the stored content no longer hashes to it."""
    shown = hash_html(revision.content_sha256)
    if content_sha256(revision.content) == revision.content_sha256:
        return shown
    return shown + Markup(
        '<strong class="govuk-tag govuk-tag--red">Does not match the stored content</strong>'
    )


def stage_list(codes: Sequence[str], names: Mapping[str, str]) -> Markup:
    items = Markup("").join(Markup("<li>{}</li>").format(names.get(c, c)) for c in codes)
    return Markup('<ol class="govuk-list govuk-list--number">{}</ol>').format(items)


def decision_entry(
    decision: Decision,
    number: int,
    approver: str,
    names: Mapping[str, str],
    seqs: Mapping[EventKey, int],
) -> DecisionEntry:
    """`number` is the number of the revision the decision was made on."""
    outcome = Outcome(decision.outcome)
    words = DECIDED_STATES[outcome][0]
    stage = names.get(decision.stage_code, decision.stage_code)
    key = (DECISION_EVENT_TYPES[outcome], decision.stage_code, decision.approver_id, number)
    rows: list[tuple[str, str | Markup]] = [
        ("Stage", stage),
        ("Outcome", words),
        ("Approver", approver),
        ("Decided", uk_datetime(decision.decided_at)),
        ("Reason", multiline(decision.reason) if decision.reason.strip() else NO_REASON),
        (
            "Conditions",
            multiline(decision.conditions) if decision.conditions.strip() else NO_CONDITIONS,
        ),
        ("Made on revision", str(number)),
        ("Audit event", audit_event(seqs.get(key))),
    ]
    return DecisionEntry(stage, words, [summary_row(key, value) for key, value in rows])


def audit_event(seq: int | None) -> str:
    return f"Seq {seq}, in the audit events below" if seq is not None else "Not found"


# Audit events ---------------------------------------------------------------------------


def event_row(event: AuditEvent, actor_name: str | None, names: Mapping[str, str]) -> EventRow:
    label = TIMELINE_HEADINGS.get(event.event_type)
    if label is None:  # an event type added later: still shown, in plain words
        label = event.event_type.replace("_", " ").capitalize()
    stage = names.get(event.stage or "", event.stage or "")
    if event.actor_email is None:
        actor = "the system"
    else:
        actor = person(actor_name, event.actor_email) if actor_name else event.actor_email
    return EventRow(
        seq=event.seq,
        occurred_at=event.occurred_at,
        event_type=event.event_type,
        label=label.format(stage=stage),
        actor=actor,
        hash=event.hash,
        prev_hash=event.prev_hash,
    )


# Small pieces ---------------------------------------------------------------------------

#: A long hash may break after every this many characters.
HASH_CHUNK = 8


def hash_html(value: str) -> Markup:
    """A full hash in monospace that can wrap on a narrow screen or page.

    `<wbr>` marks where it may break without adding characters, so a copied hash is
    whole; the print stylesheet also lets `.app-hash` break anywhere.
    """
    chunks = [value[i : i + HASH_CHUNK] for i in range(0, len(value), HASH_CHUNK)]
    return Markup('<code class="app-hash">{}</code>').format(
        Markup("<wbr>").join(escape(chunk) for chunk in chunks)
    )


def person(name: str, email: str) -> str:
    return f"{name} ({email})"


def summary_row(key: str, value: str | Markup) -> dict[str, Any]:
    shown = {"html": value} if isinstance(value, Markup) else {"text": value}
    return {"key": {"text": key}, "value": shown}
