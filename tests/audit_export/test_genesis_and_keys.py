"""Regression tests: a rewritten first event, and a public key file that is not a key."""

from __future__ import annotations

import pytest

from tests.audit_export.conftest import FORMATS, TrailExports, Verifiers, export_bytes, rehash


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_first_event_not_chained_to_genesis_fails_both_verifiers(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path, fmt
):
    # A whole chain rewritten from a different start: every link and hash holds, but the
    # first event does not hang off the 64 zeros every Permit chain starts from.
    events = trail_exports.files[fmt].events()
    previous = "f" * 64
    rewritten = []
    for event in events:
        event = {**event, "prev_hash": previous}
        event = rehash(event)
        previous = event["hash"]
        rewritten.append(event)
    path = tmp_path / f"rewritten.{fmt}"
    path.write_bytes(export_bytes(fmt, rewritten))
    by_app, by_tool = module_verifiers.both(path)
    for verdict in (by_app, by_tool):
        assert verdict.code == 1
        assert "the first event's prev_hash is not 64 zeros" in verdict.output


def test_a_public_key_file_that_is_not_a_key_is_a_clear_error(
    trail_exports: TrailExports, module_verifiers: Verifiers, tmp_path
):
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n")
    export = trail_exports.files["jsonl"].path
    by_app = module_verifiers.app(export, "--public-key", str(not_a_key))
    by_tool = module_verifiers.standalone(export, "--public-key", str(not_a_key))
    assert by_app.code != 0 and "is not an Ed25519 public key" in by_app.output
    assert by_tool.code == 2 and "--public-key" in by_tool.output
