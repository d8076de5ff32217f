#!/usr/bin/env python3
"""Verify a Permit audit export offline, with nothing but Python 3.11's standard library.

    python3 verify_export.py EXPORT [--manifest M] [--public-key KEY.pub.pem]
                                    [--anchor SEQ:HASH] [--complete | --filtered]

EXPORT is a .csv or .jsonl file written by Permit (`flask audit export`, or the zip
downloaded from the audit log). The manifest defaults to EXPORT.manifest.json when that
file exists. Exit status: 0 verified, 1 not verified (the first bad row is named), 2 the
command was used wrongly.

What it checks (docs/audit-format.md, section 12.6, in that order):
- the manifest: a public key given requires a signed manifest, checked with that key;
  with no key, a signature is checked against the key the manifest carries (which shows
  it is intact, not who signed it); then the file's SHA-256 and size;
- the format, from the manifest's file.format or else the file's extension (never
  guessed), and each row's exact form: canonical JSON Lines bytes (no key twice), or CSV
  cells as Permit writes them ("'" before a formula trigger, records ending CRLF);
- every row's hash recomputes from the row alone: SHA-256(prev_hash || canonical JSON);
- rows are in increasing seq order, and consecutive seqs are linked (prev_hash is the
  previous row's hash); a complete (unfiltered) export also starts at seq 1, has no gaps
  and ends at the manifest's chain head;
- the file's SHA-256, size, event count and first and last seq are the manifest's;
- the manifest's Ed25519 signature, given the public key (this file carries its own
  small Ed25519 verifier, RFC 8032, so that no package is needed);
- with --anchor SEQ:HASH (a head published or escrowed earlier), that the export holds
  exactly that event at that position;
- a complete export holds at least one event (its own audit_exported event).

This file is deliberately independent of Permit's own code; Permit's tests run both
verifiers on the same files and expect the same verdicts.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import re
import sys
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

BOM = b"\xef\xbb\xbf"
GENESIS = "0" * 64
COLUMNS = (
    "seq",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_email",
    "actor_roles",
    "request_id",
    "request_reference",
    "from_status",
    "to_status",
    "stage",
    "comment",
    "payload",
    "client_address",
    "correlation_id",
    "prev_hash",
    "hash",
)
COLUMN_SET = frozenset(COLUMNS)
FORMULA_TRIGGERS = "=+-@\t\r'"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")
TIME_ASCII = re.compile(TIME.pattern, re.ASCII)  # stricter: 0-9 only
HEX64 = re.compile(rb"[0-9a-f]{64}\Z")
WHOLE = re.compile(r"(?:0|[1-9][0-9]*)\Z", re.ASCII)  # no sign, no leading zeros
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
#: The free-text columns: their cells take the spreadsheet-safety "'" (section 12.4).
TEXT_COLUMNS = frozenset(
    {"event_type", "actor_email", "request_reference", "from_status", "to_status", "stage"}
    | {"comment", "client_address", "correlation_id"}
)

# A JSON Lines row is the event's canonical JSON with this tail in place of its final "}".
_PREV, _HASH, _END = b',"prev_hash":"', b'","hash":"', b'"}\n'
_TAIL = len(_PREV) + 64 + len(_HASH) + 64 + len(_END)
_END_AT = len(_END)  # counted from the line's end, as _TAIL is
_HASH_AT = _END_AT + 64
_TAIL_START = _PREV + b"%s" + _HASH  # with prev_hash in its place


#: Bytes read from the file at a time: with the default 8 KiB, reading costs a tenth of
#: verifying (a system call every few rows).
_BUFFER = 1 << 16


class Failure(Exception):
    def __init__(self, reason: str, line: int | None = None, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line, self.seq = reason, line, seq

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"seq {self.seq}"] if self.seq is not None else []
        return f"{', '.join(where) or 'file'}: {self.reason}"


class Chain:
    """The order and link checks, fed one (seq, prev_hash, hash) at a time."""

    def __init__(self, complete: bool, anchor: tuple[int, str] | None, quick: bool = True) -> None:
        self.complete, self.anchor = complete, anchor
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None
        self.last_hash: str | None = None
        self.anchor_seen = False
        #: Whether the usual row may take the quick checks ("Quick checks" below).
        self.quick = quick

    def add(self, line: int, seq: int, prev_hash: str, hash_: str, recomputed: str) -> None:
        """Check the row's place (seq, then link), then its hash, in the order Permit's
        own verifier does, so that both name the same reason."""
        last = self.last
        if last is None:
            if self.complete and seq != 1:
                raise Failure("gap: a complete export starts at seq 1", line, seq)
        elif seq <= last:
            raise Failure(f"out of order: seq {seq} after seq {last}", line, seq)
        elif seq != last + 1 and self.complete:
            raise Failure(f"gap: expected seq {last + 1}", line, seq)
        if last is not None and seq == last + 1 and prev_hash != self.last_hash:
            raise Failure("broken link: prev_hash is not the previous event's hash", line, seq)
        if seq == 1 and prev_hash != GENESIS:
            raise Failure("broken link: the first event's prev_hash is not 64 zeros", line, seq)
        if recomputed != hash_:
            raise Failure("hash mismatch: the row's fields do not give its hash", line, seq)
        if self.anchor is not None and seq == self.anchor[0]:
            self.anchor_seen = True
            if hash_ != self.anchor[1]:
                raise Failure("anchor mismatch: this seq has a different hash", line, seq)
        if self.first is None:
            self.first = seq
        self.count += 1
        self.last, self.last_hash = seq, hash_

    def quick_start(self) -> tuple[int, bytes]:
        """The seq and hash (as bytes) the next row must follow to take the quick checks,
        or 0 when it must take the full ones: it is the first row, or the anchor's."""
        last = self.last
        if not (self.quick and last) or (self.anchor is not None and self.anchor[0] == last + 1):
            return 0, b""
        return last, (self.last_hash or "").encode()

    def took_quickly(self, count: int, last: int, last_hash: bytes) -> None:
        """Count `count` rows that passed the quick checks, `last` the seq of the last."""
        if count:
            self.count += count
            self.last, self.last_hash = last, last_hash.decode()


