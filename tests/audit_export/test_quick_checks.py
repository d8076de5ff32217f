"""tools/verify_export.py checks the usual row quickly (bench/export.py) and any other row
in full. A row the quick checks take must be one the full checks would take: the tool
gives the same verdict, word for word, with the quick checks as without them, on good
files, on changed ones, and on forged rows whose hash was recomputed to suit either."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audit_export.conftest import BOM, COLUMNS, TrailExports, csv_records

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def verdict(tool: ModuleType, path: Path, quick: bool, **options: Any) -> tuple[Any, ...]:
    anchor, complete = options.get("anchor"), options.get("complete")
    try:
        chain, _notes = tool.verify(path, None, None, anchor, complete, quick)
    except tool.Failure as failure:
        return ("not verified", str(failure))
    return ("verified", chain.count, chain.first, chain.last, chain.last_hash, chain.anchor_seen)


def same_verdict(tool: ModuleType, path: Path, data: bytes, **options: Any) -> tuple[Any, ...]:
    path.write_bytes(data)
    quick = verdict(tool, path, True, **options)
    assert quick == verdict(tool, path, False, **options)
    return quick


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_trail_verifies_the_same_with_and_without_the_quick_checks(
    trail_exports: TrailExports, tool: ModuleType, tmp_path: Path, fmt: str
):
    data = trail_exports.files[fmt].path.read_bytes()
    count = trail_exports.files[fmt].manifest["event_count"]

    assert same_verdict(tool, tmp_path / f"a.{fmt}", data)[:2] == ("verified", count)
    for seq in (1, 2, count // 2, count):
        anchor = (seq, trail_exports.files[fmt].events()[seq - 1]["hash"])
        assert same_verdict(tool, tmp_path / f"a.{fmt}", data, anchor=anchor)[-1] is True
        wrong = (seq, "0" * 64)
        assert "anchor mismatch" in same_verdict(tool, tmp_path / f"a.{fmt}", data, anchor=wrong)[1]


# JSON Lines: any change to a line's bytes, its hash recomputed or not. ----------------

_BYTES = st.sampled_from(list(b"\"',:{}[]\\0123456789 -\x00\x1f\n\r\xffs"))


@st.composite
def _jsonl_changes(draw: st.DrawFn, lines: list[bytes]) -> bytes:
    index = draw(st.integers(1, len(lines) - 1))
    line = bytearray(lines[index])
    # Often near the seq key or the tail, where the quick checks look.
    anchors = [line.rfind(b'"seq":'), len(line) - 155, len(line) - 67, len(line) - 3]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.one_of(st.sampled_from(anchors), st.integers(0, len(line))))
        at = max(0, min(at + draw(st.integers(-3, 8)), len(line)))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        if kind == "replace" and at < len(line):
            line[at] = draw(_BYTES)
        elif kind == "insert":
            line.insert(at, draw(_BYTES))
        elif at < len(line):
            del line[at]
    changed = bytes(line)
    if draw(st.booleans()) and len(changed) > 155:
        # A forger's row: the hash recomputed over what the line now holds.
        prev, body = changed[-141:-77], changed[:-155]
        digest = hashlib.sha256(prev + body + b"}").hexdigest().encode()
        changed = changed[:-67] + digest + changed[-3:]
    return b"".join([*lines[:index], changed, *lines[index + 1 :]])


@pytest.fixture
def jsonl_lines(trail_exports: TrailExports) -> list[bytes]:
    return trail_exports.files["jsonl"].path.read_bytes().splitlines(keepends=True)


def rehashed(line: bytes) -> bytes:
    """The line with its hash recomputed over what it now holds, as a forger would."""
    digest = hashlib.sha256(line[-141:-77] + line[:-155] + b"}").hexdigest().encode()
    return line[:-67] + digest + line[-3:]


#: Rows that only the full checks refuse, though their hash recomputes (seq 3, at index
#: 2, is a row the quick checks take as it is): each quick check is needed.
JSONL_FORGERIES = {
    "seq_after_a_gap": lambda line: line.replace(b'"seq":3,', b'"seq":9,'),
    "seq_missing": lambda line: line.replace(b'"seq":3,', b'"seq":"3",'),
    "ending_changed": lambda line: line[:-2] + b"]\n",
    "closing_quote_changed": lambda line: line[:-3] + b"'}\n",
    "prev_hash_in_capitals": lambda line: line[:-141] + line[-141:-77].upper() + line[-77:],
}


@pytest.mark.parametrize("case", list(JSONL_FORGERIES))
def test_a_forged_json_lines_row_the_full_checks_refuse_is_refused(
    jsonl_lines: list[bytes], tool: ModuleType, tmp_path: Path, case: str
):
    forged = rehashed(JSONL_FORGERIES[case](jsonl_lines[2]))
    assert forged != jsonl_lines[2]
    data = b"".join([*jsonl_lines[:2], forged, *jsonl_lines[3:]])

    assert same_verdict(tool, tmp_path / "forged.jsonl", data)[0] == "not verified"


@SETTINGS
@given(data=st.data())
def test_a_changed_json_lines_row_gets_the_same_verdict_quick_or_full(
    jsonl_lines: list[bytes], tool: ModuleType, tmp_path: Path, data: st.DataObject
):
    changed = data.draw(_jsonl_changes(jsonl_lines))
    same_verdict(tool, tmp_path / "changed.jsonl", changed)
    same_verdict(tool, tmp_path / "changed.jsonl", changed, complete=False)


# CSV: any cells, the hash made to suit the quick checks. -----------------------------

_TEXT = st.one_of(
    st.just(""),
    st.text(max_size=6),
    st.sampled_from(["'", "'=", "'x", "=1", "\t", "a,b", 'say "hi"', "a\nb", "\\", "é", "\udcff"]),
)
_CELLS = {
    "seq": st.sampled_from(["", "0", "07", "٣", "x"]),
    "occurred_at": st.sampled_from(["2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00Z", "'="]),
    "actor_id": st.sampled_from(["", "7", "007", "٣", "-1", "'-1"]),
    "request_id": st.sampled_from(["", "42", "²", " 4"]),
    "actor_roles": st.sampled_from(["[]", '["officer"]', "", "'[]", "{}"]),
    "payload": st.sampled_from(["{}", '{"a":""}', '{"a":"\'x"}', "[]", "'{}", '{"k":"a,\\"b"}']),
    "prev_hash": st.sampled_from(["'", "A" * 64, "", "\udcff" * 64]),
}


def as_hashed(cells: list[str]) -> bytes:
    """prev_hash and the canonical JSON with the cells put in as they are: what a
    verifier would hash if it skipped a check on the cells."""
    row = dict(zip(COLUMNS, cells, strict=True))
    text = {
        name: json.dumps(row[name], ensure_ascii=False) if row[name] else "null" for name in row
    }
    whole = {name: row[name] or "null" for name in ("actor_id", "request_id")}
    fields = {**text, **whole, "seq": row["seq"], "occurred_at": f'"{row["occurred_at"]}"'}
    fields |= {"actor_roles": row["actor_roles"], "payload": row["payload"]}
    body = ",".join(f'"{name}":{fields[name]}' for name in sorted(COLUMNS[:-2]))
    return (row["prev_hash"] + "{" + body + "}").encode("utf-8", "surrogateescape")


def csv_with(trail_exports: TrailExports, index: int, cells: list[str]) -> bytes:
    header, *rows = csv_records(trail_exports.files["csv"].path)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [header, *rows[:index], cells, *rows[index + 1 :]]
    )
    return BOM + buffer.getvalue().encode("utf-8", "surrogateescape")


#: Cells that only the full checks refuse, or read otherwise, in a row whose hash is
#: recomputed over them as they stand: each quick check is needed.
CSV_FORGERIES = {
    "time_without_microseconds": ("occurred_at", "2026-07-01T12:00:00Z"),
    "actor_id_negative": ("actor_id", "-1"),
    "actor_id_in_other_digits": ("actor_id", "\u0663"),
    "request_id_with_a_space": ("request_id", " 4"),
    "roles_empty": ("actor_roles", ""),
    "payload_an_array": ("payload", "[]"),
    "neutralised_text": ("comment", "'=SUM(A1)"),
    "neutralised_code": ("event_type", "'@x"),
    "prev_hash_not_utf8": ("prev_hash", "\udcff" * 64),
}


@pytest.mark.parametrize("case", list(CSV_FORGERIES))
def test_a_forged_csv_row_the_full_checks_refuse_is_refused(
    trail_exports: TrailExports, tool: ModuleType, tmp_path: Path, case: str
):
    _header, *rows = csv_records(trail_exports.files["csv"].path)
    cells = list(rows[1])  # seq 2, a row the quick checks take as it is
    assert tool._quick_csv_row(cells, "2", cells[15]) == as_hashed(cells)
    name, value = CSV_FORGERIES[case]
    cells[COLUMNS.index(name)] = value
    cells[-1] = hashlib.sha256(as_hashed(cells)).hexdigest()

    data = csv_with(trail_exports, 1, cells)
    assert same_verdict(tool, tmp_path / "forged.csv", data)[0] == "not verified"


@SETTINGS
@given(data=st.data())
def test_any_csv_row_gets_the_same_verdict_quick_or_full(
    trail_exports: TrailExports, tool: ModuleType, tmp_path: Path, data: st.DataObject
):
    _header, *rows = csv_records(trail_exports.files["csv"].path)
    index = data.draw(st.integers(1, len(rows) - 1))
    row = dict(zip(COLUMNS, rows[index], strict=True))
    for name in data.draw(st.sets(st.sampled_from(COLUMNS[:-1]), min_size=1, max_size=4)):
        keep_or_change = st.one_of(st.just(row[name]), _CELLS.get(name, _TEXT))
        row[name] = data.draw(keep_or_change)
    cells = [row[name] for name in COLUMNS]
    if data.draw(st.booleans()):  # a forger's row: the hash recomputed over the cells
        cells[16] = hashlib.sha256(as_hashed(cells)).hexdigest()
    changed = csv_with(trail_exports, index, cells)
    same_verdict(tool, tmp_path / "changed.csv", changed)
    same_verdict(tool, tmp_path / "changed.csv", changed, complete=False)
