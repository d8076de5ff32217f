"""Files that only look like exports: both verifiers refuse them cleanly (a verdict, never
a traceback) and agree.

Regressions: the application's verifier used to parse each row and recompute its
canonical form, so it accepted rows whose bytes were not the ones hashed (spaces in a
JSON Lines row, a key given twice so that readers disagree on its value, a CSV payload
re-spaced, a seq written "03"), which the standalone verifier, hashing the bytes, refused;
and a CSV cell over the csv module's size limit, a non-ASCII digit as a seq, or a null
prev_hash crashed one verifier or the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audit_export.conftest import TrailExports, Verifiers

Change = Callable[[bytes], bytes]


def jsonl_line(data: bytes, index: int, change: Callable[[bytes], bytes]) -> bytes:
    lines = data.split(b"\n")
    lines[index] = change(lines[index])
    return b"\n".join(lines)


def reordered_keys(line: bytes) -> bytes:
    event = json.loads(line)
    event = {"seq": event.pop("seq"), **event}
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def ascii_escaped(line: bytes) -> bytes:
    return json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=True).encode()


# (format, change, the reason the app gives, the reason the standalone gives)
CASES: dict[str, tuple[str, Change, str, str]] = {
    "jsonl_spaces": (
        "jsonl",
        lambda d: jsonl_line(d, 2, lambda line: line.replace(b'"seq":3,', b'"seq": 3,')),
        "not in the export's canonical form",
        "not in the export's canonical form",
    ),
    "jsonl_key_given_twice": (
        "jsonl",
        lambda d: jsonl_line(
            d,
            2,
            lambda line: line.replace(b'{"actor_email"', b'{"comment":"Rejected","actor_email"'),
        ),
        'the key "comment" appears twice',
        'the key "comment" appears twice',
    ),
    "jsonl_keys_reordered": (
        "jsonl",
        lambda d: jsonl_line(d, 2, reordered_keys),
        "not in the export's canonical form",
        "not in the export's canonical form",
    ),
    "jsonl_non_ascii_escaped": (
        "jsonl",
        lambda d: jsonl_line(d, 4, ascii_escaped),  # seq 5: "张伟 同意"
        "not in the export's canonical form",
        "not in the export's canonical form",
    ),
    "jsonl_null_prev_hash_first_line": (
        "jsonl",
        lambda d: d.replace(b'"prev_hash":"' + b"0" * 64 + b'"', b'"prev_hash":null', 1),
        "prev_hash is not 64 lower-case hex characters",
        "prev_hash is not 64 lower-case hex characters",
    ),
    "jsonl_crlf": (
        "jsonl",
        lambda d: d.replace(b"\n", b"\r\n"),
        "the line ends with CRLF",
        "the line ends with CRLF",
    ),
    "csv_payload_spaced": (
        "csv",
        lambda d: d.replace(b'{""version"":2}', b'{""version"": 2}', 1),
        "payload is not canonical JSON",
        "payload is not canonical JSON",
    ),
    "csv_seq_with_leading_zero": (
        "csv",
        lambda d: d.replace(b"\r\n3,2026", b"\r\n03,2026", 1),
        "seq is not a whole number",
        "seq is not a whole number",
    ),
    "csv_seq_in_other_digits": (
        "csv",
        lambda d: d.replace(b"\r\n3,2026", "\r\n³,2026".encode(), 1),
        "seq is not a whole number",
        "seq is not a whole number",
    ),
    "csv_actor_id_in_other_digits": (
        "csv",
        lambda d: d.replace(
            b"\r\n1,2026-01-14T23:59:59.999999Z,request_created,",
            "\r\n1,2026-01-14T23:59:59.999999Z,request_created,\u0661".encode(),
            1,
        ),
        "actor_id is not a whole number",
        "actor_id is not a whole number",
    ),
    "csv_time_reformatted": (
        "csv",
        lambda d: d.replace(b"2026-01-15T00:00:00.000000Z", b"2026-01-15T00:00:00Z", 1),
        "occurred_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ",
        "occurred_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ",
    ),
    "csv_cell_over_the_size_limit": (
        "csv",
        lambda d: d.replace("张伟 同意".encode(), b"x" * 200_000, 1),
        "field larger than field limit",
        "field larger than field limit",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_file_whose_bytes_are_not_the_hashed_ones_fails_both_verifiers_cleanly(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, case: str
):
    fmt, change, app_reason, tool_reason = CASES[case]
    original = trail_exports.files[fmt].path.read_bytes()
    changed = change(original)
    assert changed != original
    path = tmp_path / f"changed.{fmt}"
    path.write_bytes(changed)

    by_app, by_tool = module_verifiers.both(path)  # no crash, and the same verdict

    assert by_app.code == by_tool.code == 1
    assert app_reason in by_app.output
    assert tool_reason in by_tool.output
    assert "line " in by_app.output and "line " in by_tool.output


def test_csv_cells_needlessly_quoted_still_verify_without_a_manifest(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path
):
    # Quoting is CSV's business, not the value's: both readers see the same cells. Only
    # the manifest's SHA-256 tells such a file from the one exported.
    original = trail_exports.files["csv"]
    path = tmp_path / "requoted.csv"
    path.write_bytes(
        original.path.read_bytes().replace(b",request_created,", b',"request_created",')
    )

    by_app, by_tool = module_verifiers.both(path)
    assert by_app.ok and by_tool.ok

    by_app, by_tool = module_verifiers.both(path, "--manifest", str(original.manifest_path))
    assert "SHA-256" in by_app.output and "SHA-256" in by_tool.output