# Quick checks. The usual row follows the row before it: it has the next seq and that
# row's hash as its prev_hash. For it most checks come down to comparing strings, so the
# loops below check it inline (a JSON Lines row without parsing it at all), and send any
# other row (the first, the anchor's, one after a gap, anything odd) to the full checks,
# which also name what is wrong. A row the quick checks take is one the full checks
# would take, each quick check being the full one or stricter;
# tests/audit_export/test_quick_checks.py holds the two together. Verifying then takes
# half the time of the full checks alone (JSON Lines), or three fifths (CSV, where
# csv.reader itself is most of the cost).


def verify_jsonl(path: Path, chain: Chain) -> None:
    sha256 = hashlib.sha256
    anchor = chain.anchor[0] if chain.anchor else 0  # the anchor's row takes the full checks
    # Local names for the loop, the quickest for Python to look up.
    tail, hash_at, end_at, end, tail_start = _TAIL, _HASH_AT, _END_AT, _END, _TAIL_START
    with path.open("rb", buffering=_BUFFER) as handle:
        start, link = chain.quick_start()
        expected = tail_start % link if start else None
        last, number = start, 0
        for line in handle:
            # Quick: the tail holds the previous row's hash as prev_hash (so it is 64
            # lower-case hex, and linked), in its fixed place; the last "seq" key holds
            # exactly the next seq (what the full checks read as the row's seq); the
            # hash recomputes (fed in pieces: copying them together costs more).
            body = line[:-tail]
            if (
                line[-tail:-hash_at] == expected
                and line[-end_at:] == end
                and last + 1 != anchor
                and body.startswith(b'"seq":%d,' % (last + 1), body.rfind(b'"seq":'))
            ):
                digest = sha256(link)
                digest.update(body)
                digest.update(b"}")
                if digest.hexdigest().encode() == line[-hash_at:-end_at] and _quick_canonical(line):
                    last, link = last + 1, line[-hash_at:-end_at]
                    expected = tail_start % link
                    continue
            number += last - start + 1
            chain.took_quickly(last - start, last, link)
            _verify_jsonl_row(line, number, chain)
            start, link = chain.quick_start()
            expected = tail_start % link if start else None
            last = start
        chain.took_quickly(last - start, last, link)


