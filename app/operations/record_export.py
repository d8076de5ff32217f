"""An auditor (or the command line) exports the audit trail: the export is itself an
audit event, appended before the rows are read, so the export includes it."""

from __future__ import annotations

from typing import Any

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event, chain_head
from app.audit.events import EventType
from app.audit.export import ExportFormat
from app.extensions import db
from app.models.users import User


def record_export(
    actor: User | None,
    *,
    export_format: ExportFormat,
    filter_description: dict[str, Any],
    via: str,
    client: Client = NO_CLIENT,
) -> tuple[int, str]:
    """Append the audit_exported event; return the chain head (seq, hash) to cut at."""
    append_event(
        db.session,
        EventType.AUDIT_EXPORTED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"format": str(export_format), "filter": filter_description, "via": via},
    )
    return chain_head(db.session)
