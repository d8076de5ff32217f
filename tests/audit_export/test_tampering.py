"""Tampered exports: both verifiers fail (exit 1), name the first bad row (line and seq)
and say why, and agree on pass or fail in every case; untouched files pass both.

Each change is made to a copy of a complete export of the trail, in three settings:
with no manifest, with the export's own manifest (which the changed file no longer
matches), and with that manifest forged to the changed file's SHA-256 and size, as a
tamperer would do to an unsigned manifest (then the rows themselves must give it away).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.audit_export.conftest import (
    BOM,
    FORMATS,
    Event,
    Exported,
    TrailExports,
    Verdict,
    Verifiers,
    export_bytes,
    rehash,
)


@dataclass(frozen=True)
class Expect:
    """The failure both verifiers must report: where, and why (each in its own words)."""

    index: int | None  # the bad row's position in the changed file; None: the file
    seq: int | None
    app: str
    tool: str | None = None  # when the standalone words it differently

    def check(self, verdict: Verdict, which: str, lines: list[int]) -> None:
        assert verdict.code == 1, verdict.output
        reason = self.app if which == "app" or self.tool is None else self.tool
        assert reason in verdict.output, verdict.output
        if self.index is not None:
            assert f"line {lines[self.index]}" in verdict.output, verdict.output
        if self.seq is not None:
            assert f"seq {self.seq}" in verdict.output, verdict.output


HASH_MISMATCH = "hash mismatch: the row's fields do not give its hash"
BROKEN_LINK = "broken link: prev_hash is not the previous event's hash"

Tamper = Callable[[list[Event]], Expect]


def changed_comment(events: list[Event]) -> Expect:
    events[4]["comment"] = "Approved, on reflection"
    return Expect(4, 5, HASH_MISMATCH)


def changed_actor(events: list[Event]) -> Expect:
    events[2]["actor_id"] += 1
    return Expect(2, 3, HASH_MISMATCH)


def changed_payload(events: list[Event]) -> Expect:
    events[9]["payload"]["version"] = 3
    return Expect(9, 10, HASH_MISMATCH)


def changed_hash(events: list[Event]) -> Expect:
    events[6]["hash"] = "0" * 64
    return Expect(6, 7, HASH_MISMATCH)


def deleted_row(events: list[Event]) -> Expect:
    del events[6]  # seq 7
    return Expect(6, 8, "gap: expected seq 7")


def deleted_first_row(events: list[Event]) -> Expect:
    del events[0]
    return Expect(0, 2, "gap: a complete export starts at seq 1")


def swapped_rows(events: list[Event]) -> Expect:
    events[4], events[5] = events[5], events[4]  # seq 6 now comes before seq 5
    return Expect(4, 6, "gap: expected seq 5")


def swapped_distant_rows(events: list[Event]) -> Expect:
    events[2], events[8] = events[8], events[2]
    return Expect(2, 9, "gap: expected seq 3")


def repeated_row(events: list[Event]) -> Expect:
    events.insert(5, copy.deepcopy(events[4]))  # seq 5 twice
    return Expect(5, 5, "out of order: seq 5 after seq 5")


def inserted_forged_row(events: list[Event]) -> Expect:
    # A forger who knows the format: seq 6, linked to seq 5, with a correct hash.
    forged = {**copy.deepcopy(events[5]), "comment": "Approved by phone", "seq": 6}
    events.insert(5, rehash({**forged, "prev_hash": events[4]["hash"]}))
    return Expect(6, 6, "out of order: seq 6 after seq 6")


def edited_prev_hash(events: list[Event]) -> Expect:
    events[7]["prev_hash"] = "f" * 64
    return Expect(7, 8, BROKEN_LINK)


def edited_prev_hash_rehashed(events: list[Event]) -> Expect:
    events[7] = rehash({**events[7], "prev_hash": "f" * 64})
    return Expect(7, 8, BROKEN_LINK)


def replaced_row_rehashed(events: list[Event]) -> Expect:
    # Changed and rehashed: the row is consistent, but the next row's link is not.
    events[3] = rehash({**events[3], "comment": "Not approved"})
    return Expect(4, 5, BROKEN_LINK)


ROW_TAMPERING: dict[str, Tamper] = {
    f.__name__: f
    for f in (
        changed_comment,
        changed_actor,
        changed_payload,
        changed_hash,
        deleted_row,
        deleted_first_row,
        swapped_rows,
        swapped_distant_rows,
        repeated_row,
        inserted_forged_row,
        edited_prev_hash,
        edited_prev_hash_rehashed,
        replaced_row_rehashed,
    )
}


def record_end_lines(path: Path) -> list[int]:
    """The line each row ends on (the header is line 1 of a CSV), as verifiers count."""
    if path.suffix == ".jsonl":
        return list(range(1, path.read_bytes().count(b"\n") + 2))
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        ends = []
        try:
            for _row in reader:
                ends.append(reader.line_num)
        except csv.Error:
            ends.append(reader.line_num)
        return ends


def write_tampered(
    tmp_path: Path, original: Exported, data: bytes, manifest: str
) -> tuple[Path, dict[str, Any] | None]:
    """The changed file, with no manifest, the original one, or one forged to match."""
    path = tmp_path / f"tampered.{original.format}"
    path.write_bytes(data)
    beside = Path(f"{path}.manifest.json")
    beside.unlink(missing_ok=True)
    forged = None
    if manifest != "none":
        forged = copy.deepcopy(original.manifest)
        if manifest == "forged":
            forged["file"]["sha256"] = hashlib.sha256(data).hexdigest()
            forged["file"]["bytes"] = len(data)
        beside.write_text(json.dumps(forged), encoding="utf-8")
    return path, forged


def assert_both_fail(verifiers: Verifiers, path: Path, expect: Expect, *options: str) -> None:
    by_app, by_tool = verifiers.both(path, *options)
    lines = record_end_lines(path)
    expect.check(by_app, "app", lines)
    expect.check(by_tool, "tool", lines)


SHA_MISMATCH = Expect(None, None, "the file's SHA-256 is not the manifest's")


@pytest.mark.parametrize("manifest", ["none", "original", "forged"])
@pytest.mark.parametrize("case", list(ROW_TAMPERING))
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tampered_row_is_caught_and_named_by_both_verifiers(
    trail_exports: TrailExports,
    module_verifiers: Verifiers,
    tmp_path: Path,
    fmt: str,
    case: str,
    manifest: str,
):
    original = trail_exports.files[fmt]
    events = original.events()
    expect = ROW_TAMPERING[case](events)
    path, _ = write_tampered(tmp_path, original, export_bytes(fmt, events), manifest)

    assert_both_fail(module_verifiers, path, SHA_MISMATCH if manifest == "original" else expect)


@pytest.mark.parametrize("manifest", ["none", "original", "forged"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_untouched_copy_passes_both_verifiers(
    trail_exports: TrailExports,
    module_verifiers: Verifiers,
    tmp_path: Path,
    fmt: str,
    manifest: str,
):
    original = trail_exports.files[fmt]
    # Rewritten from its parsed rows: the format is reproduced byte for byte.
    data = export_bytes(fmt, original.events())
    assert data == original.path.read_bytes()
    path, _ = write_tampered(tmp_path, original, data, manifest)

    by_app, by_tool = module_verifiers.both(path)

    assert by_app.ok, by_app.output
    assert by_tool.ok, by_tool.output


# Changes to the bytes rather than the values ----------------------------------------


@pytest.mark.parametrize("manifest", ["none", "forged"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_truncated_inside_a_row_names_that_row(
    trail_exports: TrailExports,
    module_verifiers: Verifiers,
    tmp_path: Path,
    fmt: str,
    manifest: str,
):
    original = trail_exports.files[fmt]
    data = original.path.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 40  # 40 bytes into the last row
    path, _ = write_tampered(tmp_path, original, data[:cut], manifest)
    last = original.manifest["event_count"]
    if fmt == "jsonl":
        expect = Expect(
            last - 1,
            None,
            "every line of a JSON Lines export ends with a line feed",
        )
    else:
        expect = Expect(last - 1, None, "expected 17 cells, found")

    assert_both_fail(module_verifiers, path, expect)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_cut_from_the_end_are_caught_by_the_manifest(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, fmt: str
):
    original = trail_exports.files[fmt]
    events = original.events()[:-2]
    data = export_bytes(fmt, events)
    count = original.manifest["event_count"]

    # The file's own SHA-256 no longer matches...
    path, _ = write_tampered(tmp_path, original, data, "original")
    assert_both_fail(module_verifiers, path, SHA_MISMATCH)
    # ...and with that forged, the count does not.
    path, _ = write_tampered(tmp_path, original, data, "forged")
    expect = Expect(None, None, f"event_count is {count - 2}, the manifest says {count}")
    assert_both_fail(module_verifiers, path, expect)
    # Without a manifest, nothing says where a complete export should end: this is why
    # the manifest travels with it, and why heads are anchored (test_anchors.py).
    path, _ = write_tampered(tmp_path, original, data, "none")
    by_app, by_tool = module_verifiers.both(path)
    assert by_app.ok and by_tool.ok


@pytest.mark.parametrize("manifest", ["none", "forged"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_byte_that_is_not_utf8_names_its_row(
    trail_exports: TrailExports,
    module_verifiers: Verifiers,
    tmp_path: Path,
    fmt: str,
    manifest: str,
):
    original = trail_exports.files[fmt]
    seq = trail_exports.trail.seq["dsit_cabinet"]
    data = original.path.read_bytes().replace("张伟 同意".encode(), "张伟".encode() + b"\xff")
    path, _ = write_tampered(tmp_path, original, data, manifest)
    expect = Expect(seq - 1, seq, "the row is not UTF-8 text")

    assert_both_fail(module_verifiers, path, expect)
    assert f"seq {seq}" in module_verifiers.standalone(path).output


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_header_or_missing_bom_is_caught(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, fmt: str
):
    original = trail_exports.files[fmt]
    data = original.path.read_bytes()
    if fmt == "csv":
        changed = data.replace(b"actor_email", b"actor_mail", 1)
        expect = Expect(None, None, "the header row is not")
    else:
        changed = BOM + data  # the format comes from the name, not from the BOM
        expect = Expect(0, None, "a byte-order mark: a JSON Lines export has none")
    path, _ = write_tampered(tmp_path, original, changed, "none")

    assert_both_fail(module_verifiers, path, expect)


# The manifest ------------------------------------------------------------------------


def _count(m: dict[str, Any]) -> Expect:
    m["event_count"] += 1
    n = m["event_count"]
    return Expect(None, None, f"event_count is {n - 1}, the manifest says {n}")


def _sha256(m: dict[str, Any]) -> Expect:
    m["file"]["sha256"] = "0" * 64
    return SHA_MISMATCH


def _size(m: dict[str, Any]) -> Expect:
    m["file"]["bytes"] += 1
    return Expect(None, None, "the file's size is not the manifest's")


def _first_seq(m: dict[str, Any]) -> Expect:
    m["first_seq"] = 2
    return Expect(None, None, "first_seq is 1, the manifest says 2")


def _last_seq(m: dict[str, Any]) -> Expect:
    m["last_seq"] += 5
    return Expect(None, None, f"last_seq is {m['last_seq'] - 5}, the manifest says")


def _chain_head(m: dict[str, Any]) -> Expect:
    m["chain_head"]["hash"] = "a" * 64
    return Expect(None, None, "the last event is not the manifest's chain head")


MANIFEST_EDITS = {
    "event_count": _count,
    "sha256": _sha256,
    "bytes": _size,
    "first_seq": _first_seq,
    "last_seq": _last_seq,
    "chain_head": _chain_head,
}


@pytest.mark.parametrize("edit", list(MANIFEST_EDITS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edited_manifest_is_caught_by_both_verifiers(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, fmt: str, edit: str
):
    original = trail_exports.files[fmt]
    path, _ = write_tampered(tmp_path, original, original.path.read_bytes(), "none")
    manifest = copy.deepcopy(original.manifest)
    expect = MANIFEST_EDITS[edit](manifest)
    edited = tmp_path / "edited.manifest.json"
    edited.write_text(json.dumps(manifest), encoding="utf-8")

    assert_both_fail(module_verifiers, path, expect, "--manifest", str(edited))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_manifest_that_is_not_json_fails_both(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, fmt: str
):
    original = trail_exports.files[fmt]
    broken = tmp_path / "broken.manifest.json"
    broken.write_bytes(original.manifest_path.read_bytes()[:-20])

    by_app, by_tool = module_verifiers.both(original.path, "--manifest", str(broken))

    assert by_app.code == by_tool.code == 1
    assert "the manifest is not JSON" in by_app.output
    assert "the manifest cannot be read" in by_tool.output