def _canonical_line(line: bytes) -> bool:
    """Whether the line is exactly the canonical JSON Lines form of what it holds: a
    reader parsing it sees what was hashed (no key twice, no spaces, keys in order)."""
    try:
        event = json.loads(line)
        if event.keys() != COLUMN_SET:
            return False
        tail = b',"prev_hash":"%s","hash":"%s"}\n' % (
            event.pop("prev_hash").encode(),
            event.pop("hash").encode(),
        )
        return canonical(event)[:-1] + tail == line
    except (ValueError, TypeError, AttributeError, KeyError):
        return False


# The canonical form of a JSON Lines row, as a pattern: every field but the payload in
# its fixed place and canonical spelling, so checking a row takes one match and only the
# payload parsed (parsing and re-serialising whole rows would triple verifying's cost).
_STRING = (
    rb'"[^"\\\x00-\x1f]*(?:\\(?:["\\nrtbf]|u00(?:0[0-7]|0b|0e|0f|1[0-9a-f]))'
    rb'[^"\\\x00-\x1f]*)*"'
)
_TEXT, _WHOLE_OR_NULL = rb"(?:null|" + _STRING + rb")", rb"(?:null|0|[1-9][0-9]*)"
_CANONICAL_ROW = re.compile(
    rb'\{"actor_email":' + _TEXT + rb',"actor_id":' + _WHOLE_OR_NULL
    + rb',"actor_roles":\[(?:' + _STRING + rb"(?:," + _STRING + rb")*)?\]"
    + rb',"client_address":' + _TEXT + rb',"comment":' + _TEXT
    + rb',"correlation_id":' + _TEXT + rb',"event_type":' + _TEXT
    + rb',"from_status":' + _TEXT
    + rb',"occurred_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","payload":(\{.*?\})'
    + rb',"request_id":' + _WHOLE_OR_NULL + rb',"request_reference":' + _TEXT
    + rb',"seq":(?:0|[1-9][0-9]*),"stage":' + _TEXT + rb',"to_status":' + _TEXT
    + rb',"prev_hash":"[0-9a-f]{64}","hash":"[0-9a-f]{64}"\}\n\Z',
    re.DOTALL,
)  # fmt: skip


def _quick_canonical(line: bytes) -> bool:
    """`_canonical_line` for the usual row, quicker: True only where it is True."""
    match = _CANONICAL_ROW.match(line)
    if match is None:
        return False
    try:
        line.decode("utf-8")
    except ValueError:
        return False
    return _json_cell(match.group(1).decode("utf-8"), dict)


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
            raise Failure(f'the key "{key}" appears twice')
        seen[key] = value
    return seen


def _verify_jsonl_row(line: bytes, number: int, chain: Chain) -> None:
    """The full checks of a JSON Lines row, naming what is wrong with it."""
    if not line.endswith(b"\n"):
        raise Failure("every line of a JSON Lines export ends with a line feed", number)
    try:
        event = json.loads(line, object_pairs_hook=_no_repeated_keys)
    except Failure as failure:
        raise Failure(failure.reason, number) from None
    except UnicodeDecodeError:
        raise Failure("the row is not UTF-8 text", number, _seq_of_bytes(line)) from None
    except ValueError as error:
        raise Failure(f"not JSON ({error})", number) from None
    if not isinstance(event, dict) or set(event) != set(COLUMNS):
        raise Failure("the line does not hold exactly the export's fields", number)
    seq, prev_hash, hash_ = event["seq"], event["prev_hash"], event["hash"]
    if type(seq) is not int or seq < 0:
        raise Failure("seq is not a whole number", number)
    if not (isinstance(prev_hash, str) and HEX64.match(prev_hash.encode())):
        raise Failure("prev_hash is not 64 lower-case hex characters", number, seq)
    if not (isinstance(hash_, str) and HEX64.match(hash_.encode())):
        raise Failure("hash is not 64 lower-case hex characters", number, seq)
    if not _canonical_line(line):
        raise Failure(JSONL_CRLF if line.endswith(b"\r\n") else NOT_CANONICAL_JSONL, number, seq)
    hashed = canonical({name: event[name] for name in COLUMNS[:-2]})
    recomputed = hashlib.sha256(prev_hash.encode() + hashed).hexdigest()
    chain.add(number, seq, prev_hash, hash_, recomputed)


