"""tools/verify_export.py runs on a machine without Permit: one file, Python's standard
library only, its own Ed25519, and the exit codes its documentation gives."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.audit_export.conftest import TOOL_PATH, TrailExports

# RFC 8032, section 7.1, test 1: the empty message.
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def run_tool(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The tool copied alone into an empty folder and run by a bare Python: no site
    packages (-S), no PYTHONPATH or current folder (-I)."""
    copy = tmp_path / "verify_export.py"
    copy.write_bytes(TOOL_PATH.read_bytes())
    env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-I", "-S", str(copy), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_imports_only_the_standard_library():
    tree = ast.parse(TOOL_PATH.read_text("utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_run_as_a_program_it_verifies_and_exits_0_or_names_the_problem_and_exits_1(
    trail_exports: TrailExports, tmp_path: Path, fmt: str
):
    exported = trail_exports.files[fmt]
    count = exported.manifest["event_count"]

    good = run_tool(tmp_path, str(exported.path))

    assert good.returncode == 0, good.stdout + good.stderr
    assert f"VERIFIED: {count} events, seq 1 to {count}" in good.stdout
    assert "Note: the manifest is unsigned" in good.stdout  # found beside the file
    assert good.stderr == ""

    changed = tmp_path / f"changed.{fmt}"
    changed.write_bytes(exported.path.read_bytes().replace("张伟 同意".encode(), "张伟".encode()))
    bad = run_tool(tmp_path, str(changed))

    assert bad.returncode == 1
    assert bad.stdout.startswith("NOT VERIFIED: line ")
    assert "seq 5: hash mismatch" in bad.stdout
    assert bad.stderr == ""


@pytest.mark.parametrize(
    "args",
    [("missing.jsonl",), ("{file}", "--anchor", "5"), ("{file}", "--complete", "--filtered")],
)
def test_a_wrong_command_exits_2(trail_exports: TrailExports, tmp_path: Path, args: tuple):
    file = str(trail_exports.files["jsonl"].path)

    result = run_tool(tmp_path, *(arg.format(file=file) for arg in args))

    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_its_ed25519_accepts_the_rfc_8032_test_vector(tool: ModuleType):
    assert tool.ed25519_verify(RFC_PUBLIC, b"", RFC_SIGNATURE)
    assert not tool.ed25519_verify(RFC_PUBLIC, b"x", RFC_SIGNATURE)


@pytest.mark.parametrize("message", [b"", b"manifest", bytes(range(256)) * 3])
def test_its_ed25519_agrees_with_the_cryptography_package(tool: ModuleType, message: bytes):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message)

    assert tool.ed25519_verify(public, message, signature)
    assert not tool.ed25519_verify(public, message + b"!", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not tool.ed25519_verify(public, message, flipped)
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert not tool.ed25519_verify(other, message, signature)
    assert not tool.ed25519_verify(public[:31], message, signature)
    # A signature whose S is not reduced mod the group order is refused (malleability).
    s = int.from_bytes(signature[32:], "little") + tool._Q
    if s < 2**256:
        assert not tool.ed25519_verify(public, message, signature[:32] + s.to_bytes(32, "little"))
