"""Checking an export file, and its manifest, without the database.

This is the application's own verifier: it parses every row back into its fields and
recomputes the hash through `app.audit.chain`. `tools/verify_export.py` is a second,
independent implementation using only Python's standard library, for auditors; the tests
run both on the same files, good and tampered, and expect the same verdicts.
"""

from __future__ import annotations

import base64
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
from app.audit.export import EXPORT_COLUMNS, FORMULA_TRIGGERS, FREE_TEXT_COLUMNS
from app.audit.manifest import public_key_text, verify_signature
from app.models.audit import GENESIS_HASH
from app.rules.canonical_json import dumps

_INT_COLUMNS = {"seq", "actor_id", "request_id"}
#: The cells other than text that may be empty (null); any other empty cell is refused by
#: its own form ("seq is not a whole number", "hash is not 64 lower-case hex characters").
_NULLABLE_COLUMNS = {"actor_id", "request_id"}
_JSON_COLUMNS = {"actor_roles": list, "payload": dict}
_TEXT_COLUMNS = frozenset(FREE_TEXT_COLUMNS)
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z", re.ASCII)
_WHOLE = re.compile(r"(?:0|[1-9][0-9]*)\Z", re.ASCII)  # no sign, no leading zeros
_HEX64 = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)

# What is wrong, in the words tools/verify_export.py uses too.
CSV_LINE_ENDING = "the record does not end with CRLF (\\r\\n), as every CSV export's records do"
NO_BOM = "no byte-order mark: a CSV export starts with EF BB BF (is this a JSON Lines export?)"
UNEXPECTED_BOM = "a byte-order mark: a JSON Lines export has none (is this a CSV export?)"
EMPTY_COMPLETE = "no events: a complete export holds at least one, its own audit_exported event"
MANIFEST_REQUIRED = (
    "no manifest: a public key was given, so the export's signed manifest is required "
    "(EXPORT.manifest.json beside it, or --manifest)"
)
SIGNATURE_FAILS_CARRIED_KEY = (
    "manifest signature does not verify, not even against the public key the manifest carries"
)
SIGNATURE_CARRIED_KEY_ONLY = (
    "the manifest's signature verifies against the public key it carries, which anyone "
    "could have put there: to trust it, give --public-key with the key obtained separately"
)
JSONL_CRLF = "the line ends with CRLF: a JSON Lines export's lines end with a line feed alone"
OTHER_KEY = "manifest signature does not verify: it was made with another key than the one given"
NOT_CANONICAL_JSONL = (
    "the line is not in the export's canonical form (canonical JSON: keys sorted, no "
    "spaces, prev_hash and hash last)"
)


class BadRow(Exception):
    """A row that cannot be read as an event at all; `line` and `seq` when known."""

    def __init__(self, reason: str, line: int | None = None, seq: int | None = None) -> None:
        super().__init__(reason)
        self.line, self.seq = line, seq


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


def _text_value(name: str, cell: str) -> str:
    """A free-text cell's value: the spreadsheet-safety "'" removed where the export puts
    one, refused where it would have put one and did not, or put one it never writes."""
    if cell[:1] == "" or cell[0] not in FORMULA_TRIGGERS:
        return cell
    if cell[0] == "'" and cell[1:2] != "" and cell[1] in FORMULA_TRIGGERS:
        return cell[1:]
    if cell[0] == "'":
        raise BadRow(
            f'the {name} cell starts with a "\'" that Permit never writes there '
            "(it writes one only before = + - @ tab CR or ')"
        )
    raise BadRow(
        f'the {name} cell starts with {cell[0]!r} but lacks the "\'" that Permit '
        "always writes in front of it (a spreadsheet would run it as a formula)"
    )


