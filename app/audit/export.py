"""Exports of the audit trail: CSV and JSON Lines, streamed from the database in batches.

Every exported row carries `seq`, `prev_hash`, `hash` and every hashed field, so its hash
can be recomputed from the row alone (docs/audit-format.md, "Exports"). Rows are read by
keyset batches over `seq` and written as they arrive: memory stays flat whatever the
size of the log.

Both formats are built from the stored text, without parsing it: JSON columns are stored
in canonical form (app.canonical_json), and the JSON Lines writer below produces exactly
the canonical bytes that `app.audit.chain.canonical_json` hashes (a test holds the two
together).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, BinaryIO

from sqlalchemy import String, Text, bindparam, cast, func
from sqlalchemy.sql.elements import ColumnElement

from app.audit.chain import HASHED_FIELDS
from app.audit.filters import AuditFilters, filtered_events
from app.extensions import SessionLike
from app.models.audit import AuditEvent

#: Rows fetched from the database per round trip.
BATCH_SIZE = 5000

#: The columns of both formats, in order: the hashed fields, then prev_hash and hash.
EXPORT_COLUMNS: tuple[str, ...] = (*HASHED_FIELDS, "prev_hash", "hash")

#: A CSV cell starting with one of these could run as a formula in a spreadsheet
#: (OWASP CSV injection); such a cell, and any cell starting with the quote itself, is
#: written with a leading "'" that verifiers remove.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")

#: The CSV columns holding free text. Every one is neutralised, our own codes (event
#: type, statuses, stage) included: a verifier removes a leading "'" from any cell, so a
#: value that began with "'" must always have been written with another in front.
_FREE_TEXT = tuple(
    EXPORT_COLUMNS.index(name)
    for name in (
        "event_type",
        "actor_email",
        "request_reference",
        "from_status",
        "to_status",
        "stage",
        "comment",
        "client_address",
        "correlation_id",
    )
)


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is ExportFormat.CSV else "application/jsonl"


Row = tuple[Any, ...]


def _occurred_at_text(dialect: str) -> ColumnElement[str]:
    """occurred_at as the chain writes it (YYYY-MM-DDTHH:MM:SS.ffffffZ), by the database."""
    if dialect == "postgresql":
        return func.to_char(AuditEvent.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" text, always with six fractional digits.
    return func.replace(cast(AuditEvent.occurred_at, String), " ", "T").concat("Z")


def _columns(dialect: str) -> list[ColumnElement[Any]]:
    columns: dict[str, ColumnElement[Any]] = {
        name: getattr(AuditEvent, name) for name in EXPORT_COLUMNS
    }
    columns["occurred_at"] = _occurred_at_text(dialect)
    # The stored canonical JSON text, not a parsed value.
    columns["actor_roles"] = cast(AuditEvent.actor_roles, Text)
    columns["payload"] = cast(AuditEvent.payload, Text)
    return [columns[name].label(name) for name in EXPORT_COLUMNS]


def stream_rows(
    session: SessionLike,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    batch_size: int | None = None,
) -> Iterator[Row]:
    """Matching events with seq <= `up_to_seq`, oldest first, as tuples of EXPORT_COLUMNS."""
    batch_size = batch_size or BATCH_SIZE
    connection = session.connection()
    query = (
        filtered_events(filters)
        .with_only_columns(*_columns(connection.dialect.name))
        .where(AuditEvent.seq > bindparam("after"), AuditEvent.seq <= up_to_seq)
        .order_by(AuditEvent.seq)
        .limit(batch_size)
    )
    # Compiled once and run on the driver's own cursor: for a million rows, SQLAlchemy's
    # result layer would cost as much again as the database's work (bench/export.py).
    compiled = query.compile(dialect=connection.dialect)
    sql, names = str(compiled), compiled.positiontup
    params = _driver_params(compiled, connection.dialect)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    last = 0
    try:
        while True:
            values = {**params, "after": last}
            cursor.execute(sql, [values[name] for name in names] if names else values)
            rows = cursor.fetchall()
            yield from rows
            if len(rows) < batch_size:
                return
            last = rows[-1][0]
    finally:
        cursor.close()


def _driver_params(compiled: Any, dialect: Any) -> dict[str, Any]:
    """The query's parameters as SQLAlchemy would hand them to the driver: through each
    type's bind processor. A date filter's bounds are aware datetimes that `UTCDateTime`
    turns into naive UTC, as stored; passed raw, PostgreSQL would read them through the
    session's TimeZone and shift the days wherever that is not UTC."""
    params = dict(compiled.params)
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and params.get(name) is not None:
            params[name] = processor(params[name])
    return params


