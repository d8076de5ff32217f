"""docs/security.md's table of ASVS requirements and the tests' `asvs` markers agree:
every requirement the issue names is in the table, every row names tests that carry its
marker, and every marker used is in the table. `pytest -m asvs` then runs them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.asvs import collect, requirement_key

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "security.md"

#: The requirements issue 5 asks for, at least.
REQUIRED = [
    *("2.1.1", "2.1.2", "2.1.7", "2.1.9", "2.2.1", "2.8.1", "2.8.4"),
    *("3.2.1", "3.3.1", "3.3.2", "3.4.1", "3.4.2", "3.4.3", "3.4.4"),
    *("4.1.1", "4.1.3", "4.1.5", "4.2.1", "4.2.2", "4.3.1", "5.1.2", "5.1.3", "5.1.4"),
    *("7.1.1", "7.1.3", "7.3.1", "7.3.3", "7.3.4", "11.1.1", "11.1.6", "13.2.5"),
    *("14.4.3", "14.4.4", "14.4.5", "14.4.6", "14.4.7", "v5.0:1.2.10"),
]

_ROW = re.compile(r"^\| (v5\.0:)?(\d+(?:\.\d+)+) \|(.*)\|\s*$", re.MULTILINE)


def documented() -> dict[str, list[str]]:
    """The table's rows: requirement -> the tests named in its last column."""
    section = DOCUMENT.read_text(encoding="utf-8").split("## ASVS requirements covered", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = {}
    for prefix, number, rest in _ROW.findall(section):
        tests_cell = rest.rsplit("|", 1)[-1]
        rows[(prefix or "") + number] = re.findall(r"`([^`]+::[^`]+)`", tests_cell)
    return rows


@pytest.fixture(scope="module")
def markers() -> dict[str, list[str]]:
    return collect()


def test_every_required_requirement_has_a_row():
    missing = [r for r in REQUIRED if r not in documented()]
    assert not missing, f"docs/security.md has no row for {missing}"


def test_the_rows_are_in_requirement_order():
    rows = list(documented())
    assert rows == sorted(rows, key=requirement_key)


def test_every_row_names_tests_that_carry_its_marker(markers):
    problems = []
    for requirement, tests in documented().items():
        if not tests:
            problems.append(f"{requirement}: the row names no test")
        for test in tests:
            if test not in markers.get(requirement, []):
                problems.append(f"{requirement}: {test} has no asvs({requirement!r}) marker")
    assert not problems, "\n".join(problems)


def test_every_marker_used_has_a_row(markers):
    missing = sorted(set(markers) - set(documented()), key=requirement_key)
    assert not missing, f"tests are marked for {missing}, which docs/security.md does not list"
