"""Checking an export file, and its manifest, without the database.

This is the application's own verifier: it parses every row back into its fields and
recomputes the hash through `app.audit.chain`. `tools/verify_export.py` is a second,
independent implementation using only Python's standard library, for auditors; the tests
run both on the same files, good and tampered, and expect the same verdicts.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.chain import canonical_json, compute_hash
from app.audit.export import EXPORT_COLUMNS, FORMULA_TRIGGERS
from app.audit.manifest import verify_signature
from app.canonical_json import dumps
from app.models.audit import GENESIS_HASH

_INT_COLUMNS = {"seq", "actor_id", "request_id"}
_JSON_COLUMNS = {"actor_roles", "payload"}
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z", re.ASCII)


class BadRow(Exception):
    """A row that cannot be read as an event at all; `line` when the reader knows it."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class FileProblem:
    #: 1-based line of the file (the CSV header is line 1), or None for the file as a whole.
    line: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{', '.join(where) or 'file'}: {self.reason}"


@dataclass
class FileVerdict:
    count: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    problem: FileProblem | None = None
    #: Things the auditor should know that are not failures (an unsigned manifest).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _csv_value(name: str, cell: str) -> Any:
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_TRIGGERS:
        cell = cell[1:]  # the export's spreadsheet-safety quote
    if cell == "":
        return None
    # Cells must be exactly what the export writes, as the standalone verifier (which
    # hashes the cells' text) requires: "007" or '{"a": 1}' would read as the same value.
    if name in _INT_COLUMNS:
        if not (cell.isascii() and cell.isdigit()) or cell != str(int(cell)):
            raise BadRow(f"{name} is not a whole number")
        return int(cell)
    if name in _JSON_COLUMNS:
        value = json.loads(cell)
        if dumps(value) != cell:
            raise BadRow(f"{name} is not canonical JSON")
        return value
    if name == "occurred_at" and not _TIME.match(cell):
        raise BadRow("occurred_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return cell


BOM = b"\xef\xbb\xbf"


def _csv_events(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # A byte that is not UTF-8 becomes a lone surrogate, so the row holding it is named.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        yield from _csv_rows(csv.reader(handle))


def _csv_rows(reader: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    header = next(reader, None)
    if header is None or tuple(header) != EXPORT_COLUMNS:
        raise BadRow("the header row is not the export's columns", 1)
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:  # a cell over the csv module's size limit, say
            raise BadRow(str(error), reader.line_num) from None
        if row is None:
            return
        line = reader.line_num
        if len(row) != len(EXPORT_COLUMNS):
            raise BadRow(f"expected {len(EXPORT_COLUMNS)} cells, found {len(row)}", line)
        try:
            "".join(row).encode("utf-8")
        except UnicodeEncodeError:
            raise BadRow("the row is not UTF-8 text", line) from None
        try:
            event = {
                name: _csv_value(name, cell) for name, cell in zip(EXPORT_COLUMNS, row, strict=True)
            }
        except BadRow as error:
            raise BadRow(str(error), line) from None
        yield line, event


def _jsonl_events(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                raise BadRow("every line of a JSON Lines export ends with a line feed", number)
            try:
                event = json.loads(line)
            except ValueError as error:
                raise BadRow(str(error), number) from None
            if not isinstance(event, dict) or set(event) != set(EXPORT_COLUMNS):
                raise BadRow("the line does not hold exactly the export's fields", number)
            if not (isinstance(event["prev_hash"], str) and isinstance(event["hash"], str)):
                raise BadRow("prev_hash and hash are not strings", number)
            # The hash covers the line's exact bytes (the standalone verifier hashes them
            # as they are): spaces or a repeated key would change what a reader sees.
            if line != _jsonl_form(event):
                raise BadRow("the line is not in the export's canonical form", number)
            yield number, event


def _jsonl_form(event: dict[str, Any]) -> bytes:
    tail = f',"prev_hash":{dumps(event["prev_hash"])},"hash":{dumps(event["hash"])}}}\n'
    return canonical_json(event)[:-1] + tail.encode("utf-8")


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_file(
    path: Path,
    *,
    manifest: dict[str, Any] | None = None,
    public_key: Ed25519PublicKey | None = None,
    anchor: tuple[int, str] | None = None,
) -> FileVerdict:
    """Verify an export. Without a manifest it is taken to be complete (unfiltered)."""
    verdict = FileVerdict()
    complete = not (manifest or {}).get("filtered", False)
    if manifest is not None:
        problem = _check_manifest_against_file(manifest, path, public_key, verdict)
        if problem:
            verdict.problem = problem
            return verdict
    else:
        verdict.notes.append("no manifest: the file was checked as a complete export")
    with path.open("rb") as handle:
        is_csv = handle.read(len(BOM)) == BOM
    events = _csv_events(path) if is_csv else _jsonl_events(path)
    previous: dict[str, Any] | None = None
    line = 0
    seen_anchor = False
    try:
        for line, event in events:
            problem = _check_event(event, previous, complete, line)
            if problem:
                verdict.problem = problem
                return verdict
            if anchor and event["seq"] == anchor[0]:
                seen_anchor = True
                if event["hash"] != anchor[1]:
                    verdict.problem = FileProblem(
                        line, event["seq"], "anchor mismatch: this seq has a different hash"
                    )
                    return verdict
            verdict.count += 1
            verdict.first_seq = verdict.first_seq or event["seq"]
            verdict.last_seq, verdict.last_hash = event["seq"], event["hash"]
            previous = event
    except (BadRow, ValueError, KeyError, TypeError) as error:
        where = getattr(error, "line", None) or (line + 1 if line else None)
        verdict.problem = FileProblem(where, None, f"unreadable: {error}")
        return verdict
    verdict.problem = _check_totals(verdict, manifest, anchor, seen_anchor)
    return verdict


def _check_event(
    event: dict[str, Any], previous: dict[str, Any] | None, complete: bool, line: int
) -> FileProblem | None:
    seq = event["seq"]
    if not isinstance(seq, int):
        return FileProblem(line, None, "seq is not a whole number")
    if previous is None:
        if complete and seq != 1:
            return FileProblem(line, seq, "gap: a complete export starts at seq 1")
    elif seq <= previous["seq"]:
        return FileProblem(line, seq, f"out of order: seq {seq} after seq {previous['seq']}")
    elif seq != previous["seq"] + 1 and complete:
        return FileProblem(line, seq, f"gap: expected seq {previous['seq'] + 1}")
    if seq == 1 and event["prev_hash"] != GENESIS_HASH:
        return FileProblem(line, seq, "broken link: the first event's prev_hash is not 64 zeros")
    if (
        previous is not None
        and seq == previous["seq"] + 1
        and (event["prev_hash"] != previous["hash"])
    ):
        return FileProblem(line, seq, "broken link: prev_hash is not the previous event's hash")
    if compute_hash(event["prev_hash"], event) != event["hash"]:
        return FileProblem(line, seq, "hash mismatch: the row's fields do not give its hash")
    return None


def _check_manifest_against_file(
    manifest: dict[str, Any],
    path: Path,
    public_key: Ed25519PublicKey | None,
    verdict: FileVerdict,
) -> FileProblem | None:
    if "signature" in manifest:
        if public_key is None:
            verdict.notes.append("the manifest is signed, but no public key was given to check it")
        elif not verify_signature(manifest, public_key):
            return FileProblem(None, None, "manifest signature does not verify")
        else:
            verdict.notes.append("manifest signature verified")
    elif public_key is not None:
        # A key was given to check a signature: a manifest stripped of it must not pass.
        return FileProblem(None, None, "the manifest is unsigned, but a public key was given")
    else:
        verdict.notes.append("the manifest is unsigned: it proves nothing on its own")
    described = manifest.get("file", {})
    digest, size = _file_digest(path)
    if described.get("sha256") != digest:
        return FileProblem(None, None, "the file's SHA-256 is not the manifest's")
    if described.get("bytes") != size:
        return FileProblem(None, None, "the file's size is not the manifest's")
    return None


def _check_totals(
    verdict: FileVerdict,
    manifest: dict[str, Any] | None,
    anchor: tuple[int, str] | None,
    seen_anchor: bool,
) -> FileProblem | None:
    if anchor and not seen_anchor:
        return FileProblem(None, anchor[0], "anchor not found: this export has no such seq")
    if manifest is None:
        return None
    for name, actual in (
        ("event_count", verdict.count),
        ("first_seq", verdict.first_seq),
        ("last_seq", verdict.last_seq),
    ):
        if manifest.get(name) != actual:
            return FileProblem(
                None, None, f"{name} is {actual}, the manifest says {manifest.get(name)}"
            )
    head = manifest.get("chain_head") or {}
    ends_at_head = head.get("seq") == verdict.last_seq and head.get("hash") == verdict.last_hash
    if not manifest.get("filtered") and verdict.last_seq is not None and not ends_at_head:
        return FileProblem(None, None, "the last event is not the manifest's chain head")
    return None
