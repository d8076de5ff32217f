"""The audit trail for auditors' tools: events a page at a time, exports with their
manifests, and the chain head.

The filters are the audit log's and the exports' (app.audit.filters), the export formats
the same registry the screens and the command line use (app.audit.export), and an export
is itself an audit event (app.operations.record_export), appended before the rows are read
so the export includes it.

An export streams the file itself (CSV or JSON Lines), cut at its own audit_exported
event, whose seq comes back in `Permit-Export-Seq` and in a `Link` to its manifest. The
manifest is computed on request from that event: the filter and format it recorded, the
rows up to its seq (the chain is append-only, so they are the same rows, written as the
same bytes), and the time and person it names. A manifest costs a second read of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import Response, abort, current_app, stream_with_context, url_for
from sqlalchemy import select

from app.api.auth import caller, requires
from app.api.blueprint import blueprint
from app.api.schemas import (
    ChainHeadSchema,
    EventListArgsSchema,
    EventPageSchema,
    ExportArgsSchema,
    ManifestSchema,
    encode_cursor,
)
from app.audit.chain import chain_head, hashed_fields
from app.audit.events import EventType
from app.audit.export import ExportFormat, ExportTally, export_chunks
from app.audit.filters import AuditFilters, filtered_events
from app.audit.manifest import (
    ExportContext,
    build_manifest,
    filter_description,
    load_signing_key,
    manifest_json,
)
from app.extensions import db
from app.models.audit import AuditEvent
from app.operations.record_export import record_export
from app.reads.audit_log import MAX_SEQ
from app.security.api_tokens import Scope
from app.web.client import client_from_request

TAGS = ["audit"]
#: How exports made through the API say so in their audit_exported event.
VIA = "api"
EXPORT_SEQ_HEADER = "Permit-Export-Seq"
FILTER_NAMES = (
    "first_day",
    "last_day",
    "department",
    "platform",
    "event_type",
    "actor",
    "reference",
)


def audit_filters(args: dict[str, Any]) -> AuditFilters:
    """The filters asked for in the query string."""
    event_type = args.get("event_type")
    return AuditFilters(
        first_day=args.get("first_day"),
        last_day=args.get("last_day"),
        department=args.get("department"),
        platform=args.get("platform"),
        event_type=EventType(event_type) if event_type else None,
        actor=args.get("actor") or None,
        reference=args.get("reference") or None,
    )


def filters_from_description(described: dict[str, Any]) -> AuditFilters:
    """The filters an audit_exported event recorded (`filter_description`'s inverse)."""

    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    return AuditFilters(
        first_day=day(described.get("first_day")),
        last_day=day(described.get("last_day")),
        department=described.get("department"),
        platform=described.get("platform"),
        event_type=EventType(described["event_type"]) if described.get("event_type") else None,
        actor=described.get("actor"),
        reference=described.get("reference"),
    )


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """An event as the API and the JSON Lines export write it."""
    return {**hashed_fields(event), "prev_hash": event.prev_hash, "hash": event.hash}


def export_file_name(moment: datetime, export_format: ExportFormat) -> str:
    return f"permit-audit-{moment.strftime('%Y%m%dT%H%M%SZ')}.{export_format}"


@blueprint.route("/audit/events", methods=["GET"], tags=TAGS)
@requires(Scope.AUDIT_READ)
@blueprint.arguments(EventListArgsSchema, location="query")
@blueprint.response(200, EventPageSchema)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """List audit events, oldest first

    The events matching the filters (the audit log's and the exports'), in chain order
    after the cursor. `next` is always given: follow it for the next page, and keep it
    to ask again later for events appended since (an empty page means none yet).
    """
    after = args.get("cursor", 0)
    limit = args["limit"]
    query = (
        filtered_events(audit_filters(args))
        .where(AuditEvent.seq > after)
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    events = list(db.session.scalars(query))
    last = events[-1].seq if events else after
    filters = {name: args[name] for name in FILTER_NAMES if name in args}
    return {
        "items": [event_fields(event) for event in events],
        "next": url_for(".list_events", cursor=encode_cursor(last), limit=limit, **filters),
    }


EXPORT_RESPONSES = {
    "200": {
        "description": (
            "The export, streamed: CSV or JSON Lines as documented in docs/audit-format.md. "
            f"`{EXPORT_SEQ_HEADER}` is the seq of its own audit_exported event (where it is "
            "cut), and `Link` points at its manifest."
        ),
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/jsonl": {"schema": {"type": "string"}},
        },
        "headers": {
            EXPORT_SEQ_HEADER: {"schema": {"type": "integer"}},
            "Link": {"schema": {"type": "string"}},
        },
    }
}


@blueprint.route("/audit/export", methods=["GET"], tags=TAGS)
@requires(Scope.AUDIT_READ)
@blueprint.arguments(ExportArgsSchema, location="query")
@blueprint.doc(responses=EXPORT_RESPONSES)
def export(args: dict[str, Any]) -> Response:
    """Export the audit trail as CSV or JSON Lines

    Every event matching the filters, up to and including this export's own
    audit_exported event, streamed as it is read. Its manifest (count, SHA-256, chain
    head, signature) is at the URL in the `Link` header.
    """
    export_format = ExportFormat(args["format"])
    filters = audit_filters(args)
    head_seq, _head_hash = record_export(
        caller(),
        export_format=export_format,
        filter_description=filter_description(filters),
        via=VIA,
        client=client_from_request(),
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == head_seq))
    assert event is not None
    name = export_file_name(event.occurred_at, export_format)
    manifest_url = url_for(".export_manifest", seq=head_seq)
    return Response(
        stream_with_context(_file(export_format, filters, head_seq)),
        mimetype=export_format.media_type.split(";")[0],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            EXPORT_SEQ_HEADER: str(head_seq),
            "Link": f'<{manifest_url}>; rel="describedby"',
        },
    )