def _text(cell: str) -> str:
    return "null" if cell == "" else encode_basestring(cell)


def _whole(cell: str) -> bool:
    return WHOLE.match(cell) is not None  # str.isdigit alone takes "²", other scripts' digits


def _integer(cell: str, name: str, number: int) -> str:
    if cell == "":
        return "null"
    if not _whole(cell):
        raise Failure(f"{name} is not a whole number", number)
    return cell


class _Lines:
    """The file's physical lines, for csv.reader, remembering the last one it took: the
    line that ends the record just read, whose ending the format fixes."""

    __slots__ = ("handle", "last")

    def __init__(self, handle: Any) -> None:
        self.handle, self.last = handle, ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = line = next(self.handle)
        return line


def _ends_record(lines: _Lines, number: int, row: list[str]) -> None:
    if lines.last[-2:] != "\r\n":
        seq = int(row[0]) if row and _whole(row[0]) else None
        raise Failure(CSV_LINE_ENDING, number, seq)


def verify_csv(path: Path, chain: Chain) -> None:
    sha256 = hashlib.sha256
    anchor = chain.anchor[0] if chain.anchor else 0
    # A byte that is not UTF-8 becomes a lone surrogate, which cannot be encoded again:
    # the row holding it is named.
    with path.open(
        encoding="utf-8-sig", errors="surrogateescape", newline="", buffering=_BUFFER
    ) as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
            if header is None:
                raise Failure("no header row: a CSV export has at least its header row", 1)
            if tuple(header) != COLUMNS:
                raise Failure("the header row is not a Permit export's columns", 1)
            _ends_record(lines, 1, [])
            (last, link), taken = chain.quick_start(), 0
            link_text = link.decode()
            for row in reader:
                if lines.last[-2:] != "\r\n":  # a cut last row has too few cells, too
                    if len(row) != len(COLUMNS):
                        _verify_csv_row(row, reader.line_num, chain)
                    _ends_record(lines, reader.line_num, row)
                if last and last + 1 != anchor and len(row) == len(COLUMNS):
                    hashed = _quick_csv_row(row, str(last + 1), link_text)
                    if hashed is not None and sha256(hashed).hexdigest() == row[-1]:
                        last, link_text, taken = last + 1, row[-1], taken + 1
                        continue
                chain.took_quickly(taken, last, link_text.encode())
                _verify_csv_record(row, reader.line_num, chain)
                (last, link), taken = chain.quick_start(), 0
                link_text = link.decode()
            chain.took_quickly(taken, last, link_text.encode())
        except csv.Error as error:  # a cell over the csv module's size limit, say
            raise Failure(str(error), reader.line_num) from None


#: In a CSV row's canonical JSON, a text value starting with a formula trigger: the row
#: goes to the full checks, which know which cells take the "'" (a payload may match too).
_TRIGGER_AFTER_KEY = re.compile(r'":"(?:[=+\-@\']|\\[tr])')


#: JSON cells already found canonical, by kind: most rows repeat a role list and many a
#: payload that a row before them had.
_CANONICAL_CELLS: dict[type, set[str]] = {list: set(), dict: set()}


def _json_cell(cell: str, kind: type) -> bool:
    """Whether the cell is the canonical JSON text of a `kind` (list or dict)."""
    known = _CANONICAL_CELLS[kind]
    if cell in known:
        return True
    try:
        value = json.loads(cell)
        good = type(value) is kind and canonical_text(value) == cell
    except ValueError:
        return False
    if good:
        if len(known) > 100_000:
            known.clear()
        known.add(cell)
    return good


