"""`audit verify`, `audit export`, `audit head` and `audit keygen`."""

from __future__ import annotations

import getpass
import json
import re
import socket
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import func, select

from app.audit.chain import chain_head
from app.audit.checkpoints import from_seq_for, last_checkpoint, snapshot_session, verify_scope
from app.audit.events import EventType
from app.audit.export import ExportFormat, ExportTally, export_chunks
from app.audit.filters import AuditFilters, filtered_events
from app.audit.manifest import (
    ExportContext,
    build_manifest,
    filter_description,
    generate_key_pair,
    load_public_key,
    load_signing_key,
    manifest_json,
)
from app.audit.verify import VerifyResult
from app.audit.verify_export import verify_file
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.audit_checks import CheckScope
from app.operations.record_export import record_export

audit_cli = click.Group("audit", help="Check, export and anchor the audit trail.")

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _parse_anchor(_ctx: Any, _param: Any, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = _ANCHOR.match(value.strip().lower())
    if not match:
        raise click.BadParameter("give SEQ:HASH, such as 42:3f2a… with the 64-character hash")
    return int(match.group(1)), match.group(2)


anchor_option = click.option(
    "--anchor",
    callback=_parse_anchor,
    help="SEQ:HASH published earlier: prove the log still holds exactly that event there.",
)


@audit_cli.command("verify")
@click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check an export file instead of the database.",
)
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The export's manifest (default: FILE.manifest.json when it exists).",
)
@click.option(
    "--public-key",
    "public_key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM public key to check the manifest's signature.",
)
@click.option(
    "--from-checkpoint/--from-start",
    default=False,
    help="Check from the last checkpoint a passing check left, or (the default) every "
    "event from the first. Either way the checkpoint's event must keep its hash.",
)
@anchor_option
def verify_command(
    file_path: Path | None,
    manifest_path: Path | None,
    public_key_path: Path | None,
    from_checkpoint: bool,
    anchor: tuple[int, str] | None,
) -> None:
    """Check every hash and link; exit 1 naming the first problem."""
    if file_path is not None:
        _verify_export_file(file_path, manifest_path, public_key_path, anchor)
        return
    result = _verify_database(CheckScope.ROUTINE if from_checkpoint else CheckScope.FULL)
    if result.problem is not None:
        click.echo(f"Audit chain BROKEN at seq {result.problem.seq}: {result.problem.reason}")
        click.echo(f"{result.count} events verified before it.")
        raise SystemExit(1)
    if anchor is not None:
        stored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor[0]))
        if stored != anchor[1]:
            what = "has no such event" if stored is None else "holds a different hash there"
            click.echo(f"Anchor NOT matched: the log {what} (seq {anchor[0]}).")
            raise SystemExit(1)
        click.echo(f"Anchor matched: seq {anchor[0]} still has hash {anchor[1]}.")
    click.echo(f"Audit chain OK: {result.count} events, head seq {result.head_seq}")
    click.echo(f"Head hash: {result.head_hash}")


def _verify_database(scope: CheckScope) -> VerifyResult:
    """Verify the stored chain as a check of `scope` does (app.audit.checkpoints), with
    click's progress bar on a terminal. Writes nothing: no check, checkpoint or event,
    so it also runs against a read-only copy of the database."""
    # All on one snapshot, which holds no lock: the service carries on meanwhile.
    with snapshot_session() as reader:
        checkpoint = last_checkpoint(reader)
        head_seq, _head_hash = chain_head(reader)
        from_seq = from_seq_for(scope, checkpoint)
        if scope is CheckScope.ROUTINE:
            if checkpoint is None:
                click.echo("No checkpoint yet: checking every event from the first.")
            else:
                click.echo(
                    f"From the last checkpoint, event {checkpoint.seq} (found intact "
                    f"{checkpoint.created_at:%Y-%m-%d %H:%M} UTC): checking events "
                    f"{from_seq} to {head_seq}."
                )
        if not sys.stderr.isatty():
            return verify_scope(reader, scope, checkpoint, head_seq)
        total = max(head_seq - from_seq + 1, 0)
        with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
            return verify_scope(
                reader,
                scope,
                checkpoint,
                head_seq,
                progress=lambda count: bar.update(count - bar.pos),
            )