def _file(export_format: ExportFormat, filters: AuditFilters, up_to_seq: int) -> Iterator[bytes]:
    yield from export_chunks(
        db.session, export_format, filters, up_to_seq=up_to_seq, tally=ExportTally()
    )


@blueprint.route(f"/audit/exports/<int(max={MAX_SEQ}):seq>/manifest", methods=["GET"], tags=TAGS)
@requires(Scope.AUDIT_READ)
@blueprint.response(200, ManifestSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def export_manifest(seq: int) -> Response:
    """Read the manifest of an export made through the API

    `seq` is the export's own audit_exported event (`Permit-Export-Seq`). The manifest
    holds the file's name, size and SHA-256, the filter, the count and seq range of its
    events, the chain head it was cut at and, when a signing key is configured, an
    Ed25519 signature (docs/audit-format.md, Exports).
    """
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    if (
        event is None
        or event.event_type != EventType.AUDIT_EXPORTED
        or event.payload.get("via") != VIA
    ):
        abort(404)
    export_format = ExportFormat(event.payload["format"])
    filters = filters_from_description(event.payload["filter"])
    tally = ExportTally()
    for _chunk in export_chunks(db.session, export_format, filters, up_to_seq=seq, tally=tally):
        pass
    manifest = build_manifest(
        file_name=export_file_name(event.occurred_at, export_format),
        export_format=export_format,
        filters=filters,
        tally=tally,
        context=ExportContext(
            exported_by=event.actor_email or "",
            head_seq=event.seq,
            head_hash=event.hash,
            app_version=current_app.config["APP_VERSION"],
            generated_at=event.occurred_at,
        ),
        signing_key=load_signing_key(current_app.config.get("AUDIT_SIGNING_KEY")),
    )
    return Response(manifest_json(manifest), mimetype="application/json")


@blueprint.route("/audit/head", methods=["GET"], tags=TAGS)
@requires(Scope.AUDIT_READ)
@blueprint.response(200, ChainHeadSchema)
def head() -> dict[str, Any]:
    """Read the chain head, to publish as an anchor

    The last event's seq and hash. Published somewhere Permit's operators cannot change,
    it lets anyone prove later that the trail up to it is unchanged
    (`flask --app wsgi audit verify --anchor SEQ:HASH`).
    """
    seq, hash_ = chain_head(db.session)
    return {"seq": seq, "hash": hash_}