def _quick_csv_row(row: list[str], seq: str, link: str) -> bytes | None:
    """The bytes the usual row's hash is over, as `_verify_csv_row` would build them, or
    None for any other row: its seq is `seq`, its prev_hash `link`, and no text cell
    starts with a formula trigger or the spreadsheet-safety quote (so none has one to
    remove, and none lacks one)."""
    (seq_cell, occurred_at, event_type, actor_id, actor_email, actor_roles, request_id,
     request_reference, from_status, to_status, stage, comment, payload,
     client_address, correlation_id, prev_hash, _) = row  # fmt: skip
    if (
        seq_cell != seq
        or prev_hash != link
        or not TIME_ASCII.match(occurred_at)
        or not (not actor_id or _whole(actor_id))
        or not (not request_id or _whole(request_id))
        or not _json_cell(actor_roles, list)
        or not _json_cell(payload, dict)
    ):
        return None
    s = encode_basestring
    canonical = (
        f'{{"actor_email":{s(actor_email) if actor_email else "null"},'
        f'"actor_id":{actor_id or "null"},"actor_roles":{actor_roles},'
        f'"client_address":{s(client_address) if client_address else "null"},'
        f'"comment":{s(comment) if comment else "null"},'
        f'"correlation_id":{s(correlation_id) if correlation_id else "null"},'
        f'"event_type":{s(event_type) if event_type else "null"},'
        f'"from_status":{s(from_status) if from_status else "null"},'
        f'"occurred_at":"{occurred_at}","payload":{payload},'
        f'"request_id":{request_id or "null"},'
        f'"request_reference":{s(request_reference) if request_reference else "null"},'
        f'"seq":{seq_cell},"stage":{s(stage) if stage else "null"},'
        f'"to_status":{s(to_status) if to_status else "null"}}}'
    )
    if _TRIGGER_AFTER_KEY.search(canonical):
        return None
    try:
        return (link + canonical).encode()
    except UnicodeEncodeError:  # not UTF-8 in the file: the full checks name the row
        return None


def _verify_csv_record(row: list[str], number: int, chain: Chain) -> None:
    try:
        _verify_csv_row(row, number, chain)
    except UnicodeEncodeError:
        seq = int(row[0]) if row and _whole(row[0]) else None
        raise Failure("the row is not UTF-8 text", number, seq) from None


def _text_cell(name: str, cell: str, number: int, seq: int) -> str:
    """A free-text cell's value: the spreadsheet-safety "'" removed where Permit puts
    one, and refused where it would have put one and did not, or put none."""
    if cell[:1] == "" or cell[0] not in FORMULA_TRIGGERS:
        return cell
    if cell[0] == "'" and cell[1:2] != "" and cell[1] in FORMULA_TRIGGERS:
        return cell[1:]
    if cell[0] == "'":
        raise Failure(
            f'the {name} cell starts with a "\'" that Permit never writes there '
            "(it writes one only before = + - @ tab CR or ')",
            number,
            seq,
        )
    raise Failure(f"the {name} cell starts with {cell[0]!r} but lacks the \"'\" that Permit "
                  "always writes in front of it (a spreadsheet would run it as a formula)",
                  number, seq)  # fmt: skip


def _verify_csv_row(row: list[str], number: int, chain: Chain) -> None:
    if len(row) != len(COLUMNS):
        raise Failure(f"expected {len(COLUMNS)} cells, found {len(row)}", number)
    if not _whole(row[0]):
        raise Failure("seq is not a whole number", number)
    seq_number = int(row[0])
    row = [
        _text_cell(name, cell, number, seq_number) if name in TEXT_COLUMNS else cell
        for name, cell in zip(COLUMNS, row, strict=True)
    ]
    (seq, occurred_at, event_type, actor_id, actor_email, actor_roles, request_id,
     request_reference, from_status, to_status, stage, comment, payload,
     client_address, correlation_id, prev_hash, hash_) = row  # fmt: skip
    if not TIME.match(occurred_at):
        raise Failure("occurred_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ", number, seq_number)
    if not _json_cell(actor_roles, list):
        raise Failure("actor_roles is not canonical JSON (an array)", number, seq_number)
    if not _json_cell(payload, dict):
        raise Failure("payload is not canonical JSON (an object)", number, seq_number)
    if not HEX64.match(prev_hash.encode()):
        raise Failure("prev_hash is not 64 lower-case hex characters", number, seq_number)
    if not HEX64.match(hash_.encode()):
        raise Failure("hash is not 64 lower-case hex characters", number, seq_number)
    canonical = (
        f'{{"actor_email":{_text(actor_email)},'
        f'"actor_id":{_integer(actor_id, "actor_id", number)},'
        f'"actor_roles":{actor_roles},"client_address":{_text(client_address)},'
        f'"comment":{_text(comment)},"correlation_id":{_text(correlation_id)},'
        f'"event_type":{_text(event_type)},"from_status":{_text(from_status)},'
        f'"occurred_at":"{occurred_at}","payload":{payload},'
        f'"request_id":{_integer(request_id, "request_id", number)},'
        f'"request_reference":{_text(request_reference)},"seq":{seq},'
        f'"stage":{_text(stage)},"to_status":{_text(to_status)}}}'
    )
    recomputed = hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
    chain.add(number, seq_number, prev_hash, hash_, recomputed)


