"""Streaming: rows come from the database in keyset batches and leave as chunks, so memory
stays flat whatever the size of the log; a progress bar only on a terminal."""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.audit import export
from app.audit.chain import chain_head
from app.audit.export import WRITERS, ExportFormat, stream_batches, stream_rows
from app.audit.filters import AuditFilters
from app.extensions import db
from tests.audit_export.conftest import FORMATS, Run, Verifiers, export_with
from tests.audit_export.trail import Trail


# One trail for the whole module: these tests only read it, or add exports to it.
@pytest.fixture
def trail(shared_trail: Trail) -> Trail:
    return shared_trail


@pytest.fixture
def run(shared_run: Run) -> Run:
    return shared_run


@pytest.fixture
def verifiers(shared_verifiers: Verifiers) -> Verifiers:
    return shared_verifiers


@contextmanager
def driver_queries() -> Iterator[list[str]]:
    """The SELECTs run on the driver's own connection, which stream_rows uses directly."""
    driver = db.session.connection().connection.driver_connection
    statements: list[str] = []
    if db.engine.dialect.name == "sqlite":
        driver.set_trace_callback(statements.append)
        try:
            yield statements
        finally:
            driver.set_trace_callback(None)
            statements[:] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        return
    import psycopg

    class Counting(psycopg.Cursor):
        def execute(self, query, params=None, **options):  # type: ignore[no-untyped-def]
            statements.append(str(query))
            return super().execute(query, params, **options)

    previous = driver.cursor_factory
    driver.cursor_factory = Counting
    try:
        yield statements
    finally:
        driver.cursor_factory = previous


FILTERS = {
    "everything": AuditFilters(),
    "department": AuditFilters(department="DSIT"),
    "days": AuditFilters(first_day=date(2026, 6, 30), last_day=date(2026, 12, 1)),
    "type": AuditFilters(event_type="signed_out"),
}


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("batch_size", [1, 3, 7])
def test_small_batches_give_the_same_rows_as_one_batch(trail: Trail, name: str, batch_size: int):
    head = chain_head(db.session)[0]
    filters = FILTERS[name]

    in_one = list(stream_rows(db.session, filters, up_to_seq=head, batch_size=100_000))
    in_batches = list(stream_rows(db.session, filters, up_to_seq=head, batch_size=batch_size))

    assert in_batches == in_one
    assert in_one
    assert [row[0] for row in in_one] == sorted({row[0] for row in in_one})


def test_rows_are_fetched_a_batch_at_a_time_as_they_are_consumed(trail: Trail):
    head = chain_head(db.session)[0]
    with driver_queries() as queries:
        rows = stream_rows(db.session, AuditFilters(), up_to_seq=head, batch_size=3)
        first = list(itertools.islice(rows, 3))
        after_one_batch = len(queries)
        fourth = next(rows)
        after_two = len(queries)
        rest = list(rows)

    assert (after_one_batch, after_two) == (1, 2)
    assert [row[0] for row in [*first, fourth, *rest]] == list(range(1, head + 1))
    # The last query is the one that comes back short (possibly empty).
    assert len(queries) == head // 3 + 1


def test_rows_stop_at_the_head_the_export_was_cut_at(trail: Trail):
    rows = list(stream_rows(db.session, AuditFilters(), up_to_seq=5, batch_size=2))
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_command_exports_the_same_in_small_batches(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers, monkeypatch, fmt: str
):
    monkeypatch.setattr(export, "stream_batches", functools.partial(stream_batches, batch_size=2))

    exported = export_with(run, tmp_path / f"batched.{fmt}", fmt)

    head = exported.manifest["chain_head"]["seq"]
    assert [e["seq"] for e in exported.events()] == list(range(1, head + 1))
    by_app, by_tool = verifiers.both(exported.path)
    assert by_app.ok and by_tool.ok


#: A row as stream_rows gives it, for the writers' tests (which need no database).
ROW = (
    7, "2026-07-02T09:00:00.000000Z", "changes_requested", 4, "=approver@example.gov.uk",
    '["approver"]', 2, "PRQ-2026-00002", "in_review", "changes_requested", "security",
    "Siân: say who moderates \"out of hours\"", '{"outcome":"request_changes","version":3}',
    "203.0.113.24", "5f0c9e1a2b3d4c6e", "a" * 64, "b" * 64,
)  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_pull_rows_only_as_they_write_them(fmt: str):
    # An endless supply of rows: a writer that gathered them all would never return.
    pulled = itertools.count()
    endless = (ROW for _ in pulled)

    chunks = WRITERS[ExportFormat(fmt)].chunks(endless)
    first_chunks = list(itertools.islice(chunks, 3))

    assert len(first_chunks) == 3
    assert next(pulled) <= 3 * 2000 + 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_ten_times_the_rows_takes_no_more_memory(fmt: str):
    def peak(count: int) -> int:
        digest = hashlib.sha256()
        tracemalloc.start()
        try:
            writer = WRITERS[ExportFormat(fmt)]
            for chunk in writer.chunks(itertools.repeat(ROW, count), rows_per_chunk=100):
                digest.update(chunk)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(5_000)

    assert large < small * 1.5 + 50_000


def test_on_a_terminal_the_command_shows_a_progress_bar_and_otherwise_not(
    run: Run, trail: Trail, tmp_path: Path, monkeypatch
):
    result = run("audit", "export", "--format", "csv", "--out", str(tmp_path / "a.csv"))
    assert result.exit_code == 0
    assert "Exporting" not in result.output
    assert "Exporting" not in result.stderr

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("app.cli.audit.sys", SimpleNamespace(stderr=terminal))
    result = run("audit", "export", "--format", "csv", "--out", str(tmp_path / "b.csv"))

    assert result.exit_code == 0, result.output
    assert "Exporting" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    assert "Exporting" not in result.output  # the file and stdout stay clean
