"""The architecture as docs/architecture.md writes it: who may import whom, checked by
import-linter's contracts (pyproject.toml), and a document that names every part of
`app/` and nothing that is not there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "architecture.md"
#: What `ls app` shows that is not code of ours: the copied front-end assets.
NOT_PARTS = {"static", "__pycache__"}


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(program), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_every_import_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_screen_imports_another_and_the_api_imports_no_screen():
    # The two promises issue 16 names, by contract id, so neither can be dropped quietly.
    for contract in ("screens", "layers"):
        result = lint_imports("--contract", contract)
        assert result.returncode == 0, result.stdout[-4000:]
        assert "1 kept, 0 broken" in result.stdout


def test_the_layers_contract_lists_the_faces_as_independent_siblings():
    config = (ROOT / "pyproject.toml").read_text()
    assert '"app.screens | app.api | app.health"' in config


def parts_of_app() -> set[str]:
    """`ls app`, as the document writes each entry: `app/name/` or `app/name.py`."""
    parts = set()
    for entry in (ROOT / "app").iterdir():
        if entry.name in NOT_PARTS or entry.name.startswith("."):
            continue
        if entry.is_dir():
            parts.add(f"app/{entry.name}/")
        elif entry.suffix == ".py":
            parts.add(f"app/{entry.name}")
    return parts


def test_the_document_names_every_part_of_app():
    text = DOCUMENT.read_text()
    missing = sorted(part for part in parts_of_app() if f"`{part}`" not in text)
    assert not missing, f"docs/architecture.md does not name {missing}"


def test_every_path_the_document_names_is_there():
    text = DOCUMENT.read_text()
    named = set(re.findall(r"`(app/[\w/.]+)`", text))
    gone = sorted(path for path in named if not (ROOT / path.rstrip("/")).exists())
    assert not gone, f"docs/architecture.md names {gone}, which are not in the repository"
