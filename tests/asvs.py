"""Which tests cover which OWASP ASVS requirement, read from their `asvs` markers.

`pytest --collect-only -q -m asvs` with PERMIT_ASVS_REPORT=<file> set writes the map as
JSON (tests/conftest.py calls `write_report`); tests/test_security_doc.py compares it with
the table in docs/security.md, and `python -m tests.asvs` prints that table's rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT_VARIABLE = "PERMIT_ASVS_REPORT"


def test_name(item: pytest.Item) -> str:
    """file::function, without parameters: one name however many cases it runs."""
    return item.nodeid.split("[", 1)[0]


def coverage(items: Iterable[pytest.Item]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for marker in item.iter_markers("asvs"):
            for requirement in marker.args:
                found[str(requirement)].add(test_name(item))
    return {requirement: sorted(tests) for requirement, tests in found.items()}


def write_report(items: Iterable[pytest.Item]) -> None:
    path = os.environ.get(REPORT_VARIABLE)
    if path:
        Path(path).write_text(json.dumps(coverage(items), indent=1), encoding="utf-8")


def collect() -> dict[str, list[str]]:
    """Collect the whole suite (nothing runs) and return the coverage map. Collecting
    includes tests/browser/ even where Chromium is missing (tests/conftest.py)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "asvs.json"
        environment = {**os.environ, REPORT_VARIABLE: str(report)}
        environment.pop("TEST_DATABASE_URL", None)  # the names are the same on both
        # As on a machine without Chromium: the answer must not depend on the machine.
        environment["PERMIT_CHROMIUM"] = str(Path(folder) / "no-chromium")
        subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )
        return json.loads(report.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


#: Requirements from ASVS 5.0 (where 4.0.3 has no equivalent) are written "v5.0:1.2.10".
V5_PREFIX = "v5.0:"


def requirement_key(requirement: str) -> tuple[int, ...]:
    """Sort 4.0.3 requirements by chapter, section and number; 5.0 ones after them."""
    later = requirement.startswith(V5_PREFIX)
    numbers = requirement.removeprefix(V5_PREFIX).split(".")
    return (int(later), *(int(part) for part in numbers))


if __name__ == "__main__":
    for requirement, tests in sorted(collect().items(), key=lambda row: requirement_key(row[0])):
        print(f"| {requirement} | | | {'<br>'.join(f'`{test}`' for test in tests)} |")
