"""Anchors: `audit head` prints SEQ:HASH to publish; `--anchor SEQ:HASH` later proves the
log (or an export of it) still holds exactly that event there, which catches even a
rewrite that re-hashed every later event and so verifies on its own."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.audit.chain import compute_hash, hashed_fields
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent
from tests.audit.tampering import EVENTS, change_event, triggers_lifted
from tests.audit_export.conftest import (
    FORMATS,
    Run,
    TrailExports,
    Verifiers,
    export_bytes,
    export_with,
    rehash,
)
from tests.audit_export.trail import Trail


def stored(seq: int) -> AuditEvent:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()


def rewrite_from(seq: int, comment: str) -> None:
    """Change event `seq` and re-hash it and every later event, as an intruder who knows
    the format would: the chain then verifies on its own."""
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    db.session.expunge_all()
    previous = events[seq - 2].hash if seq > 1 else GENESIS_HASH
    changes = []
    for event in events[seq - 1 :]:
        fields = hashed_fields(event)
        if event.seq == seq:
            fields["comment"] = comment
        new_hash = compute_hash(previous, fields)
        changes.append((event.seq, fields["comment"], previous, new_hash))
        previous = new_hash
    with triggers_lifted() as connection:
        for number, text, prev_hash, new_hash in changes:
            connection.execute(
                update(EVENTS)
                .where(EVENTS.c.seq == number)
                .values(comment=text, prev_hash=prev_hash, hash=new_hash)
            )


# The database ---------------------------------------------------------------------------


def test_head_prints_the_last_events_seq_and_hash(run: Run, trail: Trail):
    last = max(trail.seq.values())

    result = run("audit", "head")

    assert result.exit_code == 0
    assert result.output == f"{last}:{stored(last).hash}\n"


def test_head_of_an_empty_trail_is_the_genesis(run: Run):
    assert run("audit", "head").output == f"0:{GENESIS_HASH}\n"


@pytest.mark.parametrize("which", ["head", "earlier"])
def test_verify_with_a_held_anchor_passes(run: Run, trail: Trail, which: str):
    seq = max(trail.seq.values()) if which == "head" else trail.seq["dsit_no10"]
    anchor = f"{seq}:{stored(seq).hash}"

    result = run("audit", "verify", "--anchor", anchor)

    assert result.exit_code == 0, result.output
    assert f"Anchor matched: seq {seq} still has hash {stored(seq).hash}." in result.output
    assert "Audit chain OK" in result.output


def test_an_anchor_from_head_is_accepted_as_printed(run: Run, trail: Trail):
    printed = run("audit", "head").output.strip()
    assert run("audit", "verify", "--anchor", printed.upper()).exit_code == 0


def test_verify_with_a_wrong_hash_fails(run: Run, trail: Trail):
    seq = trail.seq["dsit_no10"]

    result = run("audit", "verify", "--anchor", f"{seq}:{'ab' * 32}")

    assert result.exit_code == 1
    assert f"Anchor NOT matched: the log holds a different hash there (seq {seq})." in (
        result.output
    )


@pytest.mark.parametrize("seq", [999, 0])
def test_verify_with_a_seq_the_log_does_not_hold_fails(run: Run, trail: Trail, seq: int):
    result = run("audit", "verify", "--anchor", f"{seq}:{'ab' * 32}")

    assert result.exit_code == 1
    assert f"Anchor NOT matched: the log has no such event (seq {seq})." in result.output


@pytest.mark.parametrize("anchor", ["12", "12:abc", "x:" + "a" * 64, "12:" + "g" * 64])
def test_a_malformed_anchor_is_a_usage_error(run: Run, trail: Trail, anchor: str):
    result = run("audit", "verify", "--anchor", anchor)

    assert result.exit_code == 2
    assert "give SEQ:HASH" in result.output


def test_an_anchor_does_not_excuse_a_tampered_chain(run: Run, trail: Trail):
    anchor = run("audit", "head").output.strip()
    change_event(trail.seq["dsit_no10"], comment="Approved without conditions")

    result = run("audit", "verify", "--anchor", anchor)

    assert result.exit_code == 1
    assert f"BROKEN at seq {trail.seq['dsit_no10']}" in result.output


def test_a_rewritten_chain_verifies_alone_but_not_against_an_anchor_held_before(
    run: Run, trail: Trail
):
    held = run("audit", "head").output.strip()
    before_rewrite = f"{trail.seq['dsit_security']}:{stored(trail.seq['dsit_security']).hash}"
    rewrite_from(trail.seq["dsit_no10"], "Rejected")

    assert run("audit", "verify").exit_code == 0  # the limit anchors exist for
    result = run("audit", "verify", "--anchor", held)
    assert result.exit_code == 1
    assert "holds a different hash there" in result.output
    # Events before the rewrite are still as they were.
    assert run("audit", "verify", "--anchor", before_rewrite).exit_code == 0


# Export files ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_verifiers_pass_an_export_with_a_matching_anchor(
    trail_exports: TrailExports, module_verifiers: Verifiers, fmt: str
):
    exported = trail_exports.files[fmt]
    # The head taken before the exports, and an event in the middle.
    for anchor in (trail_exports.head, f"3:{exported.events()[2]['hash']}"):
        by_app, by_tool = module_verifiers.both(exported.path, "--anchor", anchor)
        assert by_app.ok, by_app.output
        assert by_tool.ok, by_tool.output
        seq, hash_ = anchor.split(":")
        assert f"Anchor matched: seq {seq} has hash {hash_}." in by_app.output
        assert f"Anchor matched: seq {seq} has hash {hash_}." in by_tool.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_verifiers_fail_an_export_with_a_wrong_anchor(
    trail_exports: TrailExports, module_verifiers: Verifiers, fmt: str
):
    exported = trail_exports.files[fmt]

    by_app, by_tool = module_verifiers.both(exported.path, "--anchor", f"3:{'cd' * 32}")

    for verdict in (by_app, by_tool):
        assert verdict.code == 1
        assert "seq 3: anchor mismatch: this seq has a different hash" in verdict.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_verifiers_fail_an_anchor_beyond_the_export(
    trail_exports: TrailExports, module_verifiers: Verifiers, fmt: str
):
    exported = trail_exports.files[fmt]
    beyond = exported.manifest["last_seq"] + 1

    by_app, by_tool = module_verifiers.both(exported.path, "--anchor", f"{beyond}:{'cd' * 32}")

    for verdict in (by_app, by_tool):
        assert verdict.code == 1
        assert f"seq {beyond}: anchor not found: this export has no such seq" in verdict.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_anchor_not_in_a_filtered_export_fails_both_verifiers(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers, fmt: str
):
    anchor_seq = trail.seq["ho_created"]  # a Home Office event
    anchor = f"{anchor_seq}:{stored(anchor_seq).hash}"
    inside = trail.seq["dsit_no10"]
    exported = export_with(run, tmp_path / f"dsit.{fmt}", fmt, "--department", "DSIT")

    by_app, by_tool = verifiers.both(exported.path, "--anchor", anchor)
    for verdict in (by_app, by_tool):
        assert verdict.code == 1
        assert f"seq {anchor_seq}: anchor not found" in verdict.output

    good = f"{inside}:{stored(inside).hash}"
    by_app, by_tool = verifiers.both(exported.path, "--anchor", good)
    assert by_app.ok and by_tool.ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_rewritten_export_with_a_forged_manifest_fails_only_against_the_anchor(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path: Path, fmt: str
):
    original = trail_exports.files[fmt]
    events = original.events()
    events[4]["comment"] = "Rejected"
    for index in range(4, len(events)):  # re-hash and re-link everything after it
        if index > 4:
            events[index]["prev_hash"] = events[index - 1]["hash"]
        events[index] = rehash(events[index])
    data = export_bytes(fmt, events)
    manifest = copy.deepcopy(original.manifest)
    manifest["file"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    manifest["chain_head"]["hash"] = events[-1]["hash"]
    path = tmp_path / f"rewritten.{fmt}"
    path.write_bytes(data)
    Path(f"{path}.manifest.json").write_text(json.dumps(manifest))

    by_app, by_tool = module_verifiers.both(path)
    assert by_app.ok and by_tool.ok  # consistent with itself: only a held head can tell

    by_app, by_tool = module_verifiers.both(path, "--anchor", trail_exports.head)
    for verdict in (by_app, by_tool):
        assert verdict.code == 1
        assert "anchor mismatch" in verdict.output