# Ed25519 verification (RFC 8032, section 6, the reference code, verify only). ---------

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_Q = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c, d = 2 * a[3] * b[3] * _D % _P, 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f, g * h, f * g, e * h)


def _mul(s: int, point: tuple[int, ...]) -> tuple[int, ...]:
    result: tuple[int, ...] = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point, s = _add(point, point), s >> 1
    return result


def _equal(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    return _P - x if (x & 1) != sign else x


def _decompress(data: bytes) -> tuple[int, ...] | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = (_recover_x(_GY, 0) or 0, _GY, 1, (_recover_x(_GY, 0) or 0) * _GY % _P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def read_public_key(path: Path) -> bytes:
    """A PEM SubjectPublicKeyInfo Ed25519 key (as `flask audit keygen` writes), or the
    base64 of the raw 32 bytes (as the manifest's signature.public_key shows)."""
    text = path.read_text(encoding="ascii").strip()
    body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
    raw = base64.b64decode(body)
    if len(raw) == 44 and raw.startswith(_SPKI_PREFIX):
        return raw[12:]
    if len(raw) == 32:
        return raw
    raise ValueError(f"{path} is not an Ed25519 public key")


def canonical_text(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical(value: Any) -> bytes:
    return canonical_text(value).encode("utf-8")


def _signature_verifies(manifest: dict[str, Any], public_key: bytes) -> bool:
    signature = manifest.get("signature")
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        return signature.get("algorithm") == "ed25519" and ed25519_verify(
            public_key, canonical(unsigned), base64.b64decode(signature["value"], validate=True)
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _carried_key(manifest: dict[str, Any]) -> bytes | None:
    try:
        raw = base64.b64decode(manifest["signature"]["public_key"], validate=True)
    except (ValueError, KeyError, TypeError):
        return None
    return raw if len(raw) == 32 else None


def check_manifest(manifest: dict[str, Any], path: Path, public_key: bytes | None) -> list[str]:
    notes = []
    signature = manifest.get("signature")
    if signature is None and public_key is not None:
        # A key was given to check a signature: a manifest stripped of it must not pass.
        raise Failure("the manifest is unsigned, but a public key was given")
    if signature is None:
        notes.append("the manifest is unsigned: it proves nothing on its own")
    elif public_key is None:
        # Check what can be checked; whoever rewrote the file could also have re-signed
        # it with a key of their own, so only a key obtained separately gives trust.
        carried = _carried_key(manifest)
        if carried is None or not _signature_verifies(manifest, carried):
            raise Failure(SIGNATURE_FAILS_CARRIED_KEY)
        notes.append(SIGNATURE_CARRIED_KEY_ONLY)
    else:
        carried = _carried_key(manifest)
        if carried is not None and carried != public_key:
            raise Failure(OTHER_KEY)
        if not _signature_verifies(manifest, public_key):
            raise Failure("manifest signature does not verify")
        notes.append("manifest signature verified")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    described = manifest.get("file") or {}
    if described.get("sha256") != digest.hexdigest():
        raise Failure("the file's SHA-256 is not the manifest's")
    if described.get("bytes") != size:
        raise Failure("the file's size is not the manifest's")
    return notes


def export_format(path: Path, manifest: dict[str, Any] | None) -> str:
    """ "csv" or "jsonl": the manifest's file.format, or else the file name's extension.
    Never guessed from the content, so that a file of one format passed off as the
    other is named as such."""
    if manifest is not None:
        stated = (manifest.get("file") or {}).get("format")
        if stated not in ("csv", "jsonl"):
            raise Failure(f'the manifest\'s file.format is {stated!r}, not "csv" or "jsonl"')
        return str(stated)
    extension = path.suffix.lower().lstrip(".")
    if extension not in ("csv", "jsonl"):
        raise Failure(
            "cannot tell the format: the file's name ends in neither .csv nor .jsonl, and "
            "there is no manifest to say"
        )
    return extension


def check_opening(path: Path, fmt: str) -> None:
    with path.open("rb") as handle:
        opening = handle.read(len(BOM))
    if fmt == "csv" and opening != BOM:
        if not opening:
            raise Failure("the file is empty: a CSV export has at least its header row", 1)
        raise Failure(NO_BOM, 1)
    if fmt == "jsonl" and opening == BOM:
        raise Failure(UNEXPECTED_BOM, 1)


def check_totals(manifest: dict[str, Any], chain: Chain) -> None:
    for name, actual in (
        ("event_count", chain.count),
        ("first_seq", chain.first),
        ("last_seq", chain.last),
    ):
        if manifest.get(name) != actual:
            raise Failure(f"{name} is {actual}, the manifest says {manifest.get(name)}")
    head = manifest.get("chain_head") or {}
    at_head = head.get("seq") == chain.last and head.get("hash") == chain.last_hash
    if not manifest.get("filtered") and chain.last is not None and not at_head:
        raise Failure("the last event is not the manifest's chain head")


def verify(
    path: Path,
    manifest: dict[str, Any] | None,
    public_key: bytes | None,
    anchor: tuple[int, str] | None,
    complete: bool | None = None,
    quick: bool = True,
) -> tuple[Chain, list[str]]:
    """Raise Failure at the first problem; return the chain and notes when all holds.
    `quick=False` puts every row through the full checks (for tests)."""
    notes = []
    if manifest is None and public_key is not None:
        raise Failure(MANIFEST_REQUIRED)
    if manifest is not None:
        notes += check_manifest(manifest, path, public_key)
        if complete is None:
            complete = not manifest.get("filtered", False)
    elif complete is None:
        complete = True
        notes.append("no manifest: the file was checked as a complete export")
    fmt = export_format(path, manifest)
    check_opening(path, fmt)
    chain = Chain(complete, anchor, quick)
    try:
        (verify_csv if fmt == "csv" else verify_jsonl)(path, chain)
    except UnicodeDecodeError:
        raise Failure("the file is not UTF-8 text") from None
    if complete and chain.count == 0:
        raise Failure(EMPTY_COMPLETE)
    if anchor is not None and not chain.anchor_seen:
        raise Failure("anchor not found: this export has no such seq", seq=anchor[0])
    if manifest is not None:
        check_totals(manifest, chain)
    return chain, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Permit audit export offline.")
    parser.add_argument("export", type=Path)
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--public-key", type=Path)
    parser.add_argument("--anchor", help="SEQ:HASH of an event published earlier")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--complete", action="store_true", help="require a complete export")
    scope.add_argument("--filtered", action="store_true", help="allow gaps between rows")
    args = parser.parse_args(argv)
    anchor = None
    if args.anchor:
        match = re.fullmatch(r"(\d+):([0-9a-f]{64})", args.anchor.strip().lower())
        if not match:
            parser.error("--anchor takes SEQ:HASH with the 64-character hash")
        anchor = (int(match.group(1)), match.group(2))
    if not args.export.is_file():
        parser.error(f"no such file: {args.export}")
    manifest_path = args.manifest or args.export.with_name(args.export.name + ".manifest.json")
    manifest = None
    if args.manifest or manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"NOT VERIFIED: the manifest cannot be read ({error})")
            return 1
    try:
        public_key = read_public_key(args.public_key) if args.public_key else None
    except (OSError, ValueError) as error:
        parser.error(f"--public-key: {error}")
    complete = True if args.complete else False if args.filtered else None
    try:
        chain, notes = verify(args.export, manifest, public_key, anchor, complete)
    except Failure as failure:
        print(f"NOT VERIFIED: {failure}")
        return 1
    for note in notes:
        print(f"Note: {note}.")
    if anchor is not None:
        print(f"Anchor matched: seq {anchor[0]} has hash {anchor[1]}.")
    print(f"VERIFIED: {chain.count} events, seq {chain.first} to {chain.last}")
    if chain.last_hash:
        print(f"Last hash: {chain.last_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
