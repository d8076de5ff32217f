"""The auditor's export download: a zip holding the export and its manifest, streamed.

A POST (with a CSRF token, like every form) because an export is itself recorded as an
audit event: a link or a prefetch must not make one.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Response, abort, current_app, request, stream_with_context
from flask_login import current_user

from app.audit.export import ExportFormat, ExportTally, export_chunks
from app.audit.filters import AuditFilters
from app.audit.manifest import (
    ExportContext,
    build_manifest,
    filter_description,
    load_signing_key,
    manifest_json,
)
from app.extensions import db
from app.models.types import utcnow
from app.operations.record_export import record_export
from app.reads.reference_lists import reference_lists
from app.screens.audit_log import blueprint
from app.screens.audit_log.forms import AuditFilterForm
from app.web.client import client_from_request


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken out as they come (so zipfile
    writes a streaming zip, with data descriptors)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


@blueprint.post("/export")
def export() -> Response:
    try:
        export_format = ExportFormat(request.form.get("format", ""))
    except ValueError:
        abort(400, description="Choose CSV or JSON Lines")
    lists = reference_lists(db.session)
    form = AuditFilterForm.from_query(
        request.form, departments=lists.department_codes(), platforms=lists.platform_names()
    )
    if not form.validate():
        abort(400, description="Correct the filters on the audit log before exporting")
    filters = form.filters()
    head_seq, head_hash = record_export(
        current_user,
        export_format=export_format,
        filter_description=filter_description(filters),
        via="web",
        client=client_from_request(),
    )
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    name = f"permit-audit-{stamp}.{export_format}"
    context = ExportContext(
        exported_by=current_user.email,
        head_seq=head_seq,
        head_hash=head_hash,
        app_version=current_app.config["APP_VERSION"],
    )
    signing_key = load_signing_key(current_app.config.get("AUDIT_SIGNING_KEY"))
    body = _zip_stream(name, export_format, filters, context, signing_key)
    return Response(
        stream_with_context(body),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _zip_stream(
    name: str,
    export_format: ExportFormat,
    filters: AuditFilters,
    context: ExportContext,
    signing_key: Ed25519PrivateKey | None,
) -> Iterator[bytes]:
    pipe = _Pipe()
    tally = ExportTally()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as entry:
            for chunk in export_chunks(
                db.session, export_format, filters, up_to_seq=context.head_seq, tally=tally
            ):
                entry.write(chunk)
                yield pipe.take()
        manifest = build_manifest(
            file_name=name,
            export_format=export_format,
            filters=filters,
            tally=tally,
            context=context,
            signing_key=signing_key,
        )
        archive.writestr(f"{name}.manifest.json", manifest_json(manifest))
    yield pipe.take()
