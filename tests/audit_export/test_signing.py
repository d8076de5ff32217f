"""Signed manifests: `audit keygen` makes an Ed25519 pair; with AUDIT_SIGNING_KEY set the
manifest is signed, and both verifiers check it given the public key."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from tests.audit_export.conftest import FORMATS, Exported, Run, Verifiers, canonical, export_with

PRIVATE, PUBLIC = "audit-signing-key.pem", "audit-signing-key.pub.pem"


def keygen(run: Run, folder: Path) -> tuple[Path, Path]:
    result = run("audit", "keygen", "--out-dir", str(folder))
    assert result.exit_code == 0, result.output
    return folder / PRIVATE, folder / PUBLIC


@pytest.fixture
def keys(run: Run, tmp_path: Path) -> tuple[Path, Path]:
    return keygen(run, tmp_path / "keys")


@pytest.fixture
def other_keys(run: Run, tmp_path: Path) -> tuple[Path, Path]:
    return keygen(run, tmp_path / "other-keys")


@pytest.fixture
def some_events(app: Flask) -> None:
    append_event(db.session, EventType.DEPARTMENT_CREATED, payload={"code": "DSIT", "name": "x"})
    append_event(db.session, EventType.SIGNED_OUT, comment="=1+1 Siân")
    db.session.commit()


@pytest.fixture
def signed_export(
    app: Flask, run: Run, some_events, keys, tmp_path: Path, monkeypatch, request
) -> Exported:
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(keys[0]))
    fmt = getattr(request, "param", "jsonl")
    return export_with(run, tmp_path / f"signed.{fmt}", fmt)


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_a_public_key(
    run: Run, tmp_path: Path
):
    result = run("audit", "keygen", "--out-dir", str(tmp_path / "new"))

    assert result.exit_code == 0, result.output
    private, public = tmp_path / "new" / PRIVATE, tmp_path / "new" / PUBLIC
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert f"Private key: {private}" in result.output
    assert f"Public key:  {public}" in result.output
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert (
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == public.read_bytes()
    )


@pytest.mark.parametrize("existing", [PRIVATE, PUBLIC])
def test_keygen_refuses_to_overwrite_either_key(run: Run, tmp_path: Path, existing: str):
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / existing).write_bytes(b"keep me")

    result = run("audit", "keygen", "--out-dir", str(folder))

    assert result.exit_code == 1
    assert "exists: move it away first" in result.output
    assert (folder / existing).read_bytes() == b"keep me"
    assert sorted(p.name for p in folder.iterdir()) == [existing]


def test_keygen_twice_keeps_the_first_pair(run: Run, keys: tuple[Path, Path]):
    before = keys[0].read_bytes(), keys[1].read_bytes()

    result = run("audit", "keygen", "--out-dir", str(keys[0].parent))

    assert result.exit_code == 1
    assert (keys[0].read_bytes(), keys[1].read_bytes()) == before


@pytest.mark.parametrize("signed_export", FORMATS, indirect=True)
def test_with_a_signing_key_the_manifest_is_signed_and_both_verifiers_check_it(
    signed_export: Exported, keys: tuple[Path, Path], verifiers: Verifiers
):
    manifest = signed_export.manifest
    signature = manifest["signature"]
    assert "(signed)" in signed_export.output
    assert signature["algorithm"] == "ed25519"
    # Checked here with `cryptography` alone: the signature covers the canonical JSON of
    # the manifest without its signature.
    public = serialization.load_pem_public_key(keys[1].read_bytes())
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    public.verify(base64.b64decode(signature["value"]), canonical(unsigned).encode())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(signature["public_key"]) == raw

    by_app, by_tool = verifiers.both(signed_export.path, "--public-key", str(keys[1]))

    assert by_app.ok, by_app.output
    assert by_tool.ok, by_tool.output
    assert "Note: manifest signature verified." in by_app.output
    assert "Note: manifest signature verified." in by_tool.output


def test_the_standalone_verifier_also_takes_the_raw_key_from_the_manifest_as_base64(
    signed_export: Exported, verifiers: Verifiers, tmp_path: Path
):
    key_file = tmp_path / "key.b64"
    key_file.write_text(signed_export.manifest["signature"]["public_key"] + "\n")

    verdict = verifiers.standalone(signed_export.path, "--public-key", str(key_file))

    assert verdict.ok, verdict.output
    assert "manifest signature verified" in verdict.output


def _edit(manifest: dict, what: str) -> None:
    if what == "event_count":
        manifest["event_count"] += 1
    elif what == "exported_by":
        manifest["exported_by"] = "someone else"
    elif what == "sha256":
        manifest["file"]["sha256"] = "0" * 64
    elif what == "signature":
        value = bytearray(base64.b64decode(manifest["signature"]["value"]))
        value[0] ^= 1
        manifest["signature"]["value"] = base64.b64encode(bytes(value)).decode()
    elif what == "signature_not_base64":
        manifest["signature"]["value"] = "not base64!"


@pytest.mark.parametrize(
    "what", ["event_count", "exported_by", "sha256", "signature", "signature_not_base64"]
)
def test_a_manifest_edited_after_signing_fails_both_verifiers(
    signed_export: Exported,
    keys: tuple[Path, Path],
    verifiers: Verifiers,
    tmp_path: Path,
    what: str,
):
    manifest = copy.deepcopy(signed_export.manifest)
    _edit(manifest, what)
    edited = tmp_path / "edited.manifest.json"
    edited.write_text(json.dumps(manifest))

    by_app, by_tool = verifiers.both(
        signed_export.path, "--manifest", str(edited), "--public-key", str(keys[1])
    )

    assert by_app.code == by_tool.code == 1
    assert "manifest signature does not verify" in by_app.output
    assert "manifest signature does not verify" in by_tool.output


def test_a_changed_file_with_its_signed_manifest_re_hashed_fails_on_the_signature(
    signed_export: Exported, keys: tuple[Path, Path], verifiers: Verifiers
):
    data = signed_export.path.read_bytes().replace(b"=1+1 Si", b"=2+2 Si")
    signed_export.path.write_bytes(data)
    manifest = copy.deepcopy(signed_export.manifest)
    manifest["file"]["sha256"] = hashlib.sha256(data).hexdigest()
    signed_export.manifest_path.write_text(json.dumps(manifest))

    by_app, by_tool = verifiers.both(signed_export.path, "--public-key", str(keys[1]))

    assert "manifest signature does not verify" in by_app.output
    assert "manifest signature does not verify" in by_tool.output


def test_the_wrong_public_key_fails_both_verifiers(
    signed_export: Exported, other_keys: tuple[Path, Path], verifiers: Verifiers
):
    by_app, by_tool = verifiers.both(signed_export.path, "--public-key", str(other_keys[1]))

    assert by_app.code == by_tool.code == 1
    assert "manifest signature does not verify" in by_app.output
    assert "manifest signature does not verify" in by_tool.output


def test_a_signed_manifest_without_a_public_key_is_checked_against_its_own_key(
    signed_export: Exported, verifiers: Verifiers
):
    by_app, by_tool = verifiers.both(signed_export.path)

    assert by_app.ok and by_tool.ok
    note = (
        "the manifest's signature verifies against the public key it carries, which anyone "
        "could have put there: to trust it, give --public-key with the key obtained separately"
    )
    assert note in by_app.output and note in by_tool.output


def test_an_unsigned_manifest_is_reported_as_unsigned_and_the_file_still_verifies(
    run: Run, some_events, tmp_path: Path, verifiers: Verifiers
):
    exported = export_with(run, tmp_path / "unsigned.csv", "csv")
    assert "signature" not in exported.manifest
    assert "(unsigned)" in exported.output

    by_app, by_tool = verifiers.both(exported.path)

    assert by_app.ok and by_tool.ok
    note = "Note: the manifest is unsigned: it proves nothing on its own."
    assert note in by_app.output and note in by_tool.output


def test_a_manifest_stripped_of_its_signature_fails_when_a_public_key_is_given(
    signed_export: Exported, keys: tuple[Path, Path], verifiers: Verifiers
):
    # Regression: both verifiers used to pass such a manifest with only a note, so whoever
    # changed a file could drop the signature rather than forge it.
    manifest = copy.deepcopy(signed_export.manifest)
    del manifest["signature"]
    signed_export.manifest_path.write_text(json.dumps(manifest))

    by_app, by_tool = verifiers.both(signed_export.path, "--public-key", str(keys[1]))

    assert by_app.code == by_tool.code == 1
    reason = "the manifest is unsigned, but a public key was given"
    assert reason in by_app.output and reason in by_tool.output