# Writers: each turns rows into chunks of bytes. -------------------------------------


def _neutralise(row: Row) -> Row:
    """The row with a "'" before every free-text cell that starts with a trigger."""
    for index in _FREE_TEXT:
        value = row[index]
        if value and value.startswith(FORMULA_TRIGGERS):
            return tuple(
                "'" + cell
                if i in _FREE_TEXT and cell and cell.startswith(FORMULA_TRIGGERS)
                else cell
                for i, cell in enumerate(row)
            )
    return row


def csv_chunks(rows: Iterable[Row], rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), one header row, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    batch: list[Row] = []
    for row in rows:
        batch.append(_neutralise(row))
        if len(batch) >= rows_per_chunk:
            yield _csv_bytes(writer, buffer, batch)
            batch = []
    if batch:
        yield _csv_bytes(writer, buffer, batch)


def _csv_bytes(writer: Any, buffer: io.StringIO, batch: list[Row]) -> bytes:
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(batch)
    return buffer.getvalue().encode("utf-8")


def _json_text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def jsonl_line(row: Row) -> str:
    """One event as a JSON Lines line: its canonical JSON (keys in sorted order), with
    `"prev_hash"` and `"hash"` added at the end, before the closing brace."""
    (
        seq,
        occurred_at,
        event_type,
        actor_id,
        actor_email,
        actor_roles,
        request_id,
        request_reference,
        from_status,
        to_status,
        stage,
        comment,
        payload,
        client_address,
        correlation_id,
        prev_hash,
        hash_,
    ) = row
    return (
        f'{{"actor_email":{_json_text(actor_email)},"actor_id":{_json_int(actor_id)},'
        f'"actor_roles":{actor_roles},"client_address":{_json_text(client_address)},'
        f'"comment":{_json_text(comment)},"correlation_id":{_json_text(correlation_id)},'
        f'"event_type":{_json_text(event_type)},"from_status":{_json_text(from_status)},'
        f'"occurred_at":"{occurred_at}","payload":{payload},'
        f'"request_id":{_json_int(request_id)},'
        f'"request_reference":{_json_text(request_reference)},"seq":{seq},'
        f'"stage":{_json_text(stage)},"to_status":{_json_text(to_status)},'
        f'"prev_hash":"{prev_hash}","hash":"{hash_}"}}\n'
    )


def jsonl_chunks(rows: Iterable[Row], rows_per_chunk: int = 2000) -> Iterator[bytes]:
    batch: list[str] = []
    for row in rows:
        batch.append(jsonl_line(row))
        if len(batch) >= rows_per_chunk:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


#: The export registry: format -> writer. A view or command only streams what it gives.
WRITERS: dict[ExportFormat, Callable[[Iterable[Row]], Iterator[bytes]]] = {
    ExportFormat.CSV: csv_chunks,
    ExportFormat.JSONL: jsonl_chunks,
}


@dataclass
class ExportTally:
    """What was written: filled in while the chunks pass through `tally`."""

    count: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    size: int = 0
    sha256: Any = None

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256()

    @property
    def digest(self) -> str:
        return str(self.sha256.hexdigest())


def _counted(rows: Iterable[Row], tally: ExportTally) -> Iterator[Row]:
    for row in rows:
        if tally.first_seq is None:
            tally.first_seq = row[0]
        tally.last_seq = row[0]
        tally.count += 1
        yield row


def export_chunks(
    session: SessionLike,
    export_format: ExportFormat,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    tally: ExportTally,
) -> Iterator[bytes]:
    """The export file's bytes, in chunks; `tally` holds the count and SHA-256 at the end."""
    rows = _counted(stream_rows(session, filters, up_to_seq=up_to_seq), tally)
    for chunk in WRITERS[export_format](rows):
        tally.size += len(chunk)
        tally.sha256.update(chunk)
        yield chunk


def write_export(
    session: SessionLike,
    export_format: ExportFormat,
    filters: AuditFilters,
    out: BinaryIO,
    *,
    up_to_seq: int,
) -> ExportTally:
    tally = ExportTally()
    for chunk in export_chunks(session, export_format, filters, up_to_seq=up_to_seq, tally=tally):
        out.write(chunk)
    return tally
