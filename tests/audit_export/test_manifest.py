"""The manifest beside every export: what was exported, from which chain, by whom, with
which version, and the file's SHA-256 and size."""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.audit_export.conftest import FORMATS, TrailExports, canonical


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_manifest_describes_the_file_the_chain_and_the_export(
    trail_exports: TrailExports, session_app: Flask, fmt: str
):
    exported = trail_exports.files[fmt]
    data = exported.path.read_bytes()
    events = exported.events()
    manifest = exported.manifest

    assert manifest["manifest_format"] == "permit-audit-export-manifest"
    assert manifest["manifest_version"] == 1
    assert manifest["file"] == {
        "name": exported.path.name,
        "format": fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert manifest["filtered"] is False
    assert manifest["filter"] == {
        "first_day": None,
        "last_day": None,
        "department": None,
        "platform": None,
        "event_type": None,
        "actor": None,
        "reference": None,
    }
    assert manifest["event_count"] == len(events)
    assert manifest["first_seq"] == events[0]["seq"] == 1
    assert manifest["last_seq"] == events[-1]["seq"]
    assert manifest["chain_head"] == {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}
    assert events[-1]["event_type"] == "audit_exported"
    assert manifest["exported_by"] == f"command line ({getpass.getuser()}@{socket.gethostname()})"
    assert manifest["app_version"] == session_app.config["APP_VERSION"]
    assert "signature" not in manifest
    generated = manifest["generated_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", generated)
    moment = datetime.strptime(generated, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=10)
    assert moment >= datetime.strptime(events[-1]["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_manifest_file_is_canonical_json_and_a_line_feed(trail_exports: TrailExports, fmt: str):
    exported = trail_exports.files[fmt]
    text = exported.manifest_path.read_text("utf-8")
    assert text == canonical(json.loads(text)) + "\n"


def test_the_command_says_what_it_wrote(trail_exports: TrailExports):
    exported = trail_exports.files["jsonl"]
    manifest = exported.manifest

    assert f"Exported {manifest['event_count']} events to {exported.path}" in exported.output
    assert f"Manifest: {exported.manifest_path} (unsigned)" in exported.output
    head = manifest["chain_head"]
    assert f"Chain head at export: {head['seq']}:{head['hash']}" in exported.output