def _csv_value(name: str, cell: str) -> Any:
    if name in _TEXT_COLUMNS:
        return _text_value(name, cell) or None
    if cell == "" and name in _NULLABLE_COLUMNS:
        return None
    # Cells must be exactly what the export writes, as the standalone verifier (which
    # hashes the cells' text) requires: "007" or '{"a": 1}' would read as the same value.
    if name in _INT_COLUMNS:
        if not _WHOLE.match(cell):
            raise BadRow(f"{name} is not a whole number")
        return int(cell)
    if name in _JSON_COLUMNS:
        kind = _JSON_COLUMNS[name]
        try:
            value = json.loads(cell)
        except ValueError:
            value = None
        if type(value) is not kind or dumps(value) != cell:
            raise BadRow(
                f"{name} is not canonical JSON ({'an array' if kind is list else 'an object'})"
            )
        return value
    if name == "occurred_at" and not _TIME.match(cell):
        raise BadRow("occurred_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    if name in ("prev_hash", "hash") and not _HEX64.match(cell):
        raise BadRow(f"{name} is not 64 lower-case hex characters")
    return cell


BOM = b"\xef\xbb\xbf"


class _Lines:
    """The file's physical lines, for csv.reader, remembering the last one it took: the
    line that ends the record just read, whose ending the format fixes."""

    def __init__(self, handle: Any) -> None:
        self.handle, self.last = handle, ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = line = next(self.handle)
        return line


def _csv_events(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # A byte that is not UTF-8 becomes a lone surrogate, so the row holding it is named.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        yield from _csv_rows(_Lines(handle))


def _csv_rows(lines: _Lines) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise BadRow("no header row: a CSV export has at least its header row", 1)
    if tuple(header) != EXPORT_COLUMNS:
        raise BadRow("the header row is not a Permit export's columns", 1)
    if lines.last[-2:] != "\r\n":
        raise BadRow(CSV_LINE_ENDING, 1)
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:  # a cell over the csv module's size limit, say
            raise BadRow(str(error), reader.line_num) from None
        if row is None:
            return
        line = reader.line_num
        seq = int(row[0]) if row and _WHOLE.match(row[0]) else None
        if len(row) != len(EXPORT_COLUMNS):
            raise BadRow(f"expected {len(EXPORT_COLUMNS)} cells, found {len(row)}", line)
        if lines.last[-2:] != "\r\n":
            raise BadRow(CSV_LINE_ENDING, line, seq)
        try:
            "".join(row).encode("utf-8")
        except UnicodeEncodeError:
            raise BadRow("the row is not UTF-8 text", line, seq) from None
        try:
            event = {
                name: _csv_value(name, cell) for name, cell in zip(EXPORT_COLUMNS, row, strict=True)
            }
        except BadRow as error:
            raise BadRow(str(error), line, seq) from None
        yield line, event


def _seq_of_bytes(line: bytes) -> int | None:
    """The seq of a line that is not UTF-8, to name the row, when it can be read."""
    try:
        seq = json.loads(line.decode("utf-8", "surrogateescape")).get("seq")
    except (ValueError, AttributeError):
        return None
    return seq if type(seq) is int else None


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise BadRow(f'the key "{key}" appears twice')
        seen[key] = value
    return seen


def _jsonl_events(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                raise BadRow("every line of a JSON Lines export ends with a line feed", number)
            try:
                event = json.loads(line, object_pairs_hook=_no_repeated_keys)
            except BadRow as error:
                raise BadRow(str(error), number) from None
            except UnicodeDecodeError:
                raise BadRow("the row is not UTF-8 text", number, _seq_of_bytes(line)) from None
            except ValueError as error:
                raise BadRow(f"not JSON ({error})", number) from None
            if not isinstance(event, dict) or set(event) != set(EXPORT_COLUMNS):
                raise BadRow("the line does not hold exactly the export's fields", number)
            seq = event["seq"]
            if type(seq) is not int or seq < 0:
                raise BadRow("seq is not a whole number", number)
            for name in ("prev_hash", "hash"):
                if not (isinstance(event[name], str) and _HEX64.match(event[name])):
                    raise BadRow(f"{name} is not 64 lower-case hex characters", number, seq)
            # The hash covers the line's exact bytes (the standalone verifier hashes them
            # as they are): spaces or a repeated key would change what a reader sees.
            if line != _jsonl_form(event):
                crlf = line.endswith(b"\r\n")
                raise BadRow(JSONL_CRLF if crlf else NOT_CANONICAL_JSONL, number, seq)
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


def export_format_of(path: Path, manifest: dict[str, Any] | None) -> str:
    """ "csv" or "jsonl": the manifest's file.format, or else the file name's extension;
    never guessed from the content, so a file passed off as the other format is named."""
    if manifest is not None:
        stated = (manifest.get("file") or {}).get("format")
        if stated not in ("csv", "jsonl"):
            raise BadRow(f'the manifest\'s file.format is {stated!r}, not "csv" or "jsonl"')
        return str(stated)
    extension = path.suffix.lower().lstrip(".")
    if extension not in ("csv", "jsonl"):
        raise BadRow(
            "cannot tell the format: the file's name ends in neither .csv nor .jsonl, and "
            "there is no manifest to say"
        )
    return extension


def _check_opening(path: Path, export_format: str) -> None:
    with path.open("rb") as handle:
        opening = handle.read(len(BOM))
    if export_format == "csv" and opening != BOM:
        if not opening:
            raise BadRow("the file is empty: a CSV export has at least its header row", 1)
        raise BadRow(NO_BOM, 1)
    if export_format == "jsonl" and opening == BOM:
        raise BadRow(UNEXPECTED_BOM, 1)


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
    if manifest is None and public_key is not None:
        verdict.problem = FileProblem(None, None, MANIFEST_REQUIRED)
        return verdict
    if manifest is not None:
        problem = _check_manifest_against_file(manifest, path, public_key, verdict)
        if problem:
            verdict.problem = problem
            return verdict
    else:
        verdict.notes.append("no manifest: the file was checked as a complete export")
    previous: dict[str, Any] | None = None
    line = 0
    seen_anchor = False
    try:
        export_format = export_format_of(path, manifest)
        _check_opening(path, export_format)
        events = _csv_events(path) if export_format == "csv" else _jsonl_events(path)
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
    except BadRow as error:
        verdict.problem = FileProblem(error.line, error.seq, str(error))
        return verdict
    except (ValueError, KeyError, TypeError) as error:
        verdict.problem = FileProblem(line + 1 if line else None, None, f"unreadable: {error}")
        return verdict
    if complete and verdict.count == 0:
        verdict.problem = FileProblem(None, None, EMPTY_COMPLETE)
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
        carried = _carried_key(manifest)
        if public_key is None:
            # Check what can be checked; whoever rewrote the file could also have
            # re-signed it with a key of their own, so only a key given separately trusts.
            if carried is None or not verify_signature(manifest, carried):
                return FileProblem(None, None, SIGNATURE_FAILS_CARRIED_KEY)
            verdict.notes.append(SIGNATURE_CARRIED_KEY_ONLY)
        elif carried is not None and public_key_text(carried) != public_key_text(public_key):
            return FileProblem(
                None,
                None,
                OTHER_KEY,
            )
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


def _carried_key(manifest: dict[str, Any]) -> Ed25519PublicKey | None:
    """The public key the manifest's signature says it was made with, if readable."""
    try:
        raw = base64.b64decode(manifest["signature"]["public_key"], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, KeyError, TypeError):
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
