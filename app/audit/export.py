"""Exports of the audit trail: CSV and JSON Lines, streamed from the database in batches.

Every exported row carries `seq`, `prev_hash`, `hash` and every hashed field, so its hash
can be recomputed from the row alone (docs/audit-format.md, "Exports"). Rows are read by
keyset batches over `seq` and written as they arrive: memory stays flat whatever the
size of the log.

Both formats are built from the stored text, without parsing it: JSON columns are stored
in canonical form (app.rules.canonical_json), and the JSON Lines writer below produces exactly
the canonical bytes that `app.audit.chain.canonical_json` hashes (a test holds the two
together).

Speed (issue 4; bench/export.py measures it at a million events): the writers format a
whole batch in one comprehension of f-strings, because a Python call per row or per cell
costs as much as the database's own dump of that row. For the same reason the CSV cells
are built by hand rather than by `csv.writer` (under half the time, the same bytes:
tests/audit_export/test_csv_cells.py), and on PostgreSQL the server writes the CSV itself
through COPY (`postgres_csv_chunks`).
"""

from __future__ import annotations

import enum
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, BinaryIO

from sqlalchemy import String, Text, bindparam, case, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from app.audit.chain import HASHED_FIELDS
from app.audit.filters import AuditFilters, filtered_events
from app.extensions import SessionLike
from app.models.audit import AuditEvent