def _verify_export_file(
    file_path: Path,
    manifest_path: Path | None,
    public_key_path: Path | None,
    anchor: tuple[int, str] | None,
) -> None:
    if manifest_path is None:
        beside = file_path.with_name(file_path.name + ".manifest.json")
        manifest_path = beside if beside.exists() else None
    manifest = None
    if manifest_path is not None:
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError as error:
            click.echo(f"Export NOT verified: the manifest is not JSON ({error}).")
            raise SystemExit(1) from None
    try:
        public_key = load_public_key(public_key_path) if public_key_path else None
    except ValueError as error:
        raise click.ClickException(
            f"{public_key_path} is not an Ed25519 public key ({error})"
        ) from None
    verdict = verify_file(file_path, manifest=manifest, public_key=public_key, anchor=anchor)
    for note in verdict.notes:
        click.echo(f"Note: {note}.")
    if verdict.problem is not None:
        click.echo(f"Export NOT verified: {verdict.problem}")
        click.echo(f"{verdict.count} rows verified before it.")
        raise SystemExit(1)
    if anchor is not None:
        click.echo(f"Anchor matched: seq {anchor[0]} has hash {anchor[1]}.")
    click.echo(f"Export OK: {verdict.count} events, seq {verdict.first_seq} to {verdict.last_seq}")
    if verdict.last_hash:
        click.echo(f"Last hash: {verdict.last_hash}")


@audit_cli.command("head")
def head_command() -> None:
    """Print the chain head as SEQ:HASH, to publish or escrow as an anchor."""
    seq, head_hash = chain_head(db.session)
    click.echo(f"{seq}:{head_hash}")


@audit_cli.command("keygen")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for audit-signing-key.pem (private, mode 0600) and .pub.pem.",
)
def keygen_command(out_dir: Path) -> None:
    """Make an Ed25519 key pair for signing export manifests."""
    try:
        private_path, public_path = generate_key_pair(out_dir)
    except FileExistsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Private key: {private_path} (set AUDIT_SIGNING_KEY to this path; keep it secret)")
    click.echo(f"Public key:  {public_path} (give this to auditors)")


def _parse_date(_ctx: Any, _param: Any, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give a date as YYYY-MM-DD") from None


@audit_cli.command("export")
@click.option(
    "--format", "export_format", type=click.Choice([f.value for f in ExportFormat]), required=True
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The export file; its manifest is written beside it.",
)
@click.option("--from", "first_day", callback=_parse_date, help="First day (London), YYYY-MM-DD.")
@click.option("--to", "last_day", callback=_parse_date, help="Last day (London), YYYY-MM-DD.")
@click.option("--department", help="Department code, such as DSIT.")
@click.option("--platform", help="Platform name, such as TikTok.")
@click.option("--event-type", type=click.Choice([e.value for e in EventType]))
@click.option("--reference", help="Request reference, such as PRQ-2026-00042.")
def export_command(
    export_format: str,
    out_path: Path,
    first_day: date | None,
    last_day: date | None,
    department: str | None,
    platform: str | None,
    event_type: str | None,
    reference: str | None,
) -> None:
    """Export the decision log as CSV or JSON Lines, with a manifest beside it."""
    fmt = ExportFormat(export_format)
    filters = AuditFilters(
        first_day=first_day,
        last_day=last_day,
        department=department.upper() if department else None,
        platform=platform,
        event_type=EventType(event_type) if event_type else None,
        reference=reference.upper() if reference else None,
    )
    if first_day and last_day and last_day < first_day:
        raise click.BadParameter("--to must be on or after --from")
    signing_key = load_signing_key(current_app.config.get("AUDIT_SIGNING_KEY"))
    exported_by = f"command line ({getpass.getuser()}@{socket.gethostname()})"
    head_seq, head_hash = record_export(
        None, export_format=fmt, filter_description=filter_description(filters), via="cli"
    )
    db.session.commit()
    expected = db.session.scalar(
        filtered_events(filters).where(AuditEvent.seq <= head_seq).with_only_columns(func.count())
    )
    tally = ExportTally()
    chunks = export_chunks(db.session, fmt, filters, up_to_seq=head_seq, tally=tally)
    with out_path.open("wb") as out:
        if sys.stderr.isatty():
            with click.progressbar(length=expected or 0, label="Exporting", file=sys.stderr) as bar:
                done = 0
                for chunk in chunks:
                    out.write(chunk)
                    bar.update(tally.count - done)
                    done = tally.count
        else:
            for chunk in chunks:
                out.write(chunk)
    manifest = build_manifest(
        file_name=out_path.name,
        export_format=fmt,
        filters=filters,
        tally=tally,
        context=ExportContext(exported_by, head_seq, head_hash, current_app.config["APP_VERSION"]),
        signing_key=signing_key,
    )
    manifest_path = out_path.with_name(out_path.name + ".manifest.json")
    manifest_path.write_bytes(manifest_json(manifest))
    click.echo(f"Exported {tally.count} events to {out_path}")
    click.echo(f"Manifest: {manifest_path} ({'signed' if signing_key else 'unsigned'})")
    click.echo(f"Chain head at export: {head_seq}:{head_hash}")
