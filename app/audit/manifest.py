"""The manifest that travels with every export, and its Ed25519 signature.

The manifest says what was exported (filter, count, first and last seq), from which chain
(the head at export time), by whom, with which version, and the SHA-256 of the export
file. When a signing key is configured the manifest is signed: the signature covers the
canonical JSON of the manifest without its "signature" member (docs/audit-format.md).
"""

from __future__ import annotations

import base64
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from app.audit.chain import format_time
from app.audit.export import ExportFormat, ExportTally
from app.audit.filters import AuditFilters
from app.models.types import utcnow
from app.rules.canonical_json import dumps

MANIFEST_FORMAT = "permit-audit-export-manifest"
MANIFEST_VERSION = 1


def filter_description(filters: AuditFilters) -> dict[str, Any]:
    """The filter as JSON values: every key present, null where it is not set."""
    described: dict[str, Any] = {}
    for name, value in asdict(filters).items():
        if isinstance(value, date):
            value = value.isoformat()
        elif value is not None:
            value = str(value)
        described[name] = value
    return described


@dataclass(frozen=True)
class ExportContext:
    """Who exported, and the chain head the export was cut at."""

    exported_by: str
    head_seq: int
    head_hash: str
    app_version: str
    generated_at: datetime | None = None


def build_manifest(
    *,
    file_name: str,
    export_format: ExportFormat,
    filters: AuditFilters,
    tally: ExportTally,
    context: ExportContext,
    signing_key: Ed25519PrivateKey | None = None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "manifest_format": MANIFEST_FORMAT,
        "manifest_version": MANIFEST_VERSION,
        "file": {
            "name": file_name,
            "format": str(export_format),
            "bytes": tally.size,
            "sha256": tally.digest,
        },
        "filter": filter_description(filters),
        "filtered": any(value is not None for value in asdict(filters).values()),
        "event_count": tally.count,
        "first_seq": tally.first_seq,
        "last_seq": tally.last_seq,
        "chain_head": {"seq": context.head_seq, "hash": context.head_hash},
        "generated_at": format_time(context.generated_at or utcnow()),
        "exported_by": context.exported_by,
        "app_version": context.app_version,
    }
    if signing_key is not None:
        manifest["signature"] = sign_manifest(manifest, signing_key)
    return manifest


def manifest_json(manifest: dict[str, Any]) -> bytes:
    """The manifest file's bytes: canonical JSON and a final newline."""
    return (dumps(manifest) + "\n").encode("utf-8")


def signed_bytes(manifest: dict[str, Any]) -> bytes:
    """What the signature covers: the canonical JSON of the manifest minus "signature"."""
    return dumps({k: v for k, v in manifest.items() if k != "signature"}).encode("utf-8")


def public_key_text(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign_manifest(manifest: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, str]:
    return {
        "algorithm": "ed25519",
        "public_key": public_key_text(key.public_key()),
        "value": base64.b64encode(key.sign(signed_bytes(manifest))).decode("ascii"),
    }


# Keys ------------------------------------------------------------------------------


def load_signing_key(path: str | os.PathLike[str] | None) -> Ed25519PrivateKey | None:
    """The private key at `path` (PEM, PKCS#8, unencrypted), or None when no path is set."""
    if not path:
        return None
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def generate_key_pair(directory: Path, name: str = "audit-signing-key") -> tuple[Path, Path]:
    """Write a new private key (mode 0600) and its public key; refuse to overwrite."""
    private_path, public_path = directory / f"{name}.pem", directory / f"{name}.pub.pem"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} exists: move it away first")
    key = Ed25519PrivateKey.generate()
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


def verify_signature(manifest: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    signature = manifest.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "ed25519":
        return False
    try:
        public_key.verify(base64.b64decode(signature["value"]), signed_bytes(manifest))
    except Exception:  # InvalidSignature, or a value that is not base64
        return False
    return True
