"""A machine without the optional parts still passes, and says once what it skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDINARY_TEST = "tests/test_security_doc.py::test_the_rows_are_in_requirement_order"


def run_pytest(tmp_path: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PERMIT_CHROMIUM": str(tmp_path / "no-chromium")}
    # As on a newcomer's machine, whatever this run has (.ci/run's full run sets both).
    for name in ("TEST_DATABASE_URL", "PYTEST_XDIST_WORKER", "PERMIT_TEST_REQUIRE_ALL"):
        env.pop(name, None)
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_chromium_the_browser_folder_skips_with_one_line_and_the_run_passes(tmp_path):
    # One test that runs, beside the folder: pytest exits 5 when nothing at all ran.
    result = run_pytest(tmp_path, "tests/browser", ORDINARY_TEST)
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, result.stdout
    assert f"Chromium not found (no executable at {tmp_path / 'no-chromium'})" in skipped[0]
    assert "the browser tests were skipped" in skipped[0]
    assert "PERMIT_CHROMIUM" in skipped[0]


def test_the_end_of_the_run_lists_each_missing_part_once(tmp_path):
    result = run_pytest(tmp_path, "tests/browser", "tests/audit/test_append_only.py")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("optional parts missing on this machine", 1)[1]
    summary = summary.split("short test summary info", 1)[0]
    assert summary.count("Chromium not found") == 1
    assert summary.count("PostgreSQL not found (TEST_DATABASE_URL is not set)") == 1


def test_collecting_finds_the_browser_tests_even_without_chromium(tmp_path):
    result = run_pytest(tmp_path, "--collect-only", "tests/browser")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests/browser/test_journey.py::" in result.stdout
    assert "optional parts missing" not in result.stdout


def test_the_full_run_fails_rather_than_skips_when_a_part_is_missing(tmp_path):
    result = run_pytest(tmp_path, "tests/browser/test_harness.py", PERMIT_TEST_REQUIRE_ALL="1")
    assert result.returncode != 0
    assert "PERMIT_TEST_REQUIRE_ALL is set, but Chromium not found" in result.stdout
