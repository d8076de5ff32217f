"""docs/api.md cannot drift: every ```sh block in it is run, as written, by bash against a
live server (werkzeug in a thread on 127.0.0.1, on the test database), in the order the
guide gives them, and what each answers is checked against the block after it.

- The guide's variables are the test's: $PERMIT (the server), $TOKEN (an officer's token),
  $APPROVER_TOKEN (Security's), $AUDITOR_TOKEN, all made by the operation as the tokens
  page makes them; $REF, $ETAG and $SEQ are taken from the answers, where the guide says
  to keep them (the request's `reference`, the `ETag` header, `Permit-Export-Seq`).
- The block after a command shows its answer: ```http is a status line, some headers and
  perhaps a JSON body (every header shown must be there with that value, every JSON key
  shown must be there with that value; "…" stands for any value); ```text is lines the
  output must contain.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests import factories, optional
from tests.api.conftest import make_token

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api.md"
ANY = "…"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.skipif(not optional.CURL.available(), reason=optional.CURL.skip_reason())


@dataclass
class Block:
    kind: str
    text: str


def blocks() -> list[Block]:
    return [Block(kind, text) for kind, text in BLOCK.findall(GUIDE.read_text())]


def commands_and_answers() -> list[tuple[str, Block | None]]:
    """Each ```sh block with the block that shows its answer (None when none follows)."""
    found = blocks()
    pairs = []
    for index, block in enumerate(found):
        if block.kind != "sh":
            continue
        after = found[index + 1] if index + 1 < len(found) else None
        pairs.append((block.text, after if after and after.kind in ("http", "text") else None))
    return pairs


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def parse(output: str) -> Answer | None:
    """curl -i's output (the last response, if it followed none): status, headers, body."""
    if not output.startswith("HTTP/"):
        return None
    head, _, body = output.replace("\r\n", "\n").partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


def matches(shown: Any, actual: Any) -> bool:
    """`shown` (from the guide) holds for `actual`: "…" is anything, dicts are subsets."""
    if shown == ANY:
        return True
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in shown.items()
        )
    if isinstance(shown, list):
        return (
            isinstance(actual, list)
            and len(shown) == len(actual)
            and all(matches(s, a) for s, a in zip(shown, actual, strict=True))
        )
    if isinstance(shown, str) and ANY in shown:
        pattern = ".*".join(re.escape(part) for part in shown.split(ANY))
        return isinstance(actual, str) and re.fullmatch(pattern, actual) is not None
    return bool(shown == actual)


def check(command: str, output: str, expected: Block) -> Answer | None:
    answer = parse(output)
    if expected.kind == "text":
        for line in expected.text.splitlines():
            assert any(matches(line.strip(), got.strip()) for got in output.splitlines()), (
                f"{command}\nshould print {line!r}, printed:\n{output}"
            )
        return answer
    assert answer is not None, f"{command}\nprinted no HTTP answer:\n{output}"
    head, _, body = expected.text.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    assert answer.status == int(status_line.split()[1]), f"{command}\n{output}"
    for line in header_lines:
        name, _, value = line.partition(":")
        actual = answer.headers.get(name.strip().lower())
        assert actual is not None and matches(value.strip(), actual), (
            f"{command}\nshould answer {line!r}, answered:\n{output}"
        )
    if body.strip():
        # A bare … (a number the guide cannot know) is read as the string "…".
        shown = json.loads(re.sub(r"(?<=[:\[,] )…", '"…"', body))
        assert matches(shown, json.loads(answer.body)), (
            f"{command}\nshould answer\n{body}\nanswered:\n{answer.body}"
        )
    return answer


@pytest.mark.asvs("13.1.4")
def test_every_command_in_the_api_guide_answers_as_the_guide_shows(
    app: Flask, live_server: str, tmp_path: Path
) -> None:
    world = factories.make_world()
    variables = {
        "PERMIT": live_server,
        "TOKEN": make_token(world.officer)[1],
        "APPROVER_TOKEN": make_token(world.security)[1],
        "AUDITOR_TOKEN": make_token(world.auditor)[1],
    }
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "verify_export.py", tmp_path / "tools")
    pairs = commands_and_answers()
    assert len(pairs) >= 10, "the guide should show the whole journey"
    environment = {"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8"}
    for command, expected in pairs:
        assert "curl" in command or "verify_export" in command, command
        finished = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=tmp_path,
            env={**environment, **variables},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert finished.returncode == 0, f"{command}\n{finished.stdout}{finished.stderr}"
        answer = check(command, finished.stdout, expected) if expected else None
        if answer is None:
            continue
        # What the guide tells the reader to keep, from this answer.
        if "etag" in answer.headers:
            variables["ETAG"] = answer.headers["etag"]
        if "permit-export-seq" in answer.headers:
            variables["SEQ"] = answer.headers["permit-export-seq"]
        if answer.status == 201:
            variables["REF"] = json.loads(answer.body)["reference"]


def test_the_answer_check_bites() -> None:
    assert matches({"a": ANY, "b": [1]}, {"a": "x", "b": [1], "c": 2})
    assert not matches({"a": 1}, {"a": 2})
    assert not matches({"a": 1}, {})
    assert matches("W/…", "W/abc") and not matches("W/…", "abc")