#: Rows fetched from the database per round trip, and formatted into one chunk.
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
FREE_TEXT_COLUMNS = (
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

#: What opens a CSV export: a byte-order mark, so that Excel reads it as UTF-8, and the
#: header row.
CSV_OPENING = b"\xef\xbb\xbf" + (",".join(EXPORT_COLUMNS) + "\r\n").encode("ascii")


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is ExportFormat.CSV else "application/jsonl"


Row = tuple[Any, ...]


# Reading rows. ------------------------------------------------------------------------


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


def stream_batches(
    session: SessionLike,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    batch_size: int | None = None,
) -> Iterator[list[Row]]:
    """Matching events with seq <= `up_to_seq`, oldest first, as lists of tuples of
    EXPORT_COLUMNS: one list per round trip, fetched only when the previous is consumed."""
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
            if rows:
                yield rows
            if len(rows) < batch_size:
                return
            last = rows[-1][0]
    finally:
        cursor.close()


def stream_rows(
    session: SessionLike,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    batch_size: int | None = None,
) -> Iterator[Row]:
    """The rows of `stream_batches`, one at a time."""
    for batch in stream_batches(session, filters, up_to_seq=up_to_seq, batch_size=batch_size):
        yield from batch


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


# Writers: each turns a batch of rows into text. ----------------------------------------


def csv_quoted(value: str) -> str:
    """A cell as csv.writer writes it (minimal quoting, lines ending CRLF): in double
    quotes, with its own doubled, when it holds a quote, a comma, a CR or a LF."""
    if '"' in value or "," in value or "\r" in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(value: str | None) -> str:
    """A free-text cell: empty for null; a "'" in front of a formula trigger; quoted."""
    if value is None:
        return ""
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return csv_quoted(value)


def csv_lines(rows: Sequence[Row]) -> str:
    """CSV lines for `rows`, each ending CRLF. Integers go in as they are; occurred_at,
    the JSON text and the hashes are quoted if need be, as csv.writer would."""
    q, t = csv_quoted, csv_text
    return "".join(
        [
            f"{seq},{q(occurred_at)},{t(event_type)},{'' if actor_id is None else actor_id},"
            f"{t(actor_email)},{q(actor_roles)},{'' if request_id is None else request_id},"
            f"{t(request_reference)},{t(from_status)},{t(to_status)},{t(stage)},{t(comment)},"
            f"{q(payload)},{t(client_address)},{t(correlation_id)},{q(prev_hash)},{q(hash_)}\r\n"
            for (
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
            ) in rows
        ]
    )


def jsonl_lines(rows: Sequence[Row]) -> str:
    """JSON Lines for `rows`: each event's canonical JSON (keys in sorted order), with
    `"prev_hash"` and `"hash"` added at the end, before the closing brace."""
    s = encode_basestring  # a JSON string, escaped as canonical JSON requires (in C)
    return "".join(
        [
            f'{{"actor_email":{"null" if actor_email is None else s(actor_email)},'
            f'"actor_id":{"null" if actor_id is None else actor_id},'
            f'"actor_roles":{actor_roles},'
            f'"client_address":{"null" if client_address is None else s(client_address)},'
            f'"comment":{"null" if comment is None else s(comment)},'
            f'"correlation_id":{"null" if correlation_id is None else s(correlation_id)},'
            f'"event_type":{"null" if event_type is None else s(event_type)},'
            f'"from_status":{"null" if from_status is None else s(from_status)},'
            f'"occurred_at":"{occurred_at}","payload":{payload},'
            f'"request_id":{"null" if request_id is None else request_id},'
            f'"request_reference":{"null" if request_reference is None else s(request_reference)},'
            f'"seq":{seq},"stage":{"null" if stage is None else s(stage)},'
            f'"to_status":{"null" if to_status is None else s(to_status)},'
            f'"prev_hash":"{prev_hash}","hash":"{hash_}"}}\n'
            for (
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
            ) in rows
        ]
    )


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """`rows` in lists of `size` (itertools.batched arrives in Python 3.12)."""
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


@dataclass(frozen=True)
class Writer:
    """One format: the bytes that open the file, and a batch of rows as text."""

    opening: bytes
    lines: Callable[[Sequence[Row]], str]

    def encode(self, batches: Iterable[Sequence[Row]]) -> Iterator[bytes]:
        """The file's bytes: the opening, then one chunk per batch."""
        if self.opening:
            yield self.opening
        for batch in batches:
            yield self.lines(batch).encode("utf-8")

    def chunks(self, rows: Iterable[Row], rows_per_chunk: int = 2000) -> Iterator[bytes]:
        """The file's bytes for rows given one at a time, pulled only as they are written."""
        return self.encode(batched(rows, rows_per_chunk))


#: The export registry: format -> writer. A view or command only streams what it gives.
WRITERS: dict[ExportFormat, Writer] = {
    ExportFormat.CSV: Writer(CSV_OPENING, csv_lines),
    ExportFormat.JSONL: Writer(b"", jsonl_lines),
}


# PostgreSQL: the server writes the CSV. ------------------------------------------------

#: FORMULA_TRIGGERS as code points, for PostgreSQL's ascii(): comparing integers costs the
#: server a fraction of what comparing each cell's first letter as text does.
_TRIGGER_CODES = tuple(sorted(ord(trigger) for trigger in FORMULA_TRIGGERS))

#: Bytes of CSV gathered from COPY's rows before they are handed on as one chunk.
COPY_CHUNK_BYTES = 1 << 20


def _neutralised(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`csv_text`'s "'" in SQL: in front of a cell that starts with a formula trigger.
    ascii() of null is null, so a null stays null (an empty cell)."""
    codes: list[ColumnElement[int]] = [literal_column(str(code)) for code in _TRIGGER_CODES]
    quote: ColumnElement[str] = literal_column("''''")
    return case((func.ascii(column).in_(codes), quote.concat(column)), else_=column)


def _copy_columns() -> list[ColumnElement[Any]]:
    columns = {column.name: column for column in _columns("postgresql")}
    for name in FREE_TEXT_COLUMNS:
        columns[name] = _neutralised(getattr(AuditEvent, name)).label(name)
    return [columns[name] for name in EXPORT_COLUMNS]


def can_copy(session: SessionLike) -> bool:
    """True on PostgreSQL over a UTF-8 connection, where COPY's bytes are the file's."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return False
    driver = connection.connection.driver_connection
    return str(driver.info.encoding) == "utf-8"  # type: ignore[union-attr]


def postgres_csv_chunks(
    session: SessionLike,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    tally: ExportTally,
) -> Iterator[bytes]:
    """The CSV export's bytes as PostgreSQL writes them.

    `COPY (SELECT ...) TO STDOUT (FORMAT csv)` quotes exactly the cells csv.writer quotes
    (those holding a comma, a quote, CR or LF; quotes doubled) and writes null as an empty
    cell, so the SELECT only has to neutralise. Where `csv_lines` writes an empty string as
    an empty cell, COPY writes `""`; Permit never stores one (text is null instead), and a
    CSV reader reads both as the same empty cell.

    COPY ends a row with LF, the format with CRLF. psycopg hands over exactly one row per
    read() (libpq's PQgetCopyData), so the row's last byte is its end, whatever line
    breaks its quoted cells hold: only that byte is replaced.
    """
    connection = session.connection()
    query = (
        filtered_events(filters)
        .with_only_columns(*_copy_columns())
        .where(AuditEvent.seq <= up_to_seq)
        .order_by(AuditEvent.seq)
    )
    compiled = query.compile(dialect=connection.dialect)
    params = _driver_params(compiled, connection.dialect)
    names = compiled.positiontup
    # Given even when empty: the driver then reads the compiled SQL's "%%" as "%".
    values = [params[name] for name in names] if names else params
    statement = f"COPY ({compiled}) TO STDOUT (FORMAT csv)"
    driver = connection.connection.driver_connection
    yield CSV_OPENING
    chunk, count, first, last = bytearray(), 0, None, b""
    with driver.cursor() as cursor, cursor.copy(statement, values) as copy:  # type: ignore[union-attr]
        read = copy.read
        while row := read():
            chunk += row[:-1]
            chunk += b"\r\n"
            count += 1
            last = row
            if len(chunk) >= COPY_CHUNK_BYTES:
                first = first or _seq_of(chunk)
                tally.add_rows(count, first, _seq_of(last))
                count = 0
                yield bytes(chunk)
                chunk.clear()
    if count:
        tally.add_rows(count, first or _seq_of(chunk), _seq_of(last))
        yield bytes(chunk)


def _seq_of(row: Any) -> int:
    """The seq a CSV row starts with: digits, never quoted."""
    return int(bytes(row[:24]).split(b",", 1)[0])


# The export. ---------------------------------------------------------------------------


@dataclass
class ExportTally:
    """What was written: filled in while the chunks pass through `export_chunks`."""

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

    def add_rows(self, count: int, first_seq: int, last_seq: int) -> None:
        if self.first_seq is None:
            self.first_seq = first_seq
        self.last_seq = last_seq
        self.count += count


def _counted(batches: Iterable[list[Row]], tally: ExportTally) -> Iterator[list[Row]]:
    for batch in batches:
        tally.add_rows(len(batch), batch[0][0], batch[-1][0])
        yield batch


def _chunks(
    session: SessionLike,
    export_format: ExportFormat,
    filters: AuditFilters,
    up_to_seq: int,
    tally: ExportTally,
) -> Iterator[bytes]:
    if export_format is ExportFormat.CSV and can_copy(session):
        return postgres_csv_chunks(session, filters, up_to_seq=up_to_seq, tally=tally)
    batches = stream_batches(session, filters, up_to_seq=up_to_seq)
    return WRITERS[export_format].encode(_counted(batches, tally))


def export_chunks(
    session: SessionLike,
    export_format: ExportFormat,
    filters: AuditFilters,
    *,
    up_to_seq: int,
    tally: ExportTally,
) -> Iterator[bytes]:
    """The export file's bytes, in chunks; `tally` holds the count and SHA-256 at the end."""
    for chunk in _chunks(session, export_format, filters, up_to_seq, tally):
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
