"""The optional parts of a test machine, and what a test says when one is missing.

`make test` passes on a machine with none of them: each test that needs one skips with one
line naming what is missing and how to get it, and the end of the run lists every part
that was missing, once (tests/conftest.py, `pytest_terminal_summary`). .ci/run installs
them all for its full run, and hides them for its newcomer's run.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Debian's Chromium, which the browser tests drive; PERMIT_CHROMIUM names another binary
#: (or, in .ci/run's newcomer's run, a path where there is none).
CHROMIUM = os.environ.get("PERMIT_CHROMIUM", "/usr/bin/chromium")
REDIS_ADDRESS = ("127.0.0.1", 6379)
#: Set by .ci/run's full run: a missing part fails the run instead of skipping tests.
REQUIRE_ALL = "PERMIT_TEST_REQUIRE_ALL"


@dataclass(frozen=True)
class Part:
    name: str
    #: Why this machine lacks it, e.g. "no executable at /usr/bin/chromium".
    absent: str
    #: Which tests skip without it.
    tests: str
    #: How to get it.
    how: str
    present: Callable[[], bool]

    def available(self) -> bool:
        return _available(self)

    def skip_reason(self) -> str:
        return f"{self.name} not found ({self.absent}; {self.how})"

    def summary(self) -> str:
        return f"{self.name} not found ({self.absent}): {self.tests} were skipped; {self.how}"

    def skip_unless_available(self) -> None:
        if self.available():
            return
        if os.environ.get(REQUIRE_ALL):
            pytest.fail(f"{REQUIRE_ALL} is set, but {self.skip_reason()}")
        pytest.skip(self.skip_reason())


@cache
def _available(part: Part) -> bool:
    return part.present()


def _listening(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


CHROMIUM_PART = Part(
    "Chromium",
    f"no executable at {CHROMIUM}",
    "the browser tests",
    "`apt-get install chromium`, or set PERMIT_CHROMIUM to its path",
    lambda: os.access(CHROMIUM, os.X_OK),
)
POSTGRESQL = Part(
    "PostgreSQL",
    "TEST_DATABASE_URL is not set",
    "the PostgreSQL runs",
    "set TEST_DATABASE_URL to an empty database, as .ci/run does",
    lambda: bool(os.environ.get("TEST_DATABASE_URL")),
)
REDIS = Part(
    "Redis",
    "nothing listens on 127.0.0.1:6379",
    "the rate limits shared through Redis",
    "start redis-server on that port",
    lambda: _listening(REDIS_ADDRESS),
)
CURL = Part(
    "curl",
    "not on PATH",
    "docs/api.md's examples",
    "`apt-get install curl`",
    lambda: shutil.which("curl") is not None,
)
ASSETS = Part(
    "Front-end assets",
    "app/static/ or node_modules/ is empty",
    "the tests of served assets and accessibility",
    "`make assets` (`make test` does it for you)",
    lambda: (
        (ROOT / "app" / "static" / ".copied").exists()
        and (ROOT / "node_modules" / "axe-core" / "axe.min.js").exists()
    ),
)

PARTS = [CHROMIUM_PART, POSTGRESQL, REDIS, CURL, ASSETS]


def missing_parts() -> list[Part]:
    return [part for part in PARTS if not part.available()]
